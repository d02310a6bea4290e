/** Channels made through the API: a real SQLite store, engine, alerting and notifiers; receivers on loopback. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ConfigApp, startConfigApp } from "../../test/helpers/config-app.ts";
import { configOf } from "../../test/helpers/engine.ts";
import { startHttpServer, type TestServer } from "../../test/helpers/http-server.ts";
import { sqliteStore, type TestStore } from "../../test/helpers/stores.ts";
import { SECRET_MASK } from "../alerting/secrets.ts";
import { getApiObject, listApiObjects } from "../config/api-objects.ts";

const TOKEN = "hook-token-5f0c1d2e3a4b";
const AUTH = "Bearer api-secret-77aa88bb";

const FILE = `
channels:
  - { name: file-hook, type: webhook, url: "http://127.0.0.1:9/file-secret-path-123456" }
routes:
  channels: [file-hook]
  routes:
    - { matchers: ["team=web"], channels: [file-hook] }
monitors:
  - { id: shop/a, name: a, type: heartbeat, period: 1h, labels: { team: db } }
  - { id: shop/b, name: b, type: heartbeat, period: 1h, alerts: [file-hook] }
`;

describe("channels API", () => {
  let db: TestStore;
  let c: ConfigApp;
  let hook: TestServer;
  const body = (over: Record<string, unknown> = {}) => ({ name: "ops", type: "webhook", url: `${hook.url}/in/${TOKEN}`, headers: { Authorization: AUTH }, ...over });
  const call = (method: "GET" | "POST" | "PUT" | "DELETE", url: string, payload?: unknown) => c.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  const noSecrets = (text: string) => {
    for (const s of [TOKEN, AUTH, "api-secret-77aa88bb", "file-secret-path-123456"]) assert.ok(!text.includes(s), `${s} leaked in ${text}`);
  };

  before(async () => {
    db = await sqliteStore();
    hook = await startHttpServer((_q, res) => res.writeHead(204).end());
    c = await startConfigApp(db.store, configOf(FILE));
  });
  after(async () => {
    await c.stop();
    await hook.close();
    await db.cleanup();
  });

  test("a channel is created, shown with secrets masked, and marked as made through the API", async () => {
    const made = await call("POST", "/api/v1/channels", body());
    assert.equal(made.statusCode, 201, made.body);
    noSecrets(made.body);
    const ch = made.json<{ channel: Record<string, unknown> }>().channel;
    assert.deepEqual([ch.name, ch.type, ch.source, ch.readOnly, ch.active, ch.author], ["ops", "webhook", "api", false, true, "admin-user"]);
    assert.deepEqual(ch.spec, { name: "ops", type: "webhook", url: SECRET_MASK, headers: { Authorization: SECRET_MASK } });
    assert.deepEqual((ch.settings as Record<string, unknown>).url, SECRET_MASK);
    const stored = await getApiObject(db.store.db, "channel", "ops");
    assert.equal(stored?.spec.url, `${hook.url}/in/${TOKEN}`, "the real secret is stored");
    const list = await call("GET", "/api/v1/channels");
    noSecrets(list.body);
    const byName = new Map(list.json<{ channels: Array<Record<string, unknown>> }>().channels.map((x) => [x.name, x]));
    assert.deepEqual([byName.get("file-hook")?.source, byName.get("file-hook")?.readOnly], ["test.yaml", true]);
    assert.deepEqual([byName.get("ops")?.source, byName.get("ops")?.readOnly], ["api", false]);
    const one = await call("GET", "/api/v1/channels/ops");
    noSecrets(one.body);
    assert.deepEqual(one.json<{ channel: unknown }>().channel, list.json<{ channels: unknown[] }>().channels.find((x) => (x as { name: string }).name === "ops"));
  });

  test("a channel made through the API receives a test message", async () => {
    const before = hook.requests.length;
    const r = await call("POST", "/api/v1/channels/ops/test");
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json<{ delivered: boolean }>().delivered, true);
    const got = hook.requests.at(-1);
    assert.equal(hook.requests.length, before + 1);
    assert.equal(got?.url, `/in/${TOKEN}`);
    assert.equal(got?.headers.authorization, AUTH);
  });

  test("PUT with the mask keeps the stored secrets; other fields change", async () => {
    const r = await call("PUT", "/api/v1/channels/ops", body({ url: SECRET_MASK, headers: { Authorization: SECRET_MASK, "X-Team": "db" }, template: '{"t":"{{title}}"}' }));
    assert.equal(r.statusCode, 200, r.body);
    noSecrets(r.body);
    const stored = await getApiObject(db.store.db, "channel", "ops");
    assert.deepEqual(stored?.spec, { name: "ops", type: "webhook", url: `${hook.url}/in/${TOKEN}`, headers: { Authorization: AUTH, "X-Team": "db" }, template: '{"t":"{{title}}"}' });
    assert.equal((await call("POST", "/api/v1/channels/ops/test")).statusCode, 200);
    const got = hook.requests.at(-1);
    assert.deepEqual([got?.url, got?.headers.authorization, got?.headers["x-team"], JSON.parse(got?.body ?? "{}").t], [`/in/${TOKEN}`, AUTH, "db", 'Test message from Upbeat to channel "ops"']);
  });

  test("the mask where nothing is stored is refused, naming the field", async () => {
    const fresh = await call("PUT", "/api/v1/channels/new-one", body({ name: "new-one", url: SECRET_MASK }));
    assert.equal(fresh.statusCode, 400);
    assert.match(fresh.json<{ message: string }>().message, /^body\.url: "\*{8}" stands for the stored secret/);
    const retyped = await call("PUT", "/api/v1/channels/ops", { type: "slack", url: SECRET_MASK });
    assert.equal(retyped.statusCode, 400);
    assert.match(retyped.json<{ message: string }>().message, /type changed from webhook/);
    assert.equal(await getApiObject(db.store.db, "channel", "new-one"), undefined);
    assert.equal((await getApiObject(db.store.db, "channel", "ops"))?.spec.type, "webhook");
  });

  test("bad bodies are refused with the field named, and nothing is stored", async () => {
    const cases: Array<[string, string, unknown, RegExp]> = [
      ["POST", "/api/v1/channels", { name: "x1", url: "http://a" }, /^body\.type: is required/],
      ["POST", "/api/v1/channels", { name: "x2", type: "carrier-pigeon" }, /^body\.type: unknown channel type "carrier-pigeon"; expected one of: .*webhook/],
      ["POST", "/api/v1/channels", { name: "x3", type: "webhook", url: "ftp://nope" }, /^body\.url: /],
      ["POST", "/api/v1/channels", { name: "x4", type: "webhook", url: "http://a", methd: "GET" }, /^body\.methd: unknown key "methd"; did you mean "method"\?/],
      ["POST", "/api/v1/channels", { name: "-bad name", type: "webhook", url: "http://a" }, /^body\.name: /],
      ["POST", "/api/v1/channels", { type: "webhook", url: "http://a" }, /^body\.name: is required/],
      ["POST", "/api/v1/channels", [1, 2], /^body must be a JSON object/],
      ["PUT", "/api/v1/channels/x5", { name: "other", type: "webhook", url: "http://a" }, /^body\.name: "other" differs from the name in the URL "x5"/],
    ];
    for (const [method, url, payload, message] of cases) {
      const r = await call(method as "POST", url, payload);
      assert.equal(r.statusCode, 400, `${JSON.stringify(payload)} → ${r.body}`);
      assert.equal(r.json<{ code: string }>().code, "UPBEAT_BAD_REQUEST");
      assert.match(r.json<{ message: string }>().message, message);
    }
    assert.deepEqual((await listApiObjects(db.store.db, "channel")).map((o) => o.name), ["ops"]);
    assert.equal((await call("GET", "/api/v1/channels/x3")).statusCode, 404);
    const typo = await call("POST", "/api/v1/channels", { name: "x6", type: "slack", url: `htps://hooks.example.com/services/${TOKEN}/${TOKEN}` });
    assert.equal(typo.statusCode, 400);
    assert.match(typo.json<{ message: string }>().message, /^body\.url: /);
    noSecrets(typo.body);
  });

  test("conflicts: an existing name, a name a file defines", async () => {
    const dup = await call("POST", "/api/v1/channels", body());
    assert.deepEqual([dup.statusCode, dup.json<{ code: string }>().code], [409, "UPBEAT_ALREADY_EXISTS"]);
    for (const [method, url] of [["POST", "/api/v1/channels"], ["PUT", "/api/v1/channels/file-hook"], ["DELETE", "/api/v1/channels/file-hook"]] as const) {
      const r = await call(method, url, method === "DELETE" ? undefined : body({ name: "file-hook" }));
      assert.equal(r.statusCode, 409, `${method} ${url}`);
      assert.deepEqual(r.json(), { code: "UPBEAT_DEFINED_IN_FILE", message: 'channel "file-hook" is defined in test.yaml; change it there (objects from files are read-only in the API)', statusCode: 409 });
    }
    assert.equal((await getApiObject(db.store.db, "channel", "file-hook")), undefined);
  });

  test("a channel in use by a route or a monitor is not deleted; unknown ones are 404", async () => {
    assert.equal((await call("POST", "/api/v1/routes", { name: "db", matchers: ["team=db"], channels: ["ops"] })).statusCode, 201);
    const used = await call("DELETE", "/api/v1/channels/ops");
    assert.equal(used.statusCode, 409);
    assert.deepEqual(used.json(), { code: "UPBEAT_CHANNEL_IN_USE", message: 'channel "ops" is used by route "db"; change those first', statusCode: 409 });
    assert.equal((await call("DELETE", "/api/v1/routes/db")).statusCode, 204);
    assert.equal((await call("DELETE", "/api/v1/channels/ops")).statusCode, 204);
    assert.equal((await call("GET", "/api/v1/channels/ops")).statusCode, 404);
    assert.equal((await call("DELETE", "/api/v1/channels/ops")).statusCode, 404);
    assert.equal((await call("POST", "/api/v1/channels/ops/test")).statusCode, 404, "a deleted channel is out of force at once");
    assert.deepEqual(await listApiObjects(db.store.db), []);
    const r = await call("GET", "/api/v1/channels/nope");
    assert.deepEqual(r.json(), { code: "UPBEAT_CHANNEL_NOT_FOUND", message: 'no channel "nope"', statusCode: 404 });
  });

  test("a file monitor's alerts may name an API channel, which then cannot be deleted", async () => {
    const c2 = configOf(`${FILE}  - { id: shop/c, name: c, type: heartbeat, period: 1h, alerts: [pager] }\n`, 100);
    // The file is checked with the API objects: pager exists only in the database.
    await c.stop();
    await startConfigApp(db.store, c2).then(
      () => assert.fail("a file naming a missing channel must be refused"),
      (e: Error) => assert.match(e.message, /no channel named \\"pager\\"/),
    );
    c = await startConfigApp(db.store, configOf(FILE));
    assert.equal((await call("POST", "/api/v1/channels", body({ name: "pager" }))).statusCode, 201);
    await c.stop();
    c = await startConfigApp(db.store, c2);
    const r = await call("DELETE", "/api/v1/channels/pager");
    assert.equal(r.statusCode, 409);
    assert.match(r.json<{ message: string }>().message, /used by monitor "shop\/c"/);
  });
});

describe("channels API access", () => {
  test("viewers read but cannot write; editors cannot touch script channels; admins can", async () => {
    const db = await sqliteStore();
    try {
      const viewer = await startConfigApp(db.store, configOf(FILE), "viewer");
      assert.equal((await viewer.app.inject({ method: "GET", url: "/api/v1/channels" })).statusCode, 200);
      for (const [method, url] of [["POST", "/api/v1/channels"], ["PUT", "/api/v1/channels/x"], ["DELETE", "/api/v1/channels/x"]] as const) {
        const r = await viewer.app.inject({ method, url, payload: { name: "x", type: "webhook", url: "http://127.0.0.1:9/" } });
        assert.deepEqual([r.statusCode, r.json<{ code: string }>().code], [403, "UPBEAT_FORBIDDEN"], `${method} ${url}`);
      }
      await viewer.stop();
      const editor = await startConfigApp(db.store, configOf(FILE), "editor");
      const script = await editor.app.inject({ method: "POST", url: "/api/v1/channels", payload: { name: "run", type: "script", path: "/bin/true" } });
      assert.equal(script.statusCode, 403);
      assert.match(script.json<{ message: string }>().message, /only an admin/);
      assert.equal((await editor.app.inject({ method: "POST", url: "/api/v1/channels", payload: { name: "w", type: "webhook", url: "http://127.0.0.1:9/" } })).statusCode, 201);
      await editor.stop();
      assert.deepEqual((await listApiObjects(db.store.db)).map((o) => o.name), ["w"]);
      const admin = await startConfigApp(db.store, configOf(FILE), "admin");
      assert.equal((await admin.app.inject({ method: "POST", url: "/api/v1/channels", payload: { name: "run", type: "script", path: "/bin/true" } })).statusCode, 201);
      await admin.stop();
    } finally {
      await db.cleanup();
    }
  });
});
