/**
 * Uptime and latency of a period, and a series for charts, from the rollups. The period's totals
 * use the same rows as the listings' uptime (hour rollups up to 7 days, day rollups beyond), so
 * the numbers agree; the series uses minute, hour or day buckets by the period's length.
 */
import { type Kysely, sql } from "kysely";
import { BUCKET_MS, bucketStart } from "../store/rollups.ts";
import type { Database } from "../store/schema.ts";
import { type Sketch, sketchDecode, sketchMerge, sketchQuantile } from "../store/sketch.ts";
import type { RollupRecord, RollupSize, Store, UptimePeriod } from "../store/types.ts";
import { periodSpecs } from "../store/uptime.ts";

/** Default series bucket per period: a few hundred points at most, within the default retention. */
export const SERIES_BUCKET: Record<UptimePeriod, RollupSize> = { "24h": "minute", "7d": "hour", "30d": "hour", "90d": "day", "365d": "day" };

/** Sums of some rollup rows. */
export interface Totals {
  /** Checks. */
  checks: number;
  /** Down checks. */
  failures: number;
  /** Degraded checks. */
  degraded: number;
  /** Seconds in an open incident. */
  downtimeSec: number;
  /** Percentage of checks not down (null without checks). */
  uptimePct: number | null;
  /** Mean latency. */
  latencyAvgMs: number | null;
  /** Smallest latency. */
  latencyMinMs: number | null;
  /** Largest latency. */
  latencyMaxMs: number | null;
  /** Median latency (±5 %). */
  latencyP50Ms: number | null;
  /** 95th percentile latency (±5 %). */
  latencyP95Ms: number | null;
  /** 99th percentile latency (±5 %). */
  latencyP99Ms: number | null;
}

const round = (v: number | undefined | null, digits = 3): number | null => (v === undefined || v === null || !Number.isFinite(v) ? null : Number(v.toFixed(digits)));

/** The totals of rollup rows, percentiles from their merged sketches. */
export function totalsOf(rows: readonly RollupRecord[]): Totals {
  let checks = 0;
  let failures = 0;
  let degraded = 0;
  let downMs = 0;
  let latCount = 0;
  let latSum = 0;
  let min: number | undefined;
  let max: number | undefined;
  const sketch: Sketch = new Map();
  for (const r of rows) {
    checks += r.checks;
    failures += r.failures;
    degraded += r.degraded;
    downMs += r.downMs;
    latCount += r.latCount;
    latSum += r.latSum;
    if (r.latMin !== undefined) min = min === undefined ? r.latMin : Math.min(min, r.latMin);
    if (r.latMax !== undefined) max = max === undefined ? r.latMax : Math.max(max, r.latMax);
    sketchMerge(sketch, sketchDecode(r.sketch));
  }
  return {
    checks,
    failures,
    degraded,
    downtimeSec: downMs / 1000,
    uptimePct: checks ? round((100 * (checks - failures)) / checks, 4) : null,
    latencyAvgMs: latCount ? round(latSum / latCount) : null,
    latencyMinMs: round(min),
    latencyMaxMs: round(max),
    latencyP50Ms: round(sketchQuantile(sketch, 0.5)),
    latencyP95Ms: round(sketchQuantile(sketch, 0.95)),
    latencyP99Ms: round(sketchQuantile(sketch, 0.99)),
  };
}

/** One monitor's stats of a period, with the series. */
export async function monitorStats(store: Store, id: string, period: UptimePeriod, now: number, bucket?: RollupSize) {
  const spec = periodSpecs(now)[period];
  const totalsSize: RollupSize = spec.src === "h" ? "hour" : "day";
  const size = bucket ?? SERIES_BUCKET[period];
  const to = now + 1;
  const seriesFrom = bucketStart(size, spec.from);
  const [totalRows, seriesRows, incidents] = await Promise.all([
    store.rollups(totalsSize, id, spec.from, to),
    size === totalsSize ? undefined : store.rollups(size, id, seriesFrom, to),
    store.incidents({ monitorId: id, since: spec.from, limit: 10_000 }),
  ]);
  const points = (seriesRows ?? totalRows).map((r) => ({ at: r.bucket, ...totalsOf([r]) }));
  return { period, from: spec.from, to: now, ...totalsOf(totalRows), incidents: incidents.length, series: { bucket: size, bucketMs: BUCKET_MS[size], points } };
}

/** Totals over every monitor for a period (one aggregate query; percentiles are left out). */
export async function overallTotals(db: Kysely<Database>, period: UptimePeriod, now: number): Promise<Omit<Totals, "latencyP50Ms" | "latencyP95Ms" | "latencyP99Ms">> {
  const spec = periodSpecs(now)[period];
  const table = spec.src === "h" ? sql.table("rollup_hour") : sql.table("rollup_day");
  const { rows } = await sql<Record<string, unknown>>`SELECT SUM(checks) AS checks, SUM(failures) AS failures, SUM(degraded) AS degraded, SUM(down_ms) AS down_ms, SUM(lat_count) AS lat_count, SUM(lat_sum) AS lat_sum, MIN(lat_min) AS lat_min, MAX(lat_max) AS lat_max FROM ${table} WHERE bucket >= ${spec.from} AND monitor_seq IN (SELECT seq FROM monitors WHERE removed_at IS NULL)`.execute(db);
  const r = rows[0] ?? {};
  const n = (k: string) => Number(r[k] ?? 0);
  const checks = n("checks");
  return {
    checks,
    failures: n("failures"),
    degraded: n("degraded"),
    downtimeSec: n("down_ms") / 1000,
    uptimePct: checks ? round((100 * (checks - n("failures"))) / checks, 4) : null,
    latencyAvgMs: n("lat_count") ? round(n("lat_sum") / n("lat_count")) : null,
    latencyMinMs: r.lat_min === null || r.lat_min === undefined ? null : round(Number(r.lat_min)),
    latencyMaxMs: r.lat_max === null || r.lat_max === undefined ? null : round(Number(r.lat_max)),
  };
}
