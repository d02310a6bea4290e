/**
 * What a monitor's page shows, gathered on the server: latency by phase as chart columns
 * (uPlot's format: one array of times and one per series), the daily bar of the last 90 days,
 * uptime for every period and the last failures with every attempt. (Incidents with their notes
 * and acknowledgements come from `/api/v1/incidents`.)
 */
import type { PhaseTimings } from "../core/types.ts";
import { monitorBuckets, monitorResults } from "../store/dashboard-query.ts";
import { BUCKET_MS, bucketStart } from "../store/rollups.ts";
import type { Store } from "../store/types.ts";
import { barString, uptimePct } from "./dashboard-rows.ts";

/** The phases charted, in stacking order. */
export const PHASES = ["dns", "connect", "tls", "ttfb", "transfer"] as const;

/** Spans the chart can show. */
export type ChartRange = "1h" | "24h" | "7d";

/** Span and step of each range (ms). */
export const RANGES: Record<ChartRange, { spanMs: number; stepMs: number }> = {
  "1h": { spanMs: 3_600_000, stepMs: 60_000 },
  "24h": { spanMs: 86_400_000, stepMs: 300_000 },
  "7d": { spanMs: 7 * 86_400_000, stepMs: 3_600_000 },
};

/** Chart columns: `t` the step starts; each phase and `total` the mean of the answered checks in the step (null: none). */
export interface LatencySeries {
  /** Step length (ms). */
  stepMs: number;
  /** Epoch ms of each step's start. */
  t: number[];
  /** Mean ms per phase. */
  phases: Record<(typeof PHASES)[number], Array<number | null>>;
  /** Mean total ms. */
  total: Array<number | null>;
  /** Down checks per step. */
  failures: number[];
  /** Results read (capped). */
  results: number;
}

/** The deciding attempt's timings of a stored result (a plain success keeps only those). */
export function timingsOf(detail: unknown): PhaseTimings | undefined {
  const d = detail as { timings?: PhaseTimings; attempts?: Array<{ timings?: PhaseTimings }> } | undefined;
  if (d?.timings) return d.timings;
  const last = d?.attempts?.[d.attempts.length - 1];
  return last?.timings;
}

const KEY: Record<(typeof PHASES)[number], keyof PhaseTimings> = { dns: "dnsMs", connect: "connectMs", tls: "tlsMs", ttfb: "ttfbMs", transfer: "transferMs" };

/** Averages results into steps ending at `now`. */
export function latencySeries(results: ReadonlyArray<{ at: number; health: string; detail: unknown }>, now: number, range: ChartRange): LatencySeries {
  const { spanMs, stepMs } = RANGES[range];
  const n = Math.ceil(spanMs / stepMs);
  const from = bucketStartBy(now, stepMs) - (n - 1) * stepMs;
  const t = Array.from({ length: n }, (_, i) => from + i * stepMs);
  const sums = Object.fromEntries([...PHASES, "total"].map((p) => [p, new Float64Array(n)])) as Record<(typeof PHASES)[number] | "total", Float64Array>;
  const counts = Object.fromEntries([...PHASES, "total"].map((p) => [p, new Uint32Array(n)])) as Record<(typeof PHASES)[number] | "total", Uint32Array>;
  const failures = new Array<number>(n).fill(0);
  for (const r of results) {
    const i = Math.floor((r.at - from) / stepMs);
    if (i < 0 || i >= n) continue;
    if (r.health === "down") {
      failures[i] = (failures[i] ?? 0) + 1;
      continue;
    }
    const tm = timingsOf(r.detail);
    if (!tm) continue;
    sums.total[i] = (sums.total[i] ?? 0) + tm.totalMs;
    counts.total[i] = (counts.total[i] ?? 0) + 1;
    for (const p of PHASES) {
      const v = tm[KEY[p]];
      if (v === undefined) continue;
      sums[p][i] = (sums[p][i] ?? 0) + v;
      counts[p][i] = (counts[p][i] ?? 0) + 1;
    }
  }
  const mean = (p: (typeof PHASES)[number] | "total") => Array.from(sums[p], (s, i) => (counts[p][i] ? Math.round((s / (counts[p][i] as number)) * 100) / 100 : null));
  return { stepMs, t, phases: Object.fromEntries(PHASES.map((p) => [p, mean(p)])) as LatencySeries["phases"], total: mean("total"), failures, results: results.length };
}

const bucketStartBy = (at: number, stepMs: number) => Math.floor(at / stepMs) * stepMs;

/** Most results read for one chart (a 10 s monitor over 7 days is 60,480). */
export const MAX_CHART_RESULTS = 70_000;

/** Everything the detail page draws from the store. */
export async function monitorDetail(store: Store, id: string, seq: number, now: number, range: ChartRange) {
  const days = 90;
  const dayFrom = bucketStart("day", now) - (days - 1) * BUCKET_MS.day;
  const [results, failures, dayRows, uptime] = await Promise.all([
    monitorResults(store.db, seq, { fromMs: now - RANGES[range].spanMs - RANGES[range].stepMs, limit: MAX_CHART_RESULTS }),
    monitorResults(store.db, seq, { limit: 10, failuresOnly: true }),
    monitorBuckets(store.db, seq, "day", dayFrom),
    store.uptime(now, [id]),
  ]);
  const rows = new Map(dayRows.map((r) => [r.bucket, r]));
  const byDay = Array.from({ length: days }, (_, i) => rows.get(dayFrom + i * BUCKET_MS.day));
  return {
    latency: latencySeries(results, now, range),
    daily: { fromMs: dayFrom, bucketMs: BUCKET_MS.day, bar: barString(byDay, days), uptime: byDay.map((d) => uptimePct(d)) },
    uptime: uptime.get(id),
    failures: failures.map((f) => ({ ...f, detail: f.detail ?? null })),
  };
}
