/**
 * Uptime and latency for 24 h, 7 d, 30 d, 90 d and 365 d in one query: hour rollups for the two
 * short periods, day rollups for the long ones, conditional sums grouped by monitor.
 */
import { type Kysely, type RawBuilder, sql } from "kysely";
import { BUCKET_MS, bucketStart } from "./rollups.ts";
import type { Database } from "./schema.ts";
import { type PeriodStats, UPTIME_PERIODS, type UptimePeriod } from "./types.ts";

interface PeriodSpec {
  /** Source rows: `h` (hour rollups) or `d` (day rollups). */
  src: "h" | "d";
  /** First bucket included. */
  from: number;
}

/** Which rows make up each period ending at `now` (the current bucket included). */
export function periodSpecs(now: number): Record<UptimePeriod, PeriodSpec> {
  const hour = bucketStart("hour", now);
  const day = bucketStart("day", now);
  return {
    "24h": { src: "h", from: hour - 23 * BUCKET_MS.hour },
    "7d": { src: "h", from: hour - (7 * 24 - 1) * BUCKET_MS.hour },
    "30d": { src: "d", from: day - 29 * BUCKET_MS.day },
    "90d": { src: "d", from: day - 89 * BUCKET_MS.day },
    "365d": { src: "d", from: day - 364 * BUCKET_MS.day },
  };
}

const SUMMED = ["checks", "failures", "degraded", "down_ms", "lat_count", "lat_sum"] as const;

/** Per-period sums over one rollup table, grouped by monitor (periods of the other source give 0/null). */
function columns(specs: Record<UptimePeriod, PeriodSpec>, src: "h" | "d"): RawBuilder<unknown>[] {
  const out: RawBuilder<unknown>[] = [];
  UPTIME_PERIODS.forEach((p, i) => {
    const s = specs[p];
    // `bucket + 0` keeps SQLite on the primary key (monitor, bucket) instead of the bucket index.
    const when = s.src === src ? sql`bucket + 0 >= ${s.from}` : sql`1 = 0`;
    for (const c of SUMMED) out.push(sql`SUM(CASE WHEN ${when} THEN ${sql.ref(c)} ELSE 0 END) AS ${sql.ref(`p${i}_${c}`)}`);
    out.push(sql`MIN(CASE WHEN ${when} THEN lat_min END) AS ${sql.ref(`p${i}_min`)}`);
    out.push(sql`MAX(CASE WHEN ${when} THEN lat_max END) AS ${sql.ref(`p${i}_max`)}`);
  });
  return out;
}

/** The outer sums over the two grouped parts. */
function outer(): RawBuilder<unknown>[] {
  const out: RawBuilder<unknown>[] = [];
  UPTIME_PERIODS.forEach((_p, i) => {
    for (const c of SUMMED) out.push(sql`SUM(${sql.ref(`u.p${i}_${c}`)}) AS ${sql.ref(`p${i}_${c}`)}`);
    out.push(sql`MIN(${sql.ref(`u.p${i}_min`)}) AS ${sql.ref(`p${i}_min`)}`);
    out.push(sql`MAX(${sql.ref(`u.p${i}_max`)}) AS ${sql.ref(`p${i}_max`)}`);
  });
  return out;
}

function stats(row: Record<string, unknown>, i: number): PeriodStats {
  const n = (c: string) => Number(row[`p${i}_${c}`] ?? 0);
  const nullable = (c: string) => (row[`p${i}_${c}`] === null || row[`p${i}_${c}`] === undefined ? null : Number(row[`p${i}_${c}`]));
  const checks = n("checks");
  const latCount = n("lat_count");
  return {
    checks,
    failures: n("failures"),
    degraded: n("degraded"),
    downtimeSec: n("down_ms") / 1000,
    uptimePct: checks ? (100 * (checks - n("failures"))) / checks : null,
    latencyAvgMs: latCount ? n("lat_sum") / latCount : null,
    latencyMinMs: nullable("min"),
    latencyMaxMs: nullable("max"),
  };
}

/** Runs the query for some monitors (all when `ids` is absent). */
export async function uptimeQuery(db: Kysely<Database>, now: number, ids?: string[]): Promise<Map<string, Record<UptimePeriod, PeriodStats>>> {
  const specs = periodSpecs(now);
  const only = ids ? sql`AND monitor_seq IN (SELECT seq FROM monitors WHERE id IN (${sql.join(ids)}))` : sql``;
  // Each table is summed on its own, grouped by monitor in key order, then the two parts are added.
  const q = sql<Record<string, unknown>>`
    SELECT m.id AS id, ${sql.join(outer())}
    FROM (
      SELECT monitor_seq, ${sql.join(columns(specs, "h"))} FROM rollup_hour WHERE bucket + 0 >= ${specs["7d"].from} ${only} GROUP BY monitor_seq
      UNION ALL
      SELECT monitor_seq, ${sql.join(columns(specs, "d"))} FROM rollup_day WHERE bucket + 0 >= ${specs["365d"].from} ${only} GROUP BY monitor_seq
    ) u
    JOIN monitors m ON m.seq = u.monitor_seq
    GROUP BY m.id`;
  const { rows } = await q.execute(db);
  const out = new Map<string, Record<UptimePeriod, PeriodStats>>();
  for (const row of rows) {
    const periods = {} as Record<UptimePeriod, PeriodStats>;
    UPTIME_PERIODS.forEach((p, i) => (periods[p] = stats(row, i)));
    out.set(String(row.id), periods);
  }
  return out;
}
