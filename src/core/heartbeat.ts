/**
 * Heartbeat timing, pure: when a job or service that checks in is due, when it is late, when it
 * is down, and what a ping says about it. Pings and missed deadlines become observations that go
 * through the same state machine as probe results. The clock comes in with every call.
 */
import type { Observation } from "./types.ts";

/** When check-ins are expected. */
export type HeartbeatSchedule =
  /** Every `periodMs`. */
  | { kind: "period"; periodMs: number }
  /** At each occurrence of a cron expression; `next(t)` is the first occurrence after epoch ms t. */
  | { kind: "cron"; next: (afterMs: number) => number | undefined }
  /** Lovebeat's timeout: fixed ms, or auto (computed from the beat history by the caller). */
  | { kind: "timeout"; timeoutMs: number };

/** A heartbeat monitor's timing rules. */
export interface HeartbeatPolicy {
  /** When check-ins are expected. */
  schedule: HeartbeatSchedule;
  /** Time after the expected check-in before it counts as missed. */
  graceMs: number;
  /** A run (start → success) shorter than this is a failure. */
  minRunMs?: number;
  /** A run longer than this is a failure. */
  maxRunMs?: number;
  /** A started run with no finish within this time is a failure (default: `maxRunMs`, else none). */
  startGraceMs?: number;
}

/** What a heartbeat remembers between pings. */
export interface HeartbeatTrack {
  /** Epoch ms the monitor was created (a job that never checks in is due one period after). */
  createdAt: number;
  /** Epoch ms of the last finished check-in (success or failure). */
  lastPingAt?: number;
  /** Runs started and not finished, by run id (`""` when the client sent none). */
  running: Record<string, number>;
}

/** A check-in. */
export type Ping =
  /** `latencyMs`: a response time the client measured (Kuma's `ping=`), kept when no start gives a duration. */
  | { type: "success"; at: number; rid?: string; latencyMs?: number }
  | { type: "start"; at: number; rid?: string }
  | { type: "fail"; at: number; rid?: string; exitCode?: number; message?: string }
  | { type: "log"; at: number; rid?: string };

/** What users see for a heartbeat. */
export type HeartbeatDisplay = "new" | "up" | "late" | "down" | "paused" | "running";

/** The check-in expected next, or undefined when none is (a timeout of -1, a cron with no next run). */
export function expectedAt(p: HeartbeatPolicy, t: HeartbeatTrack): number | undefined {
  const from = t.lastPingAt ?? t.createdAt;
  const s = p.schedule;
  if (s.kind === "period") return from + s.periodMs;
  if (s.kind === "timeout") return s.timeoutMs > 0 ? from + s.timeoutMs : s.timeoutMs === 0 ? from : undefined;
  return s.next(from);
}

/** When silence becomes a failure: the expected check-in plus grace. */
export function deadlineAt(p: HeartbeatPolicy, t: HeartbeatTrack): number | undefined {
  const e = expectedAt(p, t);
  return e === undefined ? undefined : e + p.graceMs;
}

/** The earliest time a started run overruns, if any. */
export function overrunAt(p: HeartbeatPolicy, t: HeartbeatTrack): number | undefined {
  const limit = p.startGraceMs ?? p.maxRunMs;
  const starts = Object.values(t.running);
  if (limit === undefined || !starts.length) return undefined;
  return Math.min(...starts) + limit;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${Math.round(ms / 100) / 10}s`;
}

function observation(monitorId: string, at: number, health: Observation["health"], reason?: string, durationMs?: number): Observation {
  return { monitorId, at, health, source: "heartbeat", region: "local", ...(reason ? { reason, failure: "assertion" as const } : {}), ...(durationMs !== undefined ? { timings: { totalMs: durationMs } } : {}) };
}

/** Applies a ping: the new track and, for a finished run or a failure, the observation it makes. */
export function applyPing(monitorId: string, p: HeartbeatPolicy, t: HeartbeatTrack, ping: Ping): { track: HeartbeatTrack; observation?: Observation } {
  const rid = ping.rid ?? "";
  if (ping.type === "log") return { track: t };
  if (ping.type === "start") return { track: { ...t, running: { ...t.running, [rid]: ping.at } } };
  const { [rid]: startedAt, ...others } = t.running;
  const track: HeartbeatTrack = { ...t, lastPingAt: ping.at, running: others };
  const durationMs = startedAt !== undefined ? ping.at - startedAt : ping.type === "success" ? ping.latencyMs : undefined;
  if (ping.type === "fail") {
    const why = ping.exitCode !== undefined ? `the job failed with exit code ${ping.exitCode}` : "the job reported a failure";
    return { track, observation: observation(monitorId, ping.at, "down", ping.message ? `${why}: ${ping.message}` : why, durationMs) };
  }
  if (durationMs !== undefined && p.minRunMs !== undefined && durationMs < p.minRunMs) {
    return { track, observation: observation(monitorId, ping.at, "down", `the run finished too fast: ${seconds(durationMs)} < ${seconds(p.minRunMs)}`, durationMs) };
  }
  if (durationMs !== undefined && p.maxRunMs !== undefined && durationMs > p.maxRunMs) {
    return { track, observation: observation(monitorId, ping.at, "down", `the run took too long: ${seconds(durationMs)} > ${seconds(p.maxRunMs)}`, durationMs) };
  }
  return { track, observation: observation(monitorId, ping.at, "up", undefined, durationMs) };
}

/** The observation for a missed deadline or an overrun start, checked at `now`; none when nothing is due. */
export function checkSilence(monitorId: string, p: HeartbeatPolicy, t: HeartbeatTrack, now: number): Observation | undefined {
  const overrun = overrunAt(p, t);
  if (overrun !== undefined && now >= overrun) return observation(monitorId, now, "down", `a run started ${seconds(now - Math.min(...Object.values(t.running)))} ago and has not finished`);
  const deadline = deadlineAt(p, t);
  if (deadline === undefined || now < deadline) return undefined;
  const since = t.lastPingAt === undefined ? "it was created" : "the last check-in";
  return observation(monitorId, now, "down", `no check-in for ${seconds(now - (t.lastPingAt ?? t.createdAt))} since ${since} (due by ${new Date(deadline).toISOString()})`);
}

/** What to show: new, running, late (in grace), or the state machine's status. */
export function heartbeatDisplay(status: "pending" | "up" | "degraded" | "down" | "paused" | "maintenance", p: HeartbeatPolicy, t: HeartbeatTrack, now: number): HeartbeatDisplay {
  if (status === "paused") return "paused";
  if (status === "down") return "down";
  if (Object.keys(t.running).length) return "running";
  if (t.lastPingAt === undefined && status === "pending") {
    const e = expectedAt(p, t);
    return e !== undefined && now > e ? "late" : "new";
  }
  const e = expectedAt(p, t);
  return e !== undefined && now > e ? "late" : "up";
}
