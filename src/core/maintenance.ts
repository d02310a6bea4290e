/**
 * Maintenance windows: which are open at a time, and when the next one opens or closes. A window
 * is one-off (`start` to `end`) or recurring (each cron occurrence, for `durationMs`). Pure.
 */
import { type Matcher, matchesAll } from "./matchers.ts";

/** A maintenance window, compiled. */
export interface MaintenanceWindow {
  /** Name. */
  name: string;
  /** Monitors it covers: all matchers must match their labels. */
  matchers: Matcher[];
  /** One-off: epoch ms of the start. */
  start?: number;
  /** One-off: epoch ms of the end. */
  end?: number;
  /** Recurring: the first occurrence strictly after a time (epoch ms), in the window's time zone. */
  next?: (afterMs: number) => number | undefined;
  /** Recurring: the cron expression and its time zone, as written. */
  cron?: { expr: string; timezone: string };
  /** Recurring: length of each occurrence (ms). */
  durationMs?: number;
  /** Why. */
  comment?: string;
}

/** The span of `w` that holds `at`, if `at` is inside one. */
export function openSpan(w: MaintenanceWindow, at: number): { from: number; to: number } | undefined {
  if (w.start !== undefined && w.end !== undefined) return at >= w.start && at < w.end ? { from: w.start, to: w.end } : undefined;
  if (!w.next || !w.durationMs) return undefined;
  // The first occurrence after (at - duration) is the only one that can still be open at `at`.
  const s = w.next(at - w.durationMs - 1);
  return s !== undefined && s <= at && at < s + w.durationMs ? { from: s, to: s + w.durationMs } : undefined;
}

/** The windows open at `at`. */
export function openWindows(ws: readonly MaintenanceWindow[], at: number): MaintenanceWindow[] {
  return ws.filter((w) => openSpan(w, at));
}

/** The first open window covering a monitor with these labels. */
export function coveringWindow(open: readonly MaintenanceWindow[], labels: Readonly<Record<string, string>>): MaintenanceWindow | undefined {
  return open.find((w) => matchesAll(w.matchers, labels));
}
