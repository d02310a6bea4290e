/** Cron schedules with time zones for heartbeats (croner), as the `next` function the timing rules take. */
import { Cron } from "croner";
import { errorMessage } from "../lib/errors.ts";

/** Whether `tz` is an IANA time zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * Compiles a cron expression (5 fields, or 6 with seconds) in a time zone. The result gives the
 * first occurrence strictly after a time; a time skipped by a DST change runs at the change, a
 * time that happens twice runs once (the first).
 */
export function compileCron(expr: string, timezone = "UTC"): { next: (afterMs: number) => number | undefined } | { error: string } {
  if (!isTimeZone(timezone)) return { error: `unknown time zone "${timezone}" (expected an IANA name such as Europe/Berlin)` };
  let cron: Cron;
  try {
    cron = new Cron(expr, { timezone, paused: true });
  } catch (e) {
    return { error: `invalid cron expression "${expr}": ${errorMessage(e).replace(/^CronPattern: /, "")}` };
  }
  return { next: (afterMs) => cron.nextRun(new Date(afterMs))?.getTime() };
}
