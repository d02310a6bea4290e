/** Monitors over the API: a real engine probing a real HTTP server, a real SQLite file, restarts. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiRig, type Json, startApi } from "../../test/helpers/api-app.ts";
import { closedPort, startHttpServer, type TestServer } from "../../test/helpers/http-server.ts";
import { waitFor } from "../../test/helpers/wait.ts";
import { buildApp } from "./app.ts";
import { quietLog } from "../../test/helpers/engine.ts";

type MonitorJson = { id: string; status: string; readOnly: boolean; source: string; group: string[]; labels: Record<string, string>; since: number; definition: { check: Json; settings: Json }; recentResults: Json[]; updatedAt: number; file?: string };
const monitorOf = (r: { json(): unknown }) => (r.json() as { monitor: MonitorJson }).monitor;

const FILE = `
groups:
  - name: Billing
    monitors:
      - { name: invoices, url: "http://127.0.0.1:9/invoices", paused: true }
monitors:
  - { id: nightly, name: nightly, type: heartbeat, period: 1h, slug: nightly }
`;

describe("monitor routes", () => {
  let rig: ApiRig;
  let target: TestServer;
  const hits = (path: string) => target.requests.filter((r) => r.url === path).length;

  before(async () => {
    target = await startHttpServer((_req, res) => res.writeHead(200).end("fine"));
    rig = await startApi(FILE, { app: { channels: () => new Set(["ops"]) } });
  });
  after(async () => {
    await rig.close();
    await target.close();
  });

  test("a monitor created over the API is probed, listed as writable, and survives a restart with its state", async () => {
    const r = await rig.call("POST", "/api/v1/monitors", { name: "Checkout", url: `${target.url}/checkout`, interval: "1s", group: ["Shop", "EU"], labels: { team: "web" }, expect: { status: [200] } });
    assert.equal(r.statusCode, 201, r.body);
    const m = monitorOf(r);
    assert.deepEqual([m.id, m.source, m.readOnly, m.group, m.labels], ["shop/eu/checkout", "api", false, ["Shop", "EU"], { team: "web" }]);
    await waitFor("probed and up", async () => hits("/checkout") > 0 && monitorOf(await rig.call("GET", "/api/v1/monitors/shop%2Feu%2Fcheckout")).status === "up", 8000);
    const since = monitorOf(await rig.call("GET", "/api/v1/monitors/shop/eu/checkout")).since;

    await rig.restart();
    const back = monitorOf(await rig.call("GET", "/api/v1/monitors/shop%2Feu%2Fcheckout"));
    assert.deepEqual([back.status, back.since, back.source, back.labels], ["up", since, "api", { team: "web" }], "state and definition came back from the store");
    assert.ok(back.recentResults.length > 0);
    const before = hits("/checkout");
    await waitFor("probed again after the restart", () => hits("/checkout") > before, 8000);
  });

  test("an update keeps state and history and re-schedules; PATCH changes some fields; secrets sent back masked are kept", async () => {
    const made = await rig.call("POST", "/api/v1/monitors", { id: "shop/api", name: "API", url: `${target.url}/v1`, interval: "1s", headers: { Authorization: "Bearer s3cret-token" } });
    assert.equal(made.statusCode, 201, made.body);
    await waitFor("up", () => rig.engine.get("shop/api")?.state.status === "up", 8000);
    const shown = monitorOf(await rig.call("GET", "/api/v1/monitors/shop%2Fapi"));
    assert.deepEqual(shown.definition.check.headers, { Authorization: "********" });
    assert.ok(!JSON.stringify(shown).includes("s3cret-token"));

    const since = rig.engine.get("shop/api")?.state.since;
    const put = await rig.call("PUT", "/api/v1/monitors/shop%2Fapi", { ...shown.definition.check, url: `${target.url}/v2`, group: shown.group });
    assert.equal(put.statusCode, 200, put.body);
    assert.equal(rig.engine.get("shop/api")?.state.since, since, "the state stays");
    await waitFor("probing the new URL", () => hits("/v2") > 0, 8000);
    const sent = target.requests.filter((q) => q.url === "/v2").at(-1);
    assert.equal(sent?.headers.authorization, "Bearer s3cret-token", "the masked header value was put back");
    assert.ok((await rig.store.results("shop/api", { limit: 100 })).some((x) => x.at < (put.json() as { monitor: { updatedAt: number } }).monitor.updatedAt), "history stays");

    const patched = await rig.call("PATCH", "/api/v1/monitors/shop%2Fapi", { labels: { team: "ops" }, interval: null });
    assert.equal(patched.statusCode, 200, patched.body);
    const p = monitorOf(patched);
    assert.deepEqual(p.labels, { team: "ops" });
    assert.equal(p.definition.check.url, `${target.url}/v2`);
    assert.equal(rig.engine.get("shop/api")?.monitor.settings.intervalMs, 60_000, "a removed field takes its default again");
    const typed = await rig.app.inject({ method: "PATCH", url: "/api/v1/monitors/shop%2Fapi", headers: { "content-type": "application/merge-patch+json" }, payload: JSON.stringify({ name: "API v2" }) });
    assert.equal(typed.statusCode, 200, typed.body);
    assert.equal(rig.engine.get("shop/api")?.monitor.name, "API v2");
  });

  test("pause and resume: probing stops and starts, and a pause holds across a restart", async () => {
    await rig.call("POST", "/api/v1/monitors", { id: "p1", name: "p1", url: `${target.url}/p1`, interval: "1s" });
    await waitFor("probed", () => hits("/p1") > 0, 8000);
    const paused = await rig.call("POST", "/api/v1/monitors/p1/pause");
    assert.equal(paused.statusCode, 200, paused.body);
    assert.equal(monitorOf(paused).status, "paused");
    assert.equal(monitorOf(paused).definition.check.paused, true);
    const n = hits("/p1");
    await rig.restart();
    assert.equal(rig.engine.get("p1")?.state.status, "paused", "still paused after the restart");
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(hits("/p1") <= n + 1, "no probes while paused");
    assert.equal((await rig.call("POST", "/api/v1/monitors/p1/pause")).statusCode, 200, "pausing twice is fine");
    const resumed = await rig.call("POST", "/api/v1/monitors/p1/resume");
    assert.equal(resumed.statusCode, 200);
    assert.notEqual(monitorOf(resumed).status, "paused");
    await waitFor("probed again", () => hits("/p1") > n + 1, 8000);
  });

  test("delete: the open incident closes as removed, history stays, and it does not come back", async () => {
    const port = await closedPort();
    await rig.call("POST", "/api/v1/monitors", { id: "gone", name: "gone", url: `http://127.0.0.1:${port}/`, interval: "1s", timeout: "500ms" });
    await waitFor("down", () => rig.engine.get("gone")?.state.incident, 8000);
    const del = await rig.call("DELETE", "/api/v1/monitors/gone");
    assert.equal(del.statusCode, 204, del.body);
    assert.equal((await rig.call("GET", "/api/v1/monitors/gone")).statusCode, 404);
    await rig.engine.writer.durable();
    const [incident] = await rig.store.incidents({ monitorId: "gone", limit: 5 });
    assert.equal(incident?.resolution, "removed");
    assert.ok((await rig.store.results("gone", { limit: 5 })).length > 0, "results kept");
    await rig.restart();
    assert.equal(rig.engine.get("gone"), undefined);
    assert.equal((await rig.call("DELETE", "/api/v1/monitors/gone")).statusCode, 404);
  });

  test("a heartbeat created over the API takes pings like one from a file", async () => {
    const r = await rig.call("POST", "/api/v1/monitors", { name: "backup", type: "heartbeat", period: "1h", group: "Jobs" });
    assert.equal(r.statusCode, 201, r.body);
    const uuid = (monitorOf(r) as unknown as { heartbeat: { uuid: string } }).heartbeat.uuid;
    assert.equal((await rig.call("GET", `/ping/${uuid}`)).statusCode, 200);
    assert.equal(rig.engine.get("jobs/backup")?.state.status, "up");
  });

  test("a heartbeat created by its first ping can be paused, kept paused across a restart, and deleted", async () => {
    assert.equal((await rig.call("GET", "/ping/anykey-123/db-dump?create=1")).statusCode, 201);
    const shown = monitorOf(await rig.call("GET", "/api/v1/monitors/hb/db-dump"));
    assert.deepEqual([shown.source, shown.readOnly], ["ping", false]);
    assert.equal(monitorOf(await rig.call("POST", "/api/v1/monitors/hb%2Fdb-dump/pause")).status, "paused");
    await rig.restart();
    assert.equal(rig.engine.get("hb/db-dump")?.state.status, "paused");
    assert.equal((await rig.call("DELETE", "/api/v1/monitors/hb%2Fdb-dump")).statusCode, 204);
    assert.equal(rig.engine.get("hb/db-dump"), undefined);
  });

  test("monitors from files are read-only: marked so, every write refused naming the file, nothing changed", async () => {
    const shown = monitorOf(await rig.call("GET", "/api/v1/monitors/billing/invoices"));
    assert.deepEqual([shown.readOnly, shown.source, shown.file], [true, "native", "test.yaml"]);
    const writes: Array<[string, string, unknown]> = [
      ["PUT", "/api/v1/monitors/billing%2Finvoices", { name: "x", url: "http://127.0.0.1:9/" }],
      ["PATCH", "/api/v1/monitors/billing/invoices", { name: "x" }],
      ["DELETE", "/api/v1/monitors/billing/invoices", undefined],
      ["POST", "/api/v1/monitors/billing%2Finvoices/resume", undefined],
      ["POST", "/api/v1/monitors/nightly/pause", undefined],
    ];
    for (const [method, url, body] of writes) {
      const r = await rig.call(method as "PUT", url, body);
      assert.equal(r.statusCode, 409, `${method} ${url}`);
      const e = r.json() as Json;
      assert.equal(e.code, "UPBEAT_MONITOR_READ_ONLY");
      assert.match(String(e.message), /test\.yaml \((groups\[0\]\.)?monitors\[0\]\)/);
    }
    const after = monitorOf(await rig.call("GET", "/api/v1/monitors/billing/invoices"));
    assert.deepEqual([after.updatedAt, after.definition, after.status], [shown.updatedAt, shown.definition, "paused"]);
    assert.notEqual(rig.engine.get("nightly")?.state.status, "paused");
  });

  test("bad bodies are refused with the field's path, and nothing is created", async () => {
    const count = async () => ((await rig.call("GET", "/api/v1/monitors")).json() as { total: number }).total;
    const n = await count();
    const stored = (await rig.store.listMonitors()).length;
    const cases: Array<[unknown, RegExp]> = [
      [{ name: "x", type: "http", url: "ftp://x" }, /^body\.url: "ftp:\/\/x" does not match/],
      [{ name: "x", url: "http://a/", interval: "soon" }, /^body\.interval: expected a duration/],
      [{ name: "x", url: "http://a/", interval: "100ms" }, /^body\.interval: interval must be at least 1s/],
      [{ name: "x", url: "http://a/", retries: 99 }, /^body\.retries: /],
      [{ name: "x", url: "http://a/", expect: { status: ["9xx"] } }, /^body\.expect\.status\[0\]: a status is a code/],
      [{ name: "x", url: "http://a/", expect: { bodyMatches: "(" } }, /^body\.expect\.bodyMatches: invalid regular expression/],
      [{ name: "x", url: "http://a/", colour: "red" }, /^body\.colour: unknown key "colour"/],
      [{ type: "http", url: "http://a/" }, /^body\.name: is required/],
      [{ name: "x", url: "http://a/", group: 5 }, /^body\.group: expected a list of group names/],
      [{ name: "x", url: "http://a/", dependsOn: ["nope"] }, /^body\.dependsOn\[0\]: no monitor "nope"/],
      [{ name: "x", url: "http://a/", alerts: ["pager"] }, /^body\.alerts\[0\]: no channel named "pager"/],
      [{ name: "other", type: "heartbeat", slug: "nightly" }, /^body\.slug: heartbeat slug "nightly" is already used by "nightly"/],
      [[1, 2], /^body: the body must be a JSON object/],
    ];
    for (const [body, message] of cases) {
      const r = await rig.call("POST", "/api/v1/monitors", body);
      assert.equal(r.statusCode, 400, `${JSON.stringify(body)} → ${r.body}`);
      const e = r.json() as { code: string; message: string; problems: Array<{ path: string }> };
      assert.equal(e.code, "UPBEAT_BAD_REQUEST");
      assert.match(e.message, message);
      assert.ok(e.problems.length >= 1);
    }
    const two = (await rig.call("POST", "/api/v1/monitors", { name: "x", type: "http", url: "http://a/", retries: -1, timeout: "never" })).json() as { problems: Array<{ path: string }> };
    assert.deepEqual(two.problems.map((p) => p.path).sort(), ["retries", "timeout"], "every problem at once");
    assert.equal(await count(), n);
    assert.equal((await rig.store.listMonitors()).length, stored);

    await rig.call("POST", "/api/v1/monitors", { id: "keep", name: "keep", url: "http://127.0.0.1:9/", paused: true });
    const before = monitorOf(await rig.call("GET", "/api/v1/monitors/keep"));
    const bad = await rig.call("PUT", "/api/v1/monitors/keep", { name: "keep", url: "http://127.0.0.1:9/", timeout: 0 });
    assert.equal(bad.statusCode, 400);
    assert.match((bad.json() as Json).message as string, /^body\.timeout: timeout must be above 0/);
    const renamed = await rig.call("PUT", "/api/v1/monitors/keep", { id: "other", name: "keep", url: "http://127.0.0.1:9/" });
    assert.match((renamed.json() as Json).message as string, /^body\.id: the id cannot change/);
    const unchanged = monitorOf(await rig.call("GET", "/api/v1/monitors/keep"));
    assert.deepEqual([unchanged.definition, unchanged.updatedAt], [before.definition, before.updatedAt]);
  });

  test("an id that exists is a conflict; unknown ids are 404, with a hint for an unencoded sub-resource", async () => {
    const taken = await rig.call("POST", "/api/v1/monitors", { id: "billing/invoices", name: "x", url: "http://127.0.0.1:9/" });
    assert.equal(taken.statusCode, 409);
    assert.deepEqual([(taken.json() as Json).code, /test\.yaml/.test(String((taken.json() as Json).message))], ["UPBEAT_MONITOR_EXISTS", true]);
    assert.equal((await rig.call("POST", "/api/v1/monitors", { name: "nightly", type: "heartbeat", slug: "other-slug" })).statusCode, 409);
    for (const [method, url] of [["GET", "/api/v1/monitors/nope"], ["PUT", "/api/v1/monitors/nope"], ["PATCH", "/api/v1/monitors/nope"], ["DELETE", "/api/v1/monitors/nope"], ["POST", "/api/v1/monitors/nope/pause"], ["POST", "/api/v1/monitors/nope/resume"]] as const) {
      const r = await rig.call(method, url, method === "PUT" || method === "PATCH" ? { name: "x", url: "http://a/" } : undefined);
      assert.equal(r.statusCode, 404, `${method} ${url}`);
      assert.equal((r.json() as Json).code, "UPBEAT_MONITOR_NOT_FOUND");
    }
    const hint = (await rig.call("GET", "/api/v1/monitors/shop/eu/checkout/results")).json() as Json;
    assert.match(String(hint.message), /encode its id as one segment: shop%2Feu%2Fcheckout\/results/);
  });

  test("a viewer or a read-only key reads but cannot write (403); without credentials, 401; nothing changes", async () => {
    const viewer = rig.as("viewer");
    assert.equal((await viewer.inject({ method: "GET", url: "/api/v1/monitors" })).statusCode, 200);
    await rig.call("POST", "/api/v1/monitors", { id: "v1", name: "v1", url: "http://127.0.0.1:9/", paused: true });
    const writes = [
      { method: "POST", url: "/api/v1/monitors", payload: { id: "v2", name: "v2", url: "http://127.0.0.1:9/" } },
      { method: "PUT", url: "/api/v1/monitors/v1", payload: { name: "v1", url: "http://127.0.0.1:9/other" } },
      { method: "PATCH", url: "/api/v1/monitors/v1", payload: { name: "renamed" } },
      { method: "DELETE", url: "/api/v1/monitors/v1" },
      { method: "POST", url: "/api/v1/monitors/v1/resume" },
      { method: "POST", url: "/api/v1/monitors/bulk", payload: { action: "delete", ids: ["v1"] } },
    ] as const;
    const anonymous = buildApp({ access: { resolve: async () => undefined }, store: rig.store, engine: () => rig.engine, ready: () => true, log: quietLog });
    const readOnlyKey = buildApp({ access: { resolve: async () => ({ kind: "apiKey", userId: "u1", name: "ci", role: "admin", readOnly: true }) }, store: rig.store, engine: () => rig.engine, ready: () => true, log: quietLog });
    try {
      for (const w of writes) {
        const r = await viewer.inject(w);
        assert.equal(r.statusCode, 403, `${w.method} ${w.url}`);
        assert.equal((r.json() as Json).code, "UPBEAT_FORBIDDEN");
        assert.equal((await anonymous.inject(w)).statusCode, 401, `${w.method} ${w.url} anonymous`);
        assert.equal(((await readOnlyKey.inject(w)).json() as Json).code, "UPBEAT_READ_ONLY_KEY", `${w.method} ${w.url} read-only key`);
      }
      assert.equal((await readOnlyKey.inject({ method: "GET", url: "/api/v1/monitors/v1" })).statusCode, 200);
    } finally {
      await anonymous.close();
      await readOnlyKey.close();
    }
    assert.equal(rig.engine.get("v2"), undefined);
    assert.deepEqual([rig.engine.get("v1")?.monitor.name, rig.engine.get("v1")?.state.status], ["v1", "paused"]);
  });
});
