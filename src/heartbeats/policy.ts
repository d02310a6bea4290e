/** A heartbeat monitor's timing rules from its definition, and the ids clients ping it by. */
import { createHash } from "node:crypto";
import type { HeartbeatCheckInput } from "../config/schema/checks.ts";
import type { HeartbeatPolicy } from "../core/heartbeat.ts";
import { parseDurationMs } from "../lib/duration.ts";
import { compileCron } from "./cron.ts";

/** Period of a heartbeat that gives neither `period` nor `cron` (Healthchecks' default). */
export const DEFAULT_PERIOD_MS = 86_400_000;
/** Grace when none is given. */
export const DEFAULT_GRACE_MS = 60_000;

const ms = (v: string | number | undefined): number | undefined => (v === undefined ? undefined : parseDurationMs(v));

/** The timing rules of a heartbeat definition, or the problem (with the key it concerns). */
export function heartbeatPolicyOf(check: HeartbeatCheckInput): { policy: HeartbeatPolicy } | { error: string; at: string } {
  if (check.cron !== undefined && check.period !== undefined) return { error: "give either period or cron, not both", at: "cron" };
  let schedule: HeartbeatPolicy["schedule"];
  if (check.cron !== undefined) {
    const c = compileCron(check.cron, check.timezone ?? "UTC");
    if ("error" in c) return { error: c.error, at: /time zone/.test(c.error) ? "timezone" : "cron" };
    schedule = { kind: "cron", next: c.next };
  } else {
    const periodMs = ms(check.period) ?? DEFAULT_PERIOD_MS;
    if (periodMs < 1000) return { error: "period must be at least 1s", at: "period" };
    schedule = { kind: "period", periodMs };
  }
  const policy: HeartbeatPolicy = { schedule, graceMs: ms(check.grace) ?? DEFAULT_GRACE_MS };
  const minRunMs = ms(check.minRun);
  const maxRunMs = ms(check.maxRun);
  const startGraceMs = ms(check.startGrace);
  if (minRunMs !== undefined) policy.minRunMs = minRunMs;
  if (maxRunMs !== undefined) policy.maxRunMs = maxRunMs;
  if (startGraceMs !== undefined) policy.startGraceMs = startGraceMs;
  if (minRunMs !== undefined && maxRunMs !== undefined && minRunMs >= maxRunMs) return { error: "minRun must be below maxRun", at: "minRun" };
  return { policy };
}

/** The uuid a heartbeat is pinged by: the one given, or one derived from the monitor id (stable across restarts). */
export function heartbeatUuid(monitorId: string, given?: string): string {
  if (given) return given.toLowerCase();
  const h = createHash("sha1").update(`upbeat-heartbeat:${monitorId}`).digest("hex");
  // Shaped as a version-5 UUID so clients that validate the form accept it.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The slug a heartbeat is pinged by with a ping key: the one given, or the last part of its id made URL-safe. */
export function heartbeatSlug(monitorId: string, given?: string): string {
  if (given) return given;
  const last = monitorId.split("/").pop() ?? monitorId;
  return last.toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "") || "heartbeat";
}
