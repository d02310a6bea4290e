/**
 * The configuration export loads back to the same state: files (native and Cupcake), objects made
 * through the API and monitors created at run time, exported as YAML, written to a file and loaded
 * with `loadFiles`, give the same resolved monitors, channels, routes and maintenance windows.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Value } from "@sinclair/typebox/value";
import { type ConfigApp, startConfigApp } from "../../test/helpers/config-app.ts";
import { sqliteStore, type TestStore } from "../../test/helpers/stores.ts";
import { resolveAlerting } from "../alerting/config.ts";
import { SECRET_MASK } from "../alerting/secrets.ts";
import { alarmId, lovebeatMonitor, serviceId } from "../heartbeats/lovebeat/hub.ts";
import { NOTIFIERS } from "../notifiers/registry.ts";
import { formatDuration, SETTING_KEYS } from "./export-monitors.ts";
import { loadFiles } from "./load.ts";
import type { MaintenanceConfig } from "./maintenance.ts";
import type { Monitor, UpbeatConfig } from "./model.ts";
import { hasErrors } from "./problems.ts";
import { CHECK_SCHEMAS } from "./schema/checks.ts";
import { resolveSettings } from "./settings.ts";

const HEADER_SECRET = "Bearer probe-secret-31415926";
const HOOK_SECRET = "hook-secret-27182818";
const URL_PASSWORD = "pw-secret-16180339";

const NATIVE = `
version: 1
defaults: { interval: 30s, labels: { env: prod }, retries: 1 }
database: { retention: { results: 7d, dayRollups: 400d } }
heartbeats: { pingKeys: [ping-key-0123456789], bodyLimit: 5000, createdPeriod: 2h }
channels:
  - { name: file-hook, type: webhook, url: "http://127.0.0.1:9/${HOOK_SECRET}", headers: { Authorization: "${HEADER_SECRET}" }, method: PUT }
  - { name: chat, type: slack, url: "http://127.0.0.1:9/services/T0/B0/${HOOK_SECRET}", channel: "#ops" }
routes:
  channels: [chat]
  groupWait: 10s
  routes:
    - { matchers: ["team=~(web|edge)"], channels: [file-hook], continue: true, routes: [{ matchers: ["severity=critical"], repeatInterval: 1h }] }
maintenance:
  - { name: upgrade, matchers: ["group=shop"], start: "2030-01-01T22:00:00+01:00", end: "2030-01-02T02:00:00+01:00", comment: "v2" }
  - { name: nightly, matchers: ["monitor!=shop/web/home"], cron: "0 3 * * *", duration: 90m, timezone: Europe/Berlin }
digests:
  - { name: daily, channels: [chat], cron: "0 8 * * 1-5", timezone: Europe/Paris, matchers: ["env=prod"], worst: 5 }
groups:
  - name: Shop
    id: shop
    timeout: 5s
    labels: { team: web }
    alerts: [file-hook]
    groups:
      - name: Web
        flapping: { transitions: 4, window: 30m }
        monitors:
          - { name: home, url: "http://shop:${URL_PASSWORD}@127.0.0.1:9/", paused: true, headers: { Authorization: "${HEADER_SECRET}" }, expect: { status: [200, 3xx], bodyContains: ok, json: [{ path: "$.ok", value: true }] } }
          - { id: shop/web/tcp, name: tcp, url: "tcp://127.0.0.1:9", paused: true, send: "PING\\r\\n", expect: PONG, thresholds: { maxMs: 800 } }
    monitors:
      - { name: dns, type: dns, query: shop.example, resolver: "127.0.0.1:9", recordType: MX, paused: true, dependsOn: [shop/web/tcp] }
  - name: Empty group
monitors:
  - { name: cert, type: tls, url: "tls://127.0.0.1:9", paused: true, retryDelay: 1500ms, failureThreshold: 3, description: "the cert" }
  - { name: backup, type: heartbeat, cron: "0 2 * * *", timezone: Europe/Oslo, grace: 2h, maxRun: 1h, flapping: false, labels: { team: ops } }
`;

const CUPCAKE = JSON.stringify({
  "@type": "endpoint-definitions",
  groups: [{ id: "customer ABC", environments: [{ id: "production", "endpoint-groups": [{ id: "internal", enabled: "false", endpoints: [{ id: "site", url: "http://127.0.0.1:9/index.html", expected: "^2\\d\\d$", threshold: { max: 200 }, retry: 2, timeout: 3, appendTraceID: true }, { id: "redis", url: "tcp://127.0.0.1:9" }] }] }] }],
});

/** A monitor as it runs: its check with the schema's defaults (settings fields compared through `settings`), settings in base units. */
function resolved(m: Monitor) {
  const check = Value.Default(CHECK_SCHEMAS[m.kind], JSON.parse(JSON.stringify(m.check))) as Record<string, unknown>;
  for (const k of [...SETTING_KEYS, "id"]) delete check[k];
  const settings = JSON.parse(JSON.stringify(m.settings)) as Record<string, unknown>;
  // Cupcake's TIMEOUT re-cycle has no native setting: an exported Cupcake monitor retries Upbeat's way.
  settings.retryMode = "standard";
  return { id: m.id, name: m.name, kind: m.kind, groupPath: m.groupPath, check, settings };
}

const windowOf = (w: MaintenanceConfig) => ({ name: w.name, matchers: w.matchers.map(({ label, op, value }) => ({ label, op, value })), start: w.start, end: w.end, cron: w.cron, durationMs: w.durationMs, comment: w.comment });
const withoutPlace = <T extends { file: string }>(x: T | undefined) => (x ? { ...x, file: undefined, path: undefined } : undefined);

describe("configuration export", () => {
  let db: TestStore;
  let c: ConfigApp;
  let dir: string;
  let files: UpbeatConfig;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "upbeat-export-"));
    writeFileSync(join(dir, "upbeat.yaml"), NATIVE);
    writeFileSync(join(dir, "cupcake.json"), CUPCAKE);
    const loaded = await loadFiles([join(dir, "upbeat.yaml"), join(dir, "cupcake.json")], { env: {} });
    assert.ok(!hasErrors(loaded.problems), JSON.stringify(loaded.problems));
    files = loaded.config;
    db = await sqliteStore();
    c = await startConfigApp(db.store, files);
    const ping: Monitor = { id: "hb/nightly-job", name: "nightly-job", kind: "heartbeat", check: { type: "heartbeat", name: "nightly-job", period: "1d", grace: "30m" }, groupPath: [], settings: resolveSettings({ labels: { made: "ping" } }), source: { format: "ping" } };
    await c.engine.create(ping);
    await c.engine.create(lovebeatMonitor(serviceId("backup.db"), "backup.db", "services"));
    await c.engine.create(lovebeatMonitor(alarmId("all"), "all", "alarms"));
    const post = async (url: string, payload: Record<string, unknown>) => assert.equal((await c.app.inject({ method: "POST", url, payload })).statusCode, 201);
    await post("/api/v1/channels", { name: "pager", type: "webhook", url: `http://127.0.0.1:9/p/${HOOK_SECRET}`, headers: { "X-Key": HEADER_SECRET } });
    await post("/api/v1/routes", { name: "db", matchers: ["team=db"], channels: ["pager"], groupBy: ["monitor"] });
    await post("/api/v1/maintenance", { name: "db move", matchers: ["team=db"], start: "2031-05-01T10:00:00Z", end: "2031-05-01T12:00:00Z" });
  });
  after(async () => {
    await c.stop();
    await db.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the export with secrets loads back to the same monitors, channels, routes, windows and settings", async () => {
    const res = await c.app.inject({ method: "GET", url: "/api/v1/config/export?secrets=include" });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers["content-type"]), /^application\/yaml/);
    const file = join(dir, "exported.yaml");
    writeFileSync(file, res.body);
    const back = await loadFiles([file], { env: {} });
    assert.deepEqual(back.problems, []);
    const running = c.engine.states().map((s) => c.engine.get(s.monitorId)?.monitor as Monitor).filter((m) => !m.id.startsWith("lovebeat-alarm/"));
    assert.equal(running.length, 9);
    const loaded = new Map(back.config.monitors.map((m) => [m.id, m]));
    assert.deepEqual([...loaded.keys()].sort(), running.map((m) => m.id).sort());
    for (const m of running) assert.deepEqual(resolved(loaded.get(m.id) as Monitor), resolved(m), m.id);
    const eff = c.objects.effective.config;
    const chans = (x: UpbeatConfig) => (x.channels ?? []).map(({ name, type, settings }) => ({ name, type, settings }));
    assert.deepEqual(chans(back.config), chans(eff));
    assert.deepEqual(back.config.routes?.root, eff.routes?.root);
    assert.deepEqual(resolveAlerting(back.config, NOTIFIERS).alerting.routes, c.objects.effective.alerting.routes);
    assert.deepEqual(back.config.maintenance?.map(windowOf), eff.maintenance?.map(windowOf));
    assert.deepEqual(back.config.digests?.map(withoutPlace), eff.digests?.map(withoutPlace));
    assert.deepEqual(withoutPlace(back.config.heartbeats), withoutPlace(eff.heartbeats));
    assert.deepEqual(withoutPlace(back.config.database), withoutPlace(eff.database));
    for (const g of files.groups) assert.deepEqual(back.config.groups.find((x) => x.id === g.id), g, g.id);
    assert.match(res.body, /From Cupcake's .*cupcake\.json: now a native monitor/);
    assert.match(res.body, /Not included: lovebeat-alarm\/all/);
  });

  test("by default every secret is masked, and the header says the file will not load back with working secrets", async () => {
    const res = await c.app.inject({ method: "GET", url: "/api/v1/config/export" });
    assert.equal(res.statusCode, 200);
    for (const s of [HEADER_SECRET, HOOK_SECRET, URL_PASSWORD, "ping-key-0123456789"]) assert.ok(!res.body.includes(s), `${s} in the masked export`);
    assert.ok(res.body.includes(SECRET_MASK));
    assert.match(res.body, /does not load back with working secrets/);
  });

  test("only admins export; a bad secrets value is a 400", async () => {
    const editor = await startConfigApp(db.store, files, "editor");
    try {
      const r = await editor.app.inject({ method: "GET", url: "/api/v1/config/export" });
      assert.deepEqual([r.statusCode, r.json<{ code: string }>().code], [403, "UPBEAT_FORBIDDEN"]);
    } finally {
      await editor.stop();
    }
    const bad = await c.app.inject({ method: "GET", url: "/api/v1/config/export?secrets=yes" });
    assert.deepEqual([bad.statusCode, bad.json<{ code: string }>().code], [400, "UPBEAT_BAD_REQUEST"]);
  });

  test("durations are written exactly", () => {
    assert.deepEqual([0, 500, 1500, 90_000, 3_600_000, 86_400_000 + 1000].map(formatDuration), ["0s", "500ms", "1s500ms", "1m30s", "1h", "1d1s"]);
  });
});
