/**
 * Synthetic rollup history for the scenarios that need a year of it (uptime-query, dashboard):
 * day and hour rows ending now, written through `store.commit` in batches, oldest bucket first,
 * as the engine writes them. Seeded, so every invocation writes the same rows.
 */
import { BUCKET_MS, bucketStart } from "../../src/store/rollups.ts";
import { sketchEncode, sketchIndex } from "../../src/store/sketch.ts";
import { emptyBatch, type RollupRecord, type RollupSize, type Store, type WriteBatch } from "../../src/store/types.ts";

/** How much history to write. */
export interface RollupPlan {
  /** Seed of the random figures. */
  seed: number;
  /** Day rows per monitor (ending with the current day). */
  dayRows: number;
  /** Hour rows per monitor (ending with the current hour). */
  hourRows: number;
  /** Rows per `commit`. */
  batchRows: number;
}

/** Checks per hour of a 10 s monitor. */
export const CHECKS_PER_HOUR = 360;

/** mulberry32: a small seeded PRNG, so every run picks the same monitors. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A plausible rollup row: mostly up, a rare failure, latencies around the monitor's own mean, a five-bucket sketch. */
export function syntheticRow(seq: number, bucket: number, checks: number, rand: () => number): RollupRecord {
  const failures = rand() < 0.02 ? 1 + Math.floor(rand() * 5) : 0;
  const latCount = checks - failures;
  const mean = 20 + (seq % 180) + rand() * 10;
  const centre = sketchIndex(mean);
  const sketch = new Map<number, number>();
  const shares = [0.05, 0.2, 0.5, 0.2];
  let left = latCount;
  shares.forEach((s, k) => {
    const n = Math.floor(latCount * s);
    sketch.set(centre - 2 + k, n);
    left -= n;
  });
  sketch.set(centre + 2, left);
  return { seq, bucket, checks, failures, degraded: 0, downMs: failures * 10_000, latCount, latSum: latCount * mean, latMin: mean * 0.5, latMax: mean * 3, sketch: sketchEncode(sketch) };
}

function batchOf(rollups: WriteBatch["rollups"]): WriteBatch {
  return { ...emptyBatch(), rollups };
}

/** Writes every row, oldest bucket first and all monitors per bucket (the order the engine writes them). */
export async function build(store: Store, cfg: RollupPlan, seqs: number[], now: number): Promise<number> {
  const rand = rng(cfg.seed);
  let pending: WriteBatch["rollups"] = [];
  let rows = 0;
  const flush = async () => {
    if (!pending.length) return;
    await store.commit(batchOf(pending));
    rows += pending.length;
    pending = [];
  };
  const plan: Array<[RollupSize, number, number]> = [
    ["day", cfg.dayRows, CHECKS_PER_HOUR * 24],
    ["hour", cfg.hourRows, CHECKS_PER_HOUR],
  ];
  for (const [size, count, checks] of plan) {
    const last = bucketStart(size, now);
    for (let k = count - 1; k >= 0; k--) {
      const bucket = last - k * BUCKET_MS[size];
      for (const seq of seqs) {
        pending.push({ size, row: syntheticRow(seq, bucket, checks, rand), merge: false });
        if (pending.length >= cfg.batchRows) await flush();
      }
    }
  }
  await flush();
  return rows;
}

