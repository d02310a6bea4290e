/** Maintenance windows over the API: a real SQLite store and engine; windows from files and from the API. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ConfigApp, startConfigApp } from "../../test/helpers/config-app.ts";
import { configOf } from "../../test/helpers/engine.ts";
import { sqliteStore, type TestStore } from "../../test/helpers/stores.ts";
import { listApiObjects } from "../config/api-objects.ts";

type WindowItem = { name: string; matchers: string[]; open: unknown; monitors: number; source: string; readOnly: boolean; active: boolean; cron?: string; timezone?: string; duration?: string; start?: string; end?: string; comment?: string; spec?: unknown; author?: string };

describe("maintenance API", () => {
  let db: TestStore;
  let c: ConfigApp;
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  const file = () =>
    configOf(`
maintenance:
  - { name: upgrade, matchers: ["group=shop"], start: "${iso(now - 60_000)}", end: "${iso(now + 3_600_000)}", comment: "v2" }
  - { name: nightly, matchers: ["monitor=other"], cron: "0 3 * * *", duration: 30m, timezone: Europe/Berlin }
groups:
  - name: shop
    monitors:
      - { name: a, type: heartbeat, period: 1h }
      - { name: b, type: heartbeat, period: 1h }
monitors:
  - { id: other, name: other, type: heartbeat, period: 1h }
  - { id: db-1, name: db-1, type: heartbeat, period: 1h, labels: { team: db } }
`);
  const call = (method: "GET" | "POST" | "PUT" | "DELETE", url: string, payload?: unknown) => c.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  const windows = async () => (await call("GET", "/api/v1/maintenance")).json<{ windows: WindowItem[] }>().windows;

  before(async () => {
    db = await sqliteStore();
    c = await startConfigApp(db.store, file());
  });
  after(async () => {
    await c.stop();
    await db.cleanup();
  });

  test("file windows: which are open, how many monitors each covers, read-only", async () => {
    const [upgrade, nightly] = await windows();
    assert.deepEqual([upgrade?.name, upgrade?.monitors, upgrade?.comment, upgrade?.source, upgrade?.readOnly], ["upgrade", 2, "v2", "test.yaml", true]);
    assert.ok(upgrade?.open, "the one-off window is open now");
    assert.deepEqual([nightly?.name, nightly?.cron, nightly?.timezone, nightly?.duration, nightly?.monitors], ["nightly", "0 3 * * *", "Europe/Berlin", "1800s", 1]);
    assert.equal(c.engine.get("shop/a")?.state.status, "maintenance");
    for (const [method, url] of [["POST", "/api/v1/maintenance"], ["PUT", "/api/v1/maintenance/upgrade"], ["DELETE", "/api/v1/maintenance/upgrade"]] as const) {
      const r = await call(method, url, method === "DELETE" ? undefined : { name: "upgrade", matchers: ["team=db"], cron: "0 1 * * *", duration: "1h" });
      assert.deepEqual([r.statusCode, r.json<{ code: string }>().code], [409, "UPBEAT_DEFINED_IN_FILE"], `${method} ${url}`);
    }
  });

  test("a window made through the API puts matching monitors in maintenance at once, and takes them out when deleted", async () => {
    assert.equal(c.engine.get("db-1")?.state.status, "pending");
    const made = await call("POST", "/api/v1/maintenance", { name: "db failover", matchers: ["team=db"], start: iso(now - 1000), end: iso(now + 7_200_000), comment: "moving the primary" });
    assert.equal(made.statusCode, 201, made.body);
    const w = made.json<{ window: WindowItem }>().window;
    assert.deepEqual([w.name, w.monitors, w.source, w.readOnly, w.active, w.author, w.comment], ["db failover", 1, "api", false, true, "admin-user", "moving the primary"]);
    assert.deepEqual(w.spec, { name: "db failover", matchers: ["team=db"], start: iso(now - 1000), end: iso(now + 7_200_000), comment: "moving the primary" });
    assert.ok(w.open);
    assert.equal(c.engine.get("db-1")?.state.status, "maintenance");
    assert.deepEqual((await windows()).map((x) => [x.name, x.source]), [["upgrade", "test.yaml"], ["nightly", "test.yaml"], ["db failover", "api"]]);
    const one = await call("GET", `/api/v1/maintenance/${encodeURIComponent("db failover")}`);
    assert.deepEqual(one.json<{ window: WindowItem }>().window.name, "db failover");
    // Moved to the future (daily, at the hour twelve hours from now in Stockholm, so that it is
    // not open whatever the time of the run): the monitor comes out of maintenance now.
    const hourThere = Number(new Intl.DateTimeFormat("en", { timeZone: "Europe/Stockholm", hour: "numeric", hourCycle: "h23" }).format(now));
    const cron = `0 ${String((hourThere + 12) % 24)} * * *`;
    const moved = await call("PUT", `/api/v1/maintenance/${encodeURIComponent("db failover")}`, { matchers: ["team=db"], cron, duration: "1h", timezone: "Europe/Stockholm" });
    assert.equal(moved.statusCode, 200, moved.body);
    assert.deepEqual([moved.json<{ window: WindowItem }>().window.cron, moved.json<{ window: WindowItem }>().window.timezone], [cron, "Europe/Stockholm"]);
    assert.notEqual(c.engine.get("db-1")?.state.status, "maintenance");
    assert.equal((await call("PUT", "/api/v1/maintenance/now", { matchers: ["monitor=db-1"], start: iso(now - 1000), end: iso(now + 60_000) })).statusCode, 201);
    assert.equal(c.engine.get("db-1")?.state.status, "maintenance");
    assert.equal((await call("DELETE", "/api/v1/maintenance/now")).statusCode, 204);
    assert.notEqual(c.engine.get("db-1")?.state.status, "maintenance");
    assert.equal((await call("DELETE", "/api/v1/maintenance/now")).statusCode, 404);
    assert.equal((await call("GET", "/api/v1/maintenance/now")).statusCode, 404);
  });

  test("bad windows are refused naming the field; nothing is stored or applied", async () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{ name: "w1", matchers: ["team=db"], cron: "61 * * * *", duration: "1h" }, "UPBEAT_CONFIG_INVALID", /^body\.cron: /],
      [{ name: "w2", matchers: ["team=db"], start: "tomorrow", end: iso(now + 1000) }, "UPBEAT_CONFIG_INVALID", /^body\.start: start "tomorrow" is not an ISO 8601 time/],
      [{ name: "w3", matchers: ["team=db"], start: iso(now), end: iso(now - 1000) }, "UPBEAT_CONFIG_INVALID", /^body\.end: end must be after start/],
      [{ name: "w4", matchers: ["team=db"], start: iso(now), end: iso(now + 1000), cron: "0 1 * * *", duration: "1h" }, "UPBEAT_CONFIG_INVALID", /^body: a maintenance window is either one-off/],
      [{ name: "w5", matchers: [], start: iso(now), end: iso(now + 1000) }, "UPBEAT_BAD_REQUEST", /^body\.matchers: /],
      [{ name: "w6", start: iso(now), end: iso(now + 1000) }, "UPBEAT_BAD_REQUEST", /^body\.matchers: is required/],
      [{ name: "w7", matchers: ["team"], start: iso(now), end: iso(now + 1000) }, "UPBEAT_CONFIG_INVALID", /^body\.matchers\[0\]: matcher "team" is not label=value/],
      [{ name: "w8", matchers: ["team=db"], cron: "0 1 * * *", duration: "1h", timezone: "Mars/Olympus" }, "UPBEAT_CONFIG_INVALID", /^body\.timezone: /],
      [{ name: "w9", matchers: ["team=db"], cron: "0 1 * * *", duration: "1h", when: "now" }, "UPBEAT_BAD_REQUEST", /^body\.when: unknown key/],
    ];
    for (const [payload, code, message] of cases) {
      const r = await call("POST", "/api/v1/maintenance", payload);
      assert.equal(r.statusCode, 400, `${JSON.stringify(payload)} → ${r.body}`);
      assert.deepEqual([r.json<{ code: string }>().code, r.json<{ message: string }>().message.match(message) !== null], [code, true], r.body);
    }
    assert.deepEqual((await listApiObjects(db.store.db, "maintenance")).map((o) => o.name), ["db failover"]);
    assert.deepEqual((await windows()).map((x) => x.name), ["upgrade", "nightly", "db failover"]);
  });

  test("viewers cannot write windows", async () => {
    const viewer = await startConfigApp(db.store, file(), "viewer");
    try {
      assert.equal((await viewer.app.inject({ method: "GET", url: "/api/v1/maintenance" })).statusCode, 200);
      for (const [method, url] of [["POST", "/api/v1/maintenance"], ["PUT", "/api/v1/maintenance/x"], ["DELETE", "/api/v1/maintenance/db%20failover"]] as const) {
        const r = await viewer.app.inject({ method, url, payload: { name: "x", matchers: ["team=db"], cron: "0 1 * * *", duration: "1h" } });
        assert.equal(r.statusCode, 403, `${method} ${url}`);
      }
      assert.deepEqual((await listApiObjects(db.store.db, "maintenance")).map((o) => o.name), ["db failover"]);
    } finally {
      await viewer.stop();
    }
  });
});
