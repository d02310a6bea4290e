/** The dashboard's data routes over real stores (SQLite and PostgreSQL) with seeded states and rollups. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { quietLog } from "../../test/helpers/engine.ts";
import { postgresStore, postgresUnavailable, REQUIRE_SERVICES, sqliteStore, type TestStore } from "../../test/helpers/stores.ts";
import type { MonitorState, MonitorStatus } from "../core/monitor-state.ts";
import { BUCKET_MS, bucketStart } from "../store/rollups.ts";
import { emptyBatch, type MonitorRecord, type RollupRecord } from "../store/types.ts";
import { type Access, openAccess } from "./access.ts";
import { buildApp } from "./app.ts";
import { dashboardPlugin } from "./dashboard-routes.ts";
import { LiveEvents } from "./live-events.ts";

const NOW = Date.UTC(2026, 5, 10, 14, 20, 0);
const HOUR = BUCKET_MS.hour;
const DAY = BUCKET_MS.day;

interface Seed {
  id: string;
  group: string[];
  status: MonitorStatus;
  since: number;
  kind?: string;
  labels?: Record<string, string>;
  latencyMs?: number;
  reason?: string;
  source?: string;
}

const SEEDS: Seed[] = [
  { id: "shop/api", group: ["shop"], status: "up", since: NOW - 5 * DAY, labels: { env: "prod", team: "web" }, latencyMs: 120 },
  { id: "shop/db", group: ["shop"], status: "down", since: NOW - 2 * HOUR, kind: "tcp", labels: { env: "prod", team: "db" }, reason: "connect ECONNREFUSED" },
  { id: "shop/eu/cdn", group: ["shop", "eu"], status: "degraded", since: NOW - HOUR, labels: { env: "prod" }, latencyMs: 900, reason: "latency 900ms > 500ms" },
  { id: "shop/eu/web", group: ["shop", "eu"], status: "down", since: NOW - 10 * 60_000, labels: { env: "staging" }, reason: "status 503" },
  { id: "blog", group: [], status: "up", since: NOW - DAY, latencyMs: 80, source: "api" },
  { id: "nightly", group: ["jobs"], status: "paused", since: NOW - DAY, kind: "heartbeat" },
  { id: "fresh", group: ["jobs"], status: "pending", since: NOW - 1000, kind: "heartbeat" },
];

const record = (s: Seed): MonitorRecord => ({ id: s.id, name: s.id.split("/").pop() as string, kind: s.kind ?? "http", groupPath: s.group, source: s.source ?? "native", definition: { check: {}, settings: { labels: s.labels ?? {} } } });

function rollup(seq: number, bucket: number, checks: number, failures: number, degraded = 0): RollupRecord {
  return { seq, bucket, checks, failures, degraded, downMs: 0, latCount: checks - failures, latSum: (checks - failures) * 100, sketch: "" };
}

/** Seeds monitors, states and rollups: shop/api has 24 full hours, one with failures, and 30 days of day rows. */
async function seed(t: TestStore): Promise<Map<string, number>> {
  const seqs = await t.store.syncMonitors(SEEDS.map(record), NOW - 10 * DAY);
  const b = emptyBatch();
  for (const s of SEEDS) {
    const seq = seqs.get(s.id) as number;
    const state: MonitorState = { monitorId: s.id, status: s.status, since: s.since, failures: 0, successes: 0, lastIncidentNumber: 0 };
    const health = s.status === "down" ? "down" : s.status === "degraded" ? "degraded" : "up";
    const last = s.status === "pending" ? undefined : { monitorId: s.id, at: NOW - 30_000, health, durationMs: s.latencyMs ?? (health === "down" ? 10_000 : 50), region: "local", ...(s.reason ? { reason: s.reason } : {}) } as const;
    b.states.push({ seq, state, ...(last ? { lastResult: last } : {}) });
  }
  const api = seqs.get("shop/api") as number;
  const hour0 = bucketStart("hour", NOW) - 23 * HOUR;
  for (let i = 0; i < 24; i++) b.rollups.push({ size: "hour", row: rollup(api, hour0 + i * HOUR, 60, i === 20 ? 6 : 0), merge: false });
  // An hour older than the bar, which must not count.
  b.rollups.push({ size: "hour", row: rollup(api, hour0 - HOUR, 60, 60), merge: false });
  const day0 = bucketStart("day", NOW) - 29 * DAY;
  for (let i = 0; i < 30; i++) b.rollups.push({ size: "day", row: rollup(api, day0 + i * DAY, 1000, i === 0 ? 100 : 0), merge: false });
  b.rollups.push({ size: "day", row: rollup(api, day0 - DAY, 1000, 1000), merge: false });
  const web = seqs.get("shop/eu/web") as number;
  b.rollups.push({ size: "hour", row: rollup(web, hour0 + 23 * HOUR, 10, 10), merge: false });
  b.rollups.push({ size: "hour", row: rollup(web, hour0 + 22 * HOUR, 10, 1, 2), merge: false });
  b.rollups.push({ size: "hour", row: rollup(web, hour0 + 21 * HOUR, 10, 0, 2), merge: false });
  b.results.push({ seq: api, at: NOW - 60_000, health: "up", durationMs: 10, statusCode: 200, region: "local", detail: { timings: { dnsMs: 1, connectMs: 2, ttfbMs: 3, transferMs: 4, totalMs: 10 } } });
  b.results.push({ seq: api, at: NOW - 90_000, health: "up", durationMs: 20, statusCode: 200, region: "local", detail: { timings: { dnsMs: 3, connectMs: 2, ttfbMs: 11, transferMs: 4, totalMs: 20 } } });
  b.results.push({ seq: web, at: NOW - 30_000, health: "down", durationMs: 12, statusCode: 503, phase: "assert", failure: "assertion", reason: "status 503", region: "local", detail: { attempts: [{ attempt: 1, health: "down", timings: { totalMs: 12 }, statusCode: 503 }], assertions: [{ name: "status", ok: false, severity: "down", expected: "2xx", actual: "503" }], facts: { statusCode: 503, bodyExcerpt: "upstream down" } } });
  await t.store.commit(b);
  return seqs;
}

async function appOn(t: TestStore, access: Access = openAccess("viewer")): Promise<FastifyInstance> {
  const app = buildApp({ access, store: t.store, engine: () => undefined, ready: () => true, log: quietLog, now: () => NOW });
  await app.register((s) => dashboardPlugin(s, { store: t.store, engine: () => undefined, events: new LiveEvents(), now: () => NOW }));
  await app.ready();
  return app;
}

interface RowJson { id: string; state: string; bar: string; uptime24h: number | null; uptime30d: number | null; latencyMs: number | null; reason?: string; group: string[]; readOnly: boolean }

function suite(name: string, make: () => Promise<TestStore>, skip: () => Promise<string | undefined>) {
  describe(`dashboard data: ${name}`, () => {
    let t: TestStore | undefined;
    let app: FastifyInstance;
    let skipReason: string | undefined;
    before(async () => {
      skipReason = await skip();
      if (skipReason && REQUIRE_SERVICES) throw new Error(`${skipReason} (UPBEAT_REQUIRE_SERVICES=1)`);
      if (skipReason) return;
      t = await make();
      await seed(t);
      app = await appOn(t);
    });
    after(async () => {
      await app?.close();
      await t?.cleanup();
    });
    const it = (title: string, fn: () => Promise<void>): void => {
      test(title, async (tc) => {
        if (skipReason) return tc.skip(skipReason);
        await fn();
      });
    };
    const get = async (url: string) => {
      const r = await app.inject({ method: "GET", url });
      return { status: r.statusCode, body: r.json() as Record<string, unknown> };
    };
    const rowsOf = async (qs: string) => {
      const r = await get(`/api/v1/dashboard/rows?${qs}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return { total: r.body.total as number, ids: (r.body.rows as RowJson[]).map((x) => x.id) };
    };

    it("the first screen in one response: counts, group tree, kinds and the first page problems first", async () => {
      const { status, body } = await get("/api/v1/dashboard");
      assert.equal(status, 200);
      assert.equal(body.total, 7);
      assert.deepEqual(body.counts, { down: 2, degraded: 1, pending: 1, up: 2, maintenance: 0, paused: 1 });
      assert.deepEqual(body.kinds, ["heartbeat", "http", "tcp"]);
      assert.deepEqual(
        (body.groups as Array<{ path: string; depth: number; total: number; problems: number; counts: Record<string, number> }>).map((g) => [g.path, g.depth, g.total, g.problems, g.counts]),
        [
          ["jobs", 0, 2, 0, { paused: 1, pending: 1 }],
          ["shop", 0, 4, 3, { up: 1, down: 2, degraded: 1 }],
          ["shop/eu", 1, 2, 2, { degraded: 1, down: 1 }],
        ],
      );
      const page = body.page as { total: number; rows: RowJson[]; bar: { fromMs: number; bucketMs: number; segments: number } };
      // Down first, the longest-standing first; then degraded, pending, up (by name), paused last.
      assert.deepEqual(page.rows.map((r) => r.id), ["shop/db", "shop/eu/web", "shop/eu/cdn", "fresh", "shop/api", "blog", "nightly"]);
      assert.deepEqual(page.bar, { fromMs: bucketStart("hour", NOW) - 23 * HOUR, bucketMs: HOUR, segments: 24 });
    });

    it("rows carry the 24 h bar and uptime from the rollups, the last latency and why they fail", async () => {
      const rows = ((await get("/api/v1/dashboard/rows?limit=500")).body.rows as RowJson[]);
      const byId = new Map(rows.map((r) => [r.id, r]));
      const api = byId.get("shop/api") as RowJson;
      assert.equal(api.bar, `${"u".repeat(20)}f${"u".repeat(3)}`);
      assert.equal(api.uptime24h, Math.round((100_000 * (24 * 60 - 6)) / (24 * 60)) / 1000);
      assert.equal(api.uptime30d, 99.667);
      assert.equal(api.latencyMs, 120);
      assert.equal(api.reason, undefined);
      const web = byId.get("shop/eu/web") as RowJson;
      assert.equal(web.bar, `${"-".repeat(21)}gfd`);
      assert.equal(web.uptime24h, Math.round((100_000 * 19) / 30) / 1000);
      assert.equal(web.uptime30d, null, "no day rows: no 30-day figure");
      assert.equal(web.latencyMs, null, "a failure has no latency");
      assert.equal(web.reason, "status 503");
      assert.equal(byId.get("shop/eu/cdn")?.reason, "latency 900ms > 500ms");
      assert.equal(byId.get("fresh")?.bar, "-".repeat(24));
      assert.equal(byId.get("fresh")?.uptime24h, null);
      assert.equal(byId.get("blog")?.readOnly, false);
      assert.equal(byId.get("shop/api")?.readOnly, true);
      assert.deepEqual(byId.get("shop/eu/web")?.group, ["shop", "eu"]);
    });

    it("pages: offset and limit over the sorted, filtered rows", async () => {
      assert.deepEqual(await rowsOf("limit=2"), { total: 7, ids: ["shop/db", "shop/eu/web"] });
      assert.deepEqual(await rowsOf("limit=2&offset=2"), { total: 7, ids: ["shop/eu/cdn", "fresh"] });
      assert.deepEqual(await rowsOf("limit=5&offset=6"), { total: 7, ids: ["nightly"] });
      assert.deepEqual(await rowsOf("offset=50"), { total: 7, ids: [] });
      assert.deepEqual((await rowsOf("sort=name")).ids, ["shop/api", "blog", "shop/eu/cdn", "shop/db", "fresh", "nightly", "shop/eu/web"]);
      assert.deepEqual((await rowsOf("sort=latency&limit=2")).ids, ["shop/eu/cdn", "shop/api"]);
    });

    it("filters: words, state, group, label matchers and kind, combined", async () => {
      assert.deepEqual(await rowsOf("q=EU"), { total: 2, ids: ["shop/eu/web", "shop/eu/cdn"] });
      assert.deepEqual(await rowsOf("q=shop%20web"), { total: 1, ids: ["shop/eu/web"] });
      assert.deepEqual(await rowsOf("state=down,degraded"), { total: 3, ids: ["shop/db", "shop/eu/web", "shop/eu/cdn"] });
      assert.deepEqual(await rowsOf("group=shop/eu"), { total: 2, ids: ["shop/eu/web", "shop/eu/cdn"] });
      assert.deepEqual(await rowsOf("group=shop&state=up"), { total: 1, ids: ["shop/api"] });
      assert.deepEqual(await rowsOf("label=env%3Dprod"), { total: 3, ids: ["shop/db", "shop/eu/cdn", "shop/api"] });
      assert.deepEqual(await rowsOf("label=team%3D~web%7Cdb"), { total: 2, ids: ["shop/db", "shop/api"] });
      assert.deepEqual(await rowsOf("label=kind%3Dheartbeat"), { total: 2, ids: ["fresh", "nightly"] });
      assert.deepEqual(await rowsOf("kind=tcp"), { total: 1, ids: ["shop/db"] });
      assert.deepEqual(await rowsOf("q=nothing-like-this"), { total: 0, ids: [] });
      const d = await get("/api/v1/dashboard?state=down");
      assert.equal((d.body.page as { total: number }).total, 2);
      assert.equal(d.body.total, 7, "the counts and tree stay those of every monitor");
    });

    it("bad query strings are refused with the field named", async () => {
      const cases: Array<[string, RegExp]> = [
        ["state=broken", /state/],
        ["state=down,", /state/],
        ["limit=0", /limit/],
        ["limit=501", /limit/],
        ["offset=-1", /offset/],
        ["sort=random", /sort/],
        ["label=%3Dx", /^querystring\/label: matcher "=x"/],
        ["label=a%3D~(x", /^querystring\/label: matcher "a=~\(x": invalid regular expression/],
        ["kind=HTTP", /kind/],
        ["extra=1", /additional|extra/],
      ];
      for (const [qs, message] of cases) {
        const r = await get(`/api/v1/dashboard/rows?${qs}`);
        assert.equal(r.status, 400, qs);
        assert.equal(r.body.code, "UPBEAT_BAD_REQUEST", qs);
        assert.equal(r.body.statusCode, 400);
        assert.match(r.body.message as string, message, qs);
      }
      assert.equal((await get("/api/v1/dashboard?state=nope")).status, 400);
    });

    it("a monitor's page: uptime for every period, the daily bar, latency by phase and the failures in full", async () => {
      const r = await get(`/api/v1/dashboard/monitor?id=${encodeURIComponent("shop/api")}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const b = r.body as { monitor: RowJson & { labels: Record<string, string> }; uptime: Record<string, { checks: number; uptimePct: number | null }>; daily: { bar: string; uptime: Array<number | null> }; latency: { t: number[]; total: unknown[] } };
      assert.equal(b.monitor.id, "shop/api");
      assert.equal(b.monitor.labels.env, "prod");
      assert.deepEqual(Object.keys(b.uptime), ["24h", "7d", "30d", "90d", "365d"]);
      assert.equal(b.uptime["24h"]?.checks, 24 * 60);
      assert.equal(b.daily.bar, `${"-".repeat(59)}df${"u".repeat(29)}`);
      assert.equal(b.daily.uptime.length, 90);
      assert.equal(b.latency.t.length, 288);
      const lat = b.latency as unknown as { phases: Record<string, Array<number | null>>; total: Array<number | null>; failures: number[]; stepMs: number };
      // Both results (14:18:30 and 14:19:00) fall in the step 14:15–14:20: means per phase; no TLS, so none.
      const at = lat.total.length - 2;
      assert.deepEqual([lat.phases.dns?.[at], lat.phases.connect?.[at], lat.phases.tls?.[at], lat.phases.ttfb?.[at], lat.phases.transfer?.[at], lat.total[at]], [2, 2, null, 7, 4, 15]);
      assert.equal(lat.total[at + 1], null, "nothing yet in the step now running");
      assert.equal(lat.stepMs, 300_000);
      const web = (await get(`/api/v1/dashboard/monitor?id=${encodeURIComponent("shop/eu/web")}&range=1h`)).body as { latency: { failures: number[]; t: number[] }; failures: Array<{ statusCode: number; reason: string; detail: { assertions: Array<{ actual: string }>; facts: { bodyExcerpt: string } } }> };
      assert.equal(web.latency.t.length, 60);
      assert.equal(web.latency.failures.reduce((a, v) => a + v, 0), 1);
      assert.equal(web.failures[0]?.statusCode, 503);
      assert.equal(web.failures[0]?.reason, "status 503");
      assert.equal(web.failures[0]?.detail.facts.bodyExcerpt, "upstream down");
      assert.equal(web.failures[0]?.detail.assertions[0]?.actual, "503");
      assert.equal((await get("/api/v1/dashboard/monitor?id=nope")).status, 404);
      assert.equal((await get("/api/v1/dashboard/monitor?id=shop%2Fapi&range=2d")).status, 400);
    });
  });
}

suite("SQLite", sqliteStore, async () => undefined);
suite("PostgreSQL", postgresStore, postgresUnavailable);

describe("dashboard access", () => {
  test("every dashboard route needs a principal; no credentials: 401", async () => {
    const t = await sqliteStore();
    const nobody: Access = { resolve: async () => undefined };
    const app = await appOn(t, nobody);
    try {
      for (const url of ["/api/v1/dashboard", "/api/v1/dashboard/rows", "/api/v1/dashboard/monitor?id=x", "/api/v1/events"]) {
        const r = await app.inject({ method: "GET", url });
        assert.equal(r.statusCode, 401, url);
        assert.equal((r.json() as { code: string }).code, "UPBEAT_UNAUTHENTICATED");
      }
    } finally {
      await app.close();
      await t.cleanup();
    }
  });
});
