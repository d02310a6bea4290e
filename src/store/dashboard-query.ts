/**
 * The dashboard's reads over the store's tables: the light listing of every monitor (no
 * definitions, no history), and the hourly bars and uptime of a page of monitors in one query.
 * Kept out of the Store interface: only the dashboard needs these shapes.
 */
import { type Kysely, sql } from "kysely";
import type { MonitorStatus } from "../core/monitor-state.ts";
import { BUCKET_MS, bucketStart } from "./rollups.ts";
import { decodeDetail, parseJson } from "./rows.ts";
import type { Database } from "./schema.ts";
import type { StoredResult } from "./types.ts";

/** One monitor as the dashboard lists it, before filtering and paging. */
export interface ListedMonitor {
  /** Store key (for the rollup queries). */
  seq: number;
  /** Monitor id. */
  id: string;
  /** Name. */
  name: string;
  /** Check kind. */
  kind: string;
  /** Enclosing groups, outermost first. */
  groupPath: string[];
  /** Where it was defined (`native`, `api`, …). */
  source: string;
  /** Current status as stored (the engine's is fresher when there is one). */
  status: MonitorStatus;
  /** Epoch ms of the last status change. */
  since: number | null;
  /** The latest result, short form. */
  last: StoredResult | undefined;
  /** Labels, only when asked for (they live in the definition). */
  labels?: Record<string, string>;
}

/** Every monitor not removed (or only the one with store key `seq`), with its stored state and latest result; `withLabels` also reads the definitions. */
export async function listMonitors(db: Kysely<Database>, withLabels: boolean, seq?: number): Promise<ListedMonitor[]> {
  let base = db
    .selectFrom("monitors as m")
    .leftJoin("monitor_state as s", "s.monitor_seq", "m.seq")
    .where("m.removed_at", "is", null)
    .select(["m.seq", "m.id", "m.name", "m.kind", "m.group_path", "m.source", "s.status", "s.since", "s.last_result"]);
  if (seq !== undefined) base = base.where("m.seq", "=", seq);
  const rows = withLabels ? await base.select("m.definition").execute() : await base.execute();
  return rows.map((r) => {
    const out: ListedMonitor = {
      seq: Number(r.seq),
      id: r.id,
      name: r.name,
      kind: r.kind,
      groupPath: (parseJson(r.group_path) as string[] | undefined) ?? [],
      source: r.source,
      status: (r.status as MonitorStatus | null) ?? "pending",
      since: r.since === null ? null : Number(r.since),
      last: parseJson(r.last_result) as StoredResult | undefined,
    };
    if ("definition" in r) out.labels = ((parseJson(r.definition as string) as { settings?: { labels?: Record<string, string> } } | undefined)?.settings?.labels) ?? {};
    return out;
  });
}

/** One hour of one monitor, as a bar segment counts it. */
export interface HourCounts {
  /** Checks. */
  checks: number;
  /** Down checks. */
  failures: number;
  /** Degraded checks. */
  degraded: number;
}

/** What the rows of a page need from the rollups. */
export interface PageHistory {
  /** Epoch ms of the first hour shown (the bar's left end). */
  fromMs: number;
  /** Per monitor seq: the hours in order (index 0 = `fromMs`), absent hours without checks. */
  hours: Map<number, Array<HourCounts | undefined>>;
  /** Per monitor seq: checks and failures over the last 30 days (day rollups). */
  month: Map<number, { checks: number; failures: number }>;
}

/**
 * Hour rollups of the last `hours` hours (the current one included) and the 30-day sums of a
 * page of monitors, in one query: the hour rows as they are, the day rows summed per monitor.
 */
export async function pageHistory(db: Kysely<Database>, seqs: number[], now: number, hours = 24): Promise<PageHistory> {
  const fromMs = bucketStart("hour", now) - (hours - 1) * BUCKET_MS.hour;
  const out: PageHistory = { fromMs, hours: new Map(), month: new Map() };
  if (!seqs.length) return out;
  const dayFrom = bucketStart("day", now) - 29 * BUCKET_MS.day;
  const list = sql.join(seqs);
  const q = sql<{ src: string; monitor_seq: number; bucket: number | null; checks: number; failures: number; degraded: number }>`
    SELECT 'h' AS src, monitor_seq, bucket, checks, failures, degraded FROM rollup_hour WHERE monitor_seq IN (${list}) AND bucket >= ${fromMs}
    UNION ALL
    SELECT 'd' AS src, monitor_seq, NULL AS bucket, SUM(checks) AS checks, SUM(failures) AS failures, SUM(degraded) AS degraded FROM rollup_day WHERE monitor_seq IN (${list}) AND bucket >= ${dayFrom} GROUP BY monitor_seq`;
  const { rows } = await q.execute(db);
  for (const r of rows) {
    const seq = Number(r.monitor_seq);
    const counts = { checks: Number(r.checks), failures: Number(r.failures), degraded: Number(r.degraded) };
    if (r.src === "d") {
      out.month.set(seq, counts);
      continue;
    }
    const i = Math.floor((Number(r.bucket) - fromMs) / BUCKET_MS.hour);
    if (i < 0 || i >= hours) continue;
    const row = out.hours.get(seq) ?? new Array<HourCounts | undefined>(hours).fill(undefined);
    row[i] = counts;
    out.hours.set(seq, row);
  }
  return out;
}

/** One rollup bucket of one monitor, for the detail page's longer bars. */
export interface BucketCounts extends HourCounts {
  /** Epoch ms of the bucket start. */
  bucket: number;
  /** Mean latency (ms), null without samples. */
  latencyAvgMs: number | null;
  /** Largest latency (ms). */
  latencyMaxMs: number | null;
}

/** A monitor's day (or hour) rollups since `fromMs`, oldest first. */
export async function monitorBuckets(db: Kysely<Database>, seq: number, size: "hour" | "day", fromMs: number): Promise<BucketCounts[]> {
  const table = size === "hour" ? "rollup_hour" : "rollup_day";
  const rows = await db
    .selectFrom(table)
    .select(["bucket", "checks", "failures", "degraded", "lat_count", "lat_sum", "lat_max"])
    .where("monitor_seq", "=", seq)
    .where("bucket", ">=", fromMs)
    .orderBy("bucket")
    .execute();
  return rows.map((r) => ({
    bucket: Number(r.bucket),
    checks: Number(r.checks),
    failures: Number(r.failures),
    degraded: Number(r.degraded),
    latencyAvgMs: Number(r.lat_count) ? Number(r.lat_sum) / Number(r.lat_count) : null,
    latencyMaxMs: r.lat_max === null ? null : Number(r.lat_max),
  }));
}

/** A monitor's results since `fromMs`, newest first, at most `limit`; `failuresOnly` skips the good ones. */
export async function monitorResults(db: Kysely<Database>, seq: number, o: { fromMs?: number; limit: number; failuresOnly?: boolean }): Promise<Array<{ at: number; health: string; durationMs: number; statusCode: number | null; phase: string | null; failure: string | null; reason: string | null; region: string; detail: unknown }>> {
  let q = db
    .selectFrom("results")
    .select(["at", "health", "duration_ms", "status_code", "phase", "failure", "reason", "region", "detail"])
    .where("monitor_seq", "=", seq)
    .orderBy("at", "desc")
    .limit(o.limit);
  if (o.fromMs !== undefined) q = q.where("at", ">=", o.fromMs);
  if (o.failuresOnly) q = q.where("health", "!=", "up");
  const rows = await q.execute();
  return rows.map((r) => ({ at: Number(r.at), health: r.health, durationMs: Number(r.duration_ms), statusCode: r.status_code === null ? null : Number(r.status_code), phase: r.phase, failure: r.failure, reason: r.reason, region: r.region, detail: decodeDetail(r.detail) }));
}

/** A monitor's store key, or undefined when there is none (or it was removed). */
export async function monitorSeq(db: Kysely<Database>, id: string): Promise<number | undefined> {
  const r = await db.selectFrom("monitors").select("seq").where("id", "=", id).where("removed_at", "is", null).executeTakeFirst();
  return r ? Number(r.seq) : undefined;
}
