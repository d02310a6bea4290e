/**
 * How many checks the engine runs at once when nobody says: sized from the process's limit of
 * open files, as each check in flight holds a socket. Node raises its soft limit to the hard
 * one at start, so this reads what the process may really open.
 */
import { readFileSync } from "node:fs";

/**
 * The most checks at once by default. Measured with 100,000 monitors at 60 s on 2 cores
 * (capacity, 3 windows of 20 s each): 512 slots gave a lateness p99 of 414-571 ms against
 * 567-880 ms with 256, at less CPU (0.84-0.92 against 0.96-1.08 CPU-s/s), as a stall of the
 * loop then holds fewer checks waiting for a slot. 1,024 cost more CPU per check on that
 * machine (more sockets and requests alive at once) and made checks later once the CPU was the
 * limit.
 */
export const MAX_DEFAULT_CONCURRENCY = 512;
/** The fewest: a process with almost no files to spare still checks. */
const MIN_CONCURRENCY = 16;

/** The process's limit of open files (Linux's `/proc/self/limits`), or undefined where unknown. */
export function openFileLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync("/proc/self/limits", "utf8");
    } catch {
      return undefined;
    }
  }
  const m = /^Max open files\s+(\S+)/m.exec(text);
  if (!m) return undefined;
  if (m[1] === "unlimited") return Infinity;
  const n = Number(m[1]);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * The default concurrency: a quarter of the open-file limit (the rest is left to the database,
 * listeners, notifiers and HTTP clients), between 16 and 512; 256 where the limit is unknown.
 */
export function defaultConcurrency(limit: number | undefined): number {
  if (limit === undefined) return 256;
  return Math.max(MIN_CONCURRENCY, Math.min(MAX_DEFAULT_CONCURRENCY, Math.floor(limit / 4)));
}
