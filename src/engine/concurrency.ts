/**
 * How many checks the engine runs at once when nobody says: sized from the process's limit of
 * open files, as each check in flight holds a socket. Node raises its soft limit to the hard
 * one at start, so this reads what the process may really open.
 */
import { readFileSync } from "node:fs";

/**
 * The most checks at once by default. Measured with 100k monitors on 2 cores: 1024 slots cost
 * more CPU per check than 256 (more sockets and requests alive at once, more GC), and once the
 * CPU is the limit, lateness grew tenfold. Hosts with more cores may set more.
 */
export const MAX_DEFAULT_CONCURRENCY = 256;
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
 * listeners, notifiers and HTTP clients), between 16 and 256; 256 where the limit is unknown.
 */
export function defaultConcurrency(limit: number | undefined): number {
  if (limit === undefined) return 256;
  return Math.max(MIN_CONCURRENCY, Math.min(MAX_DEFAULT_CONCURRENCY, Math.floor(limit / 4)));
}
