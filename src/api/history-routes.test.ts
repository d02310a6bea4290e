/** Results by time with a cursor, stats and series from rollups, check-ins: over a real SQLite store. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiRig, type Json, startApi } from "../../test/helpers/api-app.ts";
import { BUCKET_MS, bucketStart } from "../store/rollups.ts";
import { sketchAdd, sketchEncode } from "../store/sketch.ts";
import { emptyBatch, type ResultRecord, type RollupRecord } from "../store/types.ts";

type Result = { id: number; at: number; health: string; statusCode?: number; timings?: Json; attempts?: Json[]; assertions?: Json[]; bodyExcerpt?: string };
type Page = { monitorId: string; results: Result[]; nextCursor: string | null };

// Yesterday at midnight: recent enough that the engine's pruning (14 days) never takes these rows mid-test.
const T0 = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000;

function rollup(seq: number, bucket: number, latencies: number[], failures: number): RollupRecord {
  const sketch = new Map<number, number>();
  for (const l of latencies) sketchAdd(sketch, l);
  return { seq, bucket, checks: latencies.length + failures, failures, degraded: 0, downMs: failures * 60_000, latCount: latencies.length, latSum: latencies.reduce((a, b) => a + b, 0), latMin: Math.min(...latencies), latMax: Math.max(...latencies), sketch: sketchEncode(sketch) };
}

describe("history routes", () => {
  let rig: ApiRig;
  let seq: number;
  const get = async <T>(url: string) => {
    const r = await rig.call("GET", url);
    assert.equal(r.statusCode, 200, `${url}: ${r.body}`);
    return r.json() as T;
  };

  before(async () => {
    rig = await startApi(`monitors:\n  - { id: shop/web, name: web, url: "http://127.0.0.1:9/", paused: true }\n  - { id: hb, name: hb, type: heartbeat, period: 1h }\n`);
    seq = (await rig.store.getMonitor("shop/web"))?.seq as number;
    const results: ResultRecord[] = [];
    for (let i = 0; i < 250; i++) {
      const down = i % 10 === 0;
      const detail = down
        ? { attempts: [{ attempt: 1, health: "down", timings: { totalMs: 5, connectMs: 2 }, statusCode: 503, reason: "HTTP 503" }], assertions: [{ name: "status", ok: false, severity: "down", expected: "2xx", actual: "503" }], facts: { statusCode: 503, bodyExcerpt: "broken" } }
        : { timings: { totalMs: 10 + i, dnsMs: 1 } };
      results.push({ seq, at: T0 + i * 1000, health: down ? "down" : "up", durationMs: down ? 5 : 10 + i, region: "local", detail, ...(down ? { statusCode: 503, reason: "HTTP 503", phase: "assert" } : { statusCode: 200 }) });
    }
    // Two results in the same millisecond: paging must neither skip nor repeat one.
    results.push({ seq, at: T0 + 120_000, health: "up", durationMs: 1, region: "eu", detail: { timings: { totalMs: 1 } } });
    await rig.store.commit({ ...emptyBatch(), results });
  });
  after(() => rig.close());

  test("results page by cursor, newest first, without skipping or repeating a row", async () => {
    const seen: Result[] = [];
    let url = "/api/v1/monitors/shop%2Fweb/results?limit=100";
    for (let i = 0; i < 10; i++) {
      const page = await get<Page>(url);
      seen.push(...page.results);
      if (!page.nextCursor) break;
      url = `/api/v1/monitors/shop%2Fweb/results?limit=100&cursor=${page.nextCursor}`;
    }
    assert.equal(seen.length, 251);
    assert.equal(new Set(seen.map((r) => r.id)).size, 251);
    assert.ok(seen.every((r, i) => i === 0 || (seen[i - 1] as Result).at >= r.at));
    const asc = await get<Page>("/api/v1/results?monitor=shop/web&order=asc&limit=3");
    assert.deepEqual(asc.results.map((r) => r.at), [T0, T0 + 1000, T0 + 2000]);
  });

  test("a time range, ISO or epoch ms; failures only, with attempts, assertions and the body excerpt", async () => {
    const range = await get<Page>(`/api/v1/monitors/shop%2Fweb/results?from=${new Date(T0 + 50_000).toISOString()}&to=${T0 + 60_000}`);
    assert.deepEqual(range.results.map((r) => (r.at - T0) / 1000), [59, 58, 57, 56, 55, 54, 53, 52, 51, 50]);
    assert.deepEqual(range.results.at(-1)?.timings, { totalMs: 5, connectMs: 2 }, "a failure's timings are its last attempt's");
    assert.deepEqual(range.results[0]?.timings, { totalMs: 69, dnsMs: 1 });
    const down = await get<Page>("/api/v1/monitors/shop%2Fweb/results?health=down&limit=1000");
    assert.equal(down.results.length, 25);
    const f = down.results[0] as Result;
    assert.deepEqual([f.statusCode, f.bodyExcerpt, f.assertions?.[0]?.actual, f.attempts?.[0]?.reason], [503, "broken", "503", "HTTP 503"]);
    const both = await get<Page>("/api/v1/monitors/shop%2Fweb/results?health=down&health=up&limit=1000");
    assert.equal(both.results.length, 251);
  });

  test("bad arguments are 400 naming the argument; an unknown monitor is 404", async () => {
    for (const [q, message] of [["cursor=bm9wZQ", /cursor/], ["from=yesterday", /from/], ["to=soon", /to/], ["limit=5000", /limit/], ["health=sideways", /health/], ["color=red", /color|additional/]] as const) {
      const r = await rig.call("GET", `/api/v1/monitors/shop%2Fweb/results?${q}`);
      assert.equal(r.statusCode, 400, q);
      assert.match((r.json() as { message: string }).message, message);
    }
    for (const url of ["/api/v1/monitors/nope/results", "/api/v1/results?monitor=nope", "/api/v1/monitors/nope/stats", "/api/v1/monitors/nope/pings"]) {
      const r = await rig.call("GET", url);
      assert.equal(r.statusCode, 404, url);
      assert.equal((r.json() as Json).code, "UPBEAT_MONITOR_NOT_FOUND");
    }
    assert.equal((await rig.call("GET", "/api/v1/results")).statusCode, 400, "the monitor is required");
  });

  test("stats of a period from the rollups, with percentiles and a series; the listing's uptime agrees", async () => {
    const now = Date.now();
    const hour = bucketStart("hour", now);
    const minute = bucketStart("minute", now);
    const day = bucketStart("day", now);
    const fast = Array.from({ length: 95 }, () => 100);
    const slow = Array.from({ length: 5 }, () => 1000);
    const rollups = [
      { size: "hour" as const, row: rollup(seq, hour, [...fast, ...slow], 0), merge: false },
      { size: "hour" as const, row: rollup(seq, hour - 2 * BUCKET_MS.hour, fast.slice(0, 50), 50), merge: false },
      { size: "hour" as const, row: rollup(seq, hour - 30 * BUCKET_MS.hour, fast, 0), merge: false },
      { size: "minute" as const, row: rollup(seq, minute, [100, 200], 0), merge: false },
      { size: "minute" as const, row: rollup(seq, minute - 5 * 60_000, [300], 1), merge: false },
      { size: "day" as const, row: rollup(seq, day - 10 * BUCKET_MS.day, fast, 100), merge: false },
    ];
    await rig.store.commit({ ...emptyBatch(), rollups });
    type Stats = { checks: number; failures: number; downtimeSec: number; uptimePct: number; latencyAvgMs: number; latencyMaxMs: number; latencyP50Ms: number; latencyP95Ms: number; latencyP99Ms: number; series: { bucket: string; points: Array<{ at: number; checks: number; uptimePct: number }> } };
    const s24 = await get<Stats>("/api/v1/monitors/shop%2Fweb/stats?period=24h");
    assert.deepEqual([s24.checks, s24.failures, s24.downtimeSec], [200, 50, 3000]);
    assert.equal(s24.uptimePct, 75);
    assert.equal(s24.latencyMaxMs, 1000);
    assert.ok(Math.abs(s24.latencyAvgMs - (95 * 100 + 5 * 1000 + 50 * 100) / 150) < 0.01);
    assert.ok(Math.abs(s24.latencyP50Ms - 100) <= 5 && Math.abs(s24.latencyP99Ms - 1000) <= 50, JSON.stringify(s24));
    assert.equal(s24.series.bucket, "minute");
    assert.deepEqual(s24.series.points.map((p) => [p.at, p.checks]), [[minute - 300_000, 2], [minute, 2]]);
    const listed = await get<{ monitor: { uptime: Record<string, { uptimePct: number }> } }>("/api/v1/monitors/shop%2Fweb");
    assert.equal(listed.monitor.uptime["24h"]?.uptimePct, s24.uptimePct);

    const s7 = await get<Stats>("/api/v1/monitors/shop%2Fweb/stats?period=7d");
    assert.deepEqual([s7.checks, s7.series.bucket, s7.series.points.length], [295, "hour", 3]);
    const s30 = await get<Stats>("/api/v1/monitors/shop%2Fweb/stats?period=30d&bucket=day");
    assert.deepEqual([s30.checks, s30.failures, s30.series.points.map((p) => p.at)], [195, 100, [day - 10 * BUCKET_MS.day]]);
    assert.equal((await rig.call("GET", "/api/v1/monitors/shop%2Fweb/stats?period=2h")).statusCode, 400);

    const all = await get<{ checks: number; monitors: number; states: Record<string, number> }>("/api/v1/stats?period=24h");
    assert.deepEqual([all.checks, all.monitors, all.states.paused], [200, 2, 1]);
  });

  test("a heartbeat's check-ins, newest first, paged by time", async () => {
    const uuid = (await get<{ monitor: { heartbeat: { uuid: string } } }>("/api/v1/monitors/hb")).monitor.heartbeat.uuid;
    for (const path of ["start", "", "fail"]) {
      assert.equal((await rig.app.inject({ method: "POST", url: `/ping/${uuid}${path ? `/${path}` : ""}`, payload: `run ${path || "ok"}`, headers: { "content-type": "text/plain" } })).statusCode, 200);
      await new Promise((r) => setTimeout(r, 5));
    }
    const pings = await get<{ pings: Array<{ kind: string; body: string; at: number }> }>("/api/v1/monitors/hb/pings");
    assert.deepEqual(pings.pings.map((p) => [p.kind, p.body]), [["fail", "run fail"], ["success", "run ok"], ["start", "run start"]]);
    const older = await get<{ pings: Array<{ kind: string }> }>(`/api/v1/monitors/hb/pings?before=${pings.pings[1]?.at}`);
    assert.deepEqual(older.pings.map((p) => p.kind), ["start"]);
  });
});
