import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { configOf, quietLog, startEngine } from "../../test/helpers/engine.ts";
import { firstRunAt, stepClock } from "../../test/helpers/cupcake.ts";
import { FakeClock } from "../../test/helpers/fake-clock.ts";
import { startHttpServer } from "../../test/helpers/http-server.ts";
import { sqliteStore } from "../../test/helpers/stores.ts";
import { waitFor } from "../../test/helpers/wait.ts";
import type { DigestConfig, Monitor } from "../config/model.ts";
import { resolveSettings } from "../config/settings.ts";
import { durationWords } from "../core/duration-words.ts";
import type { MonitorState } from "../core/monitor-state.ts";
import { NOTIFIERS } from "../notifiers/registry.ts";
import type { Notification } from "../notifiers/types.ts";
import type { PeriodStats, StoredIncident } from "../store/types.ts";
import { Alerting } from "./alerting.ts";
import { resolveAlerting } from "./config.ts";
import { localTime, percent, renderDigest } from "./daily-digest.ts";
import { Digests } from "./digests.ts";

const AT = Date.UTC(2024, 0, 2, 9, 0, 0);
const H = 3_600_000;

const monitor = (id: string, group: string[], labels: Record<string, string> = {}): Monitor => ({
  id,
  name: id.split("/").at(-1) as string,
  kind: "http",
  check: { type: "http", name: id, url: `http://127.0.0.1:9/${id}` },
  groupPath: group,
  settings: resolveSettings({ labels }),
  source: { format: "native" },
});
const state = (id: string, over: Partial<MonitorState> = {}): MonitorState => ({ monitorId: id, status: "up", since: AT - 48 * H, failures: 0, successes: 1, lastIncidentNumber: 0, ...over });
const stats = (checks: number, failures: number): PeriodStats => ({ checks, failures, degraded: 0, downtimeSec: 0, uptimePct: (100 * (checks - failures)) / checks, latencyAvgMs: 10, latencyMinMs: 1, latencyMaxMs: 20 });
const spec = (over: Partial<DigestConfig> = {}): DigestConfig => ({ name: "daily", channels: ["ops"], cron: "0 9 * * *", timezone: "UTC", matchers: [], worst: 10, file: "u.yaml", path: "digests[0]", ...over });

const checkout = monitor("shop/checkout", ["Shop"], { team: "shop" });
const cart = monitor("shop/cart", ["Shop"], { team: "shop" });
const blog = monitor("blog/home", ["Blog"], { team: "web" });
const paused = monitor("old/thing", ["Old"]);
const open = { number: 4, openedAt: AT - 2 * H - 5 * 60_000, cause: "HTTP 503" };
const facts = {
  at: AT,
  monitors: [
    { monitor: checkout, state: state(checkout.id, { status: "down", since: open.openedAt, incident: open, lastIncidentNumber: 4 }) },
    { monitor: cart, state: state(cart.id) },
    { monitor: blog, state: state(blog.id) },
    { monitor: paused, state: state(paused.id, { status: "paused" }) },
  ],
  incidents: [
    { monitorId: checkout.id, ...open },
    { monitorId: blog.id, number: 2, openedAt: AT - 3 * H, cause: "timeout", resolvedAt: AT - 3 * H + 5 * 60_000, durationSec: 300, resolution: "recovered" },
    { monitorId: cart.id, number: 7, openedAt: AT - 30 * H, cause: "HTTP 500", resolvedAt: AT - 20 * H, durationSec: 36_000, resolution: "recovered" },
    { monitorId: cart.id, number: 6, openedAt: AT - 50 * H, cause: "HTTP 500", resolvedAt: AT - 49 * H, durationSec: 3600, resolution: "recovered" },
    { monitorId: "gone/monitor", number: 1, openedAt: AT - H, cause: "x", resolvedAt: AT - H, durationSec: 0, resolution: "removed" },
  ] satisfies StoredIncident[],
  uptime: new Map([
    [checkout.id, stats(1440, 125)],
    [cart.id, stats(1440, 0)],
    [blog.id, stats(288, 5)],
  ]),
};

describe("native digest", () => {
  test("down now with since, the incidents of the 24 hours with durations, uptime overall and lowest first", () => {
    const n = renderDigest(spec(), facts);
    assert.equal(n.kind, "digest");
    assert.equal(n.severity, "warning");
    assert.equal(n.title, "Digest daily: 1 down, 3 incidents, 95.89 % up in 24 hours");
    assert.equal(
      n.text,
      [
        'Digest "daily": the 24 hours to 2024-01-02 09:00 (UTC)',
        "",
        "Down now: 1",
        "- Shop / checkout since 2024-01-02 06:55 (2 hours, 5 minutes): HTTP 503",
        "",
        "Incidents: 2 opened, 2 resolved",
        "- Shop / cart #7 opened 2024-01-01 03:00, resolved 2024-01-01 13:00 after 10 hours (HTTP 500)",
        "- Blog / home #2 opened 2024-01-02 06:00, resolved 2024-01-02 06:05 after 5 minutes (timeout)",
        "- Shop / checkout #4 opened 2024-01-02 06:55, still open (HTTP 503)",
        "",
        "Uptime: 95.89 % of 3168 checks across 3 monitors",
        "Lowest:",
        "- Shop / checkout 91.31 % (125 of 1440 checks down)",
        "- Blog / home 98.26 % (5 of 288 checks down)",
      ].join("\n"),
    );
    assert.deepEqual(n.monitors, [{ id: checkout.id, name: "checkout", status: "down", group: ["Shop"], labels: { team: "shop" }, cause: "HTTP 503", incident: 4, openedAt: open.openedAt, durationText: "2 hours, 5 minutes" }]);
    assert.equal(n.idempotencyKey, `digest:daily:${AT}`);
    assert.equal(n.dedupKey, "upbeat:digest:daily");
  });

  test("matchers narrow it to some monitors; times follow the time zone; a quiet day says so", () => {
    const web = renderDigest(spec({ name: "web", matchers: ["team=web"], timezone: "Europe/Berlin", worst: 0 }), facts);
    assert.equal(web.severity, "info");
    assert.equal(web.title, "Digest web: 0 down, 1 incident, 98.26 % up in 24 hours");
    assert.deepEqual(web.text.split("\n"), [
      'Digest "web": the 24 hours to 2024-01-02 10:00 (Europe/Berlin)',
      "",
      "Down now: none",
      "",
      "Incidents: 1 opened, 1 resolved",
      "- Blog / home #2 opened 2024-01-02 07:00, resolved 2024-01-02 07:05 after 5 minutes (timeout)",
      "",
      "Uptime: 98.26 % of 288 checks across 1 monitor",
    ]);
    const none = renderDigest(spec({ matchers: ["group=~Nothing.*"] }), facts);
    assert.deepEqual(none.text.split("\n").slice(2), ["Down now: none", "", "Incidents: none", "", "Uptime: no checks"]);
    assert.equal(percent(99.999), "99.99 %");
    assert.equal(localTime(Date.UTC(2024, 6, 1, 23, 30), "America/New_York"), "2024-07-01 19:30");
  });

  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test("a digest configured with a cron goes to its channel at its time through the deliveries table, once per time", async () => {
    const hook = await startHttpServer((_q, res) => res.writeHead(200).end());
    const target = await startHttpServer((_q, res) => res.writeHead(503).end());
    const db = await sqliteStore();
    cleanups.push(hook.close, target.close, db.cleanup);
    const clock = new FakeClock();
    clock.t = Date.UTC(2024, 0, 2, 8, 55, 0);
    const config = configOf(
      `
channels: [{ name: ops, type: webhook, url: "${hook.url}/digest" }]
digests: [{ name: morning, channels: [ops], cron: "0 9 * * *" }]
monitors: [{ name: api, url: "${target.url}/", interval: 60s, alerts: [nowhere] }]
`,
      60_000,
    );
    const resolved = resolveAlerting({ ...config, channels: [...(config.channels ?? []), { name: "nowhere", type: "webhook", settings: { url: `${hook.url}/alerts` }, file: "t", path: "t" }] }, NOTIFIERS);
    assert.deepEqual(resolved.problems, []);
    const ref: { engine?: Awaited<ReturnType<typeof startEngine>>["engine"] } = {};
    const alerting = new Alerting(db.store, resolved.alerting, (id) => ref.engine?.get(id)?.monitor, quietLog, Date.now, { pollMs: 50 });
    const digests = new Digests({ store: db.store, log: quietLog, kick: () => alerting.deliverer.kick(), cupcake: { summaryEnabled: false, summarySleepSeconds: 86400, removeUnknownActives: false }, clock });
    await digests.start(config);
    const { engine } = await startEngine(config, db.store, { clock, effects: alerting.handler });
    ref.engine = engine;
    digests.attach(engine);
    await alerting.start();
    cleanups.push(async () => {
      await digests.stop();
      await engine.stop();
      await alerting.stop();
    });
    await stepClock(clock, engine, 5 * 60_000);
    await engine.writer.durable();
    await digests.settled();
    await waitFor("the digest delivered", () => hook.requests.some((r) => r.url === "/digest"));
    const sent = hook.requests.filter((r) => r.url === "/digest").map((r) => JSON.parse(r.body) as Notification);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]?.kind, "digest");
    assert.equal(sent[0]?.title, "Digest morning: 1 down, 1 incident, 0.00 % up in 24 hours");
    const opened = firstRunAt("api", 60_000, Date.UTC(2024, 0, 2, 8, 55));
    const since = `${localTime(opened, "UTC")} (${durationWords((Date.UTC(2024, 0, 2, 9) - opened) / 1000)})`;
    const cause = "status: expected 2xx, got 503";
    assert.equal(
      sent[0]?.text,
      `Digest "morning": the 24 hours to 2024-01-02 09:00 (UTC)\n\nDown now: 1\n- api since ${since}: ${cause}\n\nIncidents: 1 opened, 0 resolved\n- api #1 opened ${localTime(opened, "UTC")}, still open (${cause})\n\nUptime: 0.00 % of 5 checks across 1 monitor\nLowest:\n- api 0.00 % (5 of 5 checks down)`,
    );
    // The row is marked done once the receiver's answer is back, a moment after the request arrived.
    await waitFor("the delivery marked done", async () => (await db.store.deliveries({ channel: "ops", limit: 10 })).every((r) => r.status === "done"));
    const rows = await db.store.deliveries({ channel: "ops", limit: 10 });
    assert.deepEqual(rows.map((r) => [r.key, r.status]), [[`digest:morning:${Date.UTC(2024, 0, 2, 9)}:ops`, "done"]]);
    // Armed again for the next morning, not for now.
    digests.setConfig(config);
    await clock.advance(60_000);
    await digests.settled();
    assert.equal((await db.store.deliveries({ channel: "ops", limit: 10 })).length, 1);
  });
});
