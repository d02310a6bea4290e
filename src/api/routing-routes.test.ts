/** Notification routes made through the API: a real SQLite store, engine and alerting; a receiver on loopback. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { openedEffect } from "../../test/helpers/alerting.ts";
import { type ConfigApp, startConfigApp } from "../../test/helpers/config-app.ts";
import { configOf } from "../../test/helpers/engine.ts";
import { startHttpServer, type TestServer } from "../../test/helpers/http-server.ts";
import { sqliteStore, type TestStore } from "../../test/helpers/stores.ts";
import { waitFor } from "../../test/helpers/wait.ts";
import { listApiObjects } from "../config/api-objects.ts";

const FILE = `
channels:
  - { name: file-hook, type: webhook, url: "http://127.0.0.1:9/x" }
routes:
  channels: [file-hook]
  groupWait: 1h
  routes:
    - { matchers: ["team=web"], channels: [file-hook] }
monitors:
  - { id: shop/a, name: a, type: heartbeat, period: 1h, labels: { team: db } }
`;

type RouteItem = { name: string; position: number | null; source: string; readOnly: boolean; active: boolean; spec: Record<string, unknown>; author?: string };

describe("routes API", () => {
  let db: TestStore;
  let c: ConfigApp;
  let hook: TestServer;
  const call = (method: "GET" | "POST" | "PUT" | "DELETE", url: string, payload?: unknown) => c.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  const list = async () => (await call("GET", "/api/v1/routes")).json<{ order: string; root: { source: string; spec: unknown }; routes: RouteItem[] }>();

  before(async () => {
    db = await sqliteStore();
    hook = await startHttpServer((_q, res) => res.writeHead(204).end());
    c = await startConfigApp(db.store, configOf(FILE));
    assert.equal((await call("POST", "/api/v1/channels", { name: "ops", type: "webhook", url: `${hook.url}/ops` })).statusCode, 201);
  });
  after(async () => {
    await c.stop();
    await hook.close();
    await db.cleanup();
  });

  test("an API route is appended after the file's routes and takes what they leave", async () => {
    const made = await call("POST", "/api/v1/routes", { name: "db", matchers: ["team=db"], channels: ["ops"], groupWait: "0s", groupInterval: "0s" });
    assert.equal(made.statusCode, 201, made.body);
    assert.deepEqual(made.json<{ route: RouteItem }>().route, { name: "db", position: 1, source: "api", readOnly: false, active: true, spec: { name: "db", matchers: ["team=db"], channels: ["ops"], groupWait: "0s", groupInterval: "0s" }, ...pick(made.json<{ route: RouteItem }>().route), author: "admin-user" });
    const all = await list();
    assert.deepEqual(all.routes.map((r) => [r.name, r.position, r.source, r.readOnly]), [["routes[0]", 0, "test.yaml", true], ["db", 1, "api", false]]);
    assert.deepEqual(all.root, { source: "test.yaml", readOnly: true, spec: { channels: ["file-hook"], groupWait: "1h" } });
    assert.match(all.order, /file's top-level routes first/);
    assert.deepEqual((await call("GET", "/api/v1/routes/routes%5B0%5D")).json<{ route: RouteItem }>().route.spec, { matchers: ["team=web"], channels: ["file-hook"] });
    const { record, id } = await openedEffect(db.store, "shop/a");
    await c.alerting.handler({ id, record });
    const got = await waitFor("the alert at the API route's channel", () => hook.requests.find((r) => r.url === "/ops"));
    assert.equal((JSON.parse(got.body) as { monitors: Array<{ id: string }> }).monitors[0]?.id, "shop/a");
    assert.deepEqual((await db.store.deliveries({ limit: 10 })).map((d) => d.channel), ["ops"], "the file's root channel is not used: the API route took it");
  });

  test("a route naming an unknown channel, a bad matcher or a bad duration is refused; nothing is stored", async () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{ name: "r1", channels: ["nope"] }, "UPBEAT_CONFIG_INVALID", /^body\.channels\[0\]: no channel named "nope"$/],
      [{ name: "r2", matchers: ["team=~(db"], channels: ["ops"] }, "UPBEAT_CONFIG_INVALID", /^body\.matchers\[0\]: matcher "team=~\(db": invalid regular expression/],
      [{ name: "r3", groupWait: "soon" }, "UPBEAT_BAD_REQUEST", /^body\.groupWait: expected a duration/],
      [{ name: "r4", routes: [{ channels: ["ops"], contine: true }] }, "UPBEAT_BAD_REQUEST", /^body\.routes\[0\]\.contine: unknown key "contine"; did you mean "continue"\?/],
      [{ name: "r5", routes: [{ channels: ["gone"] }] }, "UPBEAT_CONFIG_INVALID", /^body\.routes\[0\]\.channels\[0\]: no channel named "gone"/],
      [{ name: "routes[9]", channels: ["ops"] }, "UPBEAT_BAD_REQUEST", /^body\.name: /],
    ];
    for (const [payload, code, message] of cases) {
      const r = await call("POST", "/api/v1/routes", payload);
      assert.equal(r.statusCode, 400, `${JSON.stringify(payload)} → ${r.body}`);
      assert.equal(r.json<{ code: string }>().code, code);
      assert.match(r.json<{ message: string }>().message, message);
    }
    assert.deepEqual((await listApiObjects(db.store.db, "route")).map((o) => o.name), ["db"]);
    assert.deepEqual((await list()).routes.map((r) => r.name), ["routes[0]", "db"]);
  });

  test("replace, 404, file routes read-only, delete", async () => {
    const put = await call("PUT", "/api/v1/routes/db", { matchers: ["team=db"], channels: ["ops", "file-hook"], continue: true });
    assert.equal(put.statusCode, 200, put.body);
    assert.deepEqual(put.json<{ route: RouteItem }>().route.spec, { name: "db", matchers: ["team=db"], channels: ["ops", "file-hook"], continue: true });
    const created = await call("PUT", "/api/v1/routes/aa", { channels: ["ops"] });
    assert.equal(created.statusCode, 201);
    assert.deepEqual((await list()).routes.map((r) => [r.name, r.position]), [["routes[0]", 0], ["aa", 1], ["db", 2]], "API routes are tried in name order");
    assert.equal((await call("GET", "/api/v1/routes/zz")).statusCode, 404);
    assert.equal((await call("DELETE", "/api/v1/routes/zz")).statusCode, 404);
    for (const method of ["PUT", "DELETE"] as const) {
      const r = await call(method, "/api/v1/routes/routes%5B0%5D", method === "PUT" ? { channels: ["ops"] } : undefined);
      assert.deepEqual([r.statusCode, r.json<{ code: string }>().code], [409, "UPBEAT_DEFINED_IN_FILE"]);
    }
    const dup = await call("POST", "/api/v1/routes", { name: "aa", channels: ["ops"] });
    assert.deepEqual([dup.statusCode, dup.json<{ code: string }>().code], [409, "UPBEAT_ALREADY_EXISTS"]);
    assert.equal((await call("DELETE", "/api/v1/routes/aa")).statusCode, 204);
    assert.deepEqual((await list()).routes.map((r) => r.name), ["routes[0]", "db"]);
  });

  test("viewers cannot write routes", async () => {
    const viewer = await startConfigApp(db.store, configOf(FILE), "viewer");
    try {
      assert.equal((await viewer.app.inject({ method: "GET", url: "/api/v1/routes" })).statusCode, 200);
      for (const [method, url] of [["POST", "/api/v1/routes"], ["PUT", "/api/v1/routes/db"], ["DELETE", "/api/v1/routes/db"]] as const) {
        const r = await viewer.app.inject({ method, url, payload: { name: "db", channels: ["ops"] } });
        assert.equal(r.statusCode, 403, `${method} ${url}`);
      }
      assert.deepEqual((await listApiObjects(db.store.db, "route")).map((o) => o.spec), [{ name: "db", matchers: ["team=db"], channels: ["ops", "file-hook"], continue: true }]);
    } finally {
      await viewer.stop();
    }
  });
});

/** The audit fields of a route item (times vary). */
function pick(r: RouteItem & { createdAt?: string; updatedAt?: string }) {
  return { createdAt: r.createdAt, updatedAt: r.updatedAt };
}
