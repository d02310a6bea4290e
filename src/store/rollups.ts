/** Rollup arithmetic: bucket boundaries, adding a result, merging rows. Pure. */
import type { Health } from "../core/types.ts";
import { sketchAdd, sketchDecode, sketchEncode, sketchMerge } from "./sketch.ts";
import type { RollupRecord, RollupSize } from "./types.ts";

/** Length of each rollup bucket in ms (UTC days). */
export const BUCKET_MS: Record<RollupSize, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Every rollup size. */
export const ROLLUP_SIZES: readonly RollupSize[] = ["minute", "hour", "day"];

/** Start of the bucket holding `at`. */
export function bucketStart(size: RollupSize, at: number): number {
  return Math.floor(at / BUCKET_MS[size]) * BUCKET_MS[size];
}

/** An empty rollup row. */
export function emptyRollup(seq: number, bucket: number): RollupRecord {
  return { seq, bucket, checks: 0, failures: 0, degraded: 0, downMs: 0, latCount: 0, latSum: 0, sketch: "" };
}

/** What one result adds to a rollup. */
export interface RollupSample {
  /** up, degraded or down. */
  health: Health;
  /** Latency of an answered check (ms); absent for a failure without a response time. */
  latencyMs?: number;
  /** Time spent in an open incident since the previous result (ms). */
  downMs: number;
}

/** A rollup being built in memory: the row plus its sketch in parsed form. */
export interface OpenRollup {
  /** The row, `sketch` stale until `closeRollup`. */
  row: RollupRecord;
  /** The sketch. */
  sketch: Map<number, number>;
}

/** Starts building a rollup. */
export function openRollup(seq: number, bucket: number): OpenRollup {
  return { row: emptyRollup(seq, bucket), sketch: new Map() };
}

/** Adds one result. */
export function addSample(r: OpenRollup, s: RollupSample): void {
  const row = r.row;
  row.checks++;
  if (s.health === "down") row.failures++;
  if (s.health === "degraded") row.degraded++;
  row.downMs += s.downMs;
  if (s.latencyMs !== undefined && Number.isFinite(s.latencyMs)) {
    row.latCount++;
    row.latSum += s.latencyMs;
    row.latMin = row.latMin === undefined ? s.latencyMs : Math.min(row.latMin, s.latencyMs);
    row.latMax = row.latMax === undefined ? s.latencyMs : Math.max(row.latMax, s.latencyMs);
    sketchAdd(r.sketch, s.latencyMs);
  }
}

/** The row with its sketch encoded, ready to write. */
export function rollupRow(r: OpenRollup): RollupRecord {
  return { ...r.row, sketch: sketchEncode(r.sketch) };
}

/** Sum of two rows of the same monitor and bucket (a stored row plus what came after a restart). */
export function mergeRollups(a: RollupRecord, b: RollupRecord): RollupRecord {
  const sketch = sketchDecode(a.sketch);
  sketchMerge(sketch, sketchDecode(b.sketch));
  const out: RollupRecord = {
    seq: a.seq,
    bucket: a.bucket,
    checks: a.checks + b.checks,
    failures: a.failures + b.failures,
    degraded: a.degraded + b.degraded,
    downMs: a.downMs + b.downMs,
    latCount: a.latCount + b.latCount,
    latSum: a.latSum + b.latSum,
    sketch: sketchEncode(sketch),
  };
  const min = [a.latMin, b.latMin].filter((v): v is number => v !== undefined);
  const max = [a.latMax, b.latMax].filter((v): v is number => v !== undefined);
  if (min.length) out.latMin = Math.min(...min);
  if (max.length) out.latMax = Math.max(...max);
  return out;
}
