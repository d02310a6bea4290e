/**
 * A small mergeable latency sketch: counts in logarithmic buckets (each 10 % wider than the one
 * before), so any percentile is known within ±5 % and hour and day rollups are plain sums of
 * minute ones. Stored as text (`index:count,…`), a few dozen bytes per rollup row.
 */

const GAMMA = 1.1;
const LOG_GAMMA = Math.log(GAMMA);

/** Sparse bucket counts, by bucket index. */
export type Sketch = Map<number, number>;

/** The bucket a latency (ms) falls in; 0 for anything under 1 ms. */
export function sketchIndex(ms: number): number {
  return ms < 1 ? 0 : 1 + Math.floor(Math.log(ms) / LOG_GAMMA);
}

/** The value a bucket stands for: its geometric middle. */
function bucketValue(index: number): number {
  return index === 0 ? 0.5 : Math.pow(GAMMA, index - 0.5);
}

/** Counts one latency. */
export function sketchAdd(s: Sketch, ms: number): void {
  const i = sketchIndex(ms);
  s.set(i, (s.get(i) ?? 0) + 1);
}

/** Adds every count of `from` into `into`. */
export function sketchMerge(into: Sketch, from: Sketch): void {
  for (const [i, n] of from) into.set(i, (into.get(i) ?? 0) + n);
}

/** The latency at quantile `q` (0–1), or undefined for an empty sketch. */
export function sketchQuantile(s: Sketch, q: number): number | undefined {
  let total = 0;
  for (const n of s.values()) total += n;
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const i of [...s.keys()].sort((a, b) => a - b)) {
    seen += s.get(i) ?? 0;
    if (seen >= rank) return bucketValue(i);
  }
  return undefined;
}

/** Text form for a database column. */
export function sketchEncode(s: Sketch): string {
  return [...s.entries()].sort((a, b) => a[0] - b[0]).map(([i, n]) => `${i}:${n}`).join(",");
}

/** Parses the text form; malformed parts are skipped rather than failing a whole query. */
export function sketchDecode(text: string | null | undefined): Sketch {
  const s: Sketch = new Map();
  if (!text) return s;
  for (const part of text.split(",")) {
    const m = /^(\d+):(\d+)$/.exec(part);
    if (m) s.set(Number(m[1]), (s.get(Number(m[1])) ?? 0) + Number(m[2]));
  }
  return s;
}
