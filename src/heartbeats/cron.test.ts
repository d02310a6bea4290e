/** Cron schedules across DST changes. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { compileCron } from "./cron.ts";

function next(expr: string, tz: string, after: number): number {
  const c = compileCron(expr, tz);
  if ("error" in c) throw new Error(c.error);
  return c.next(after) as number;
}

test("daily at 02:30 in Berlin: CET before the spring change, the skipped hour runs at the change, CEST after", () => {
  assert.equal(new Date(next("30 2 * * *", "Europe/Berlin", Date.UTC(2026, 2, 27, 12))).toISOString(), "2026-03-28T01:30:00.000Z");
  assert.equal(new Date(next("30 2 * * *", "Europe/Berlin", Date.UTC(2026, 2, 28, 12))).toISOString(), "2026-03-29T01:00:00.000Z");
  assert.equal(new Date(next("30 2 * * *", "Europe/Berlin", Date.UTC(2026, 2, 29, 12))).toISOString(), "2026-03-30T00:30:00.000Z");
});

test("the autumn change in New York: 01:00 happens twice and the job is due once", () => {
  const first = next("0 1 * * *", "America/New_York", Date.UTC(2026, 10, 1, 0));
  assert.equal(new Date(first).toISOString(), "2026-11-01T05:00:00.000Z");
  assert.equal(new Date(next("0 1 * * *", "America/New_York", first)).toISOString(), "2026-11-02T06:00:00.000Z");
});

test("every 15 minutes in UTC; seconds field accepted", () => {
  assert.equal(next("*/15 * * * *", "UTC", Date.UTC(2026, 0, 1, 10, 7)), Date.UTC(2026, 0, 1, 10, 15));
  assert.equal(next("30 * * * * *", "UTC", Date.UTC(2026, 0, 1, 10, 0, 0)), Date.UTC(2026, 0, 1, 10, 0, 30));
});

test("a bad expression or time zone is an error naming it", () => {
  assert.deepEqual(compileCron("61 * * * *"), { error: 'invalid cron expression "61 * * * *": Invalid value for minute: 61' });
  assert.match((compileCron("* * * * *", "Mars/Olympus") as { error: string }).error, /unknown time zone "Mars\/Olympus"/);
});
