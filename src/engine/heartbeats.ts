/**
 * Heartbeat monitors inside the engine: their timing rules, what they remember between check-ins,
 * and one deadline each in the shared scheduler. A check-in or a missed deadline becomes an
 * observation that goes through the same state machine as a probe result.
 */
import type { Monitor, MonitorOf } from "../config/model.ts";
import { applyPing, checkSilence, deadlineAt, heartbeatDisplay, type HeartbeatDisplay, type HeartbeatPolicy, type HeartbeatTrack, overrunAt, type Ping } from "../core/heartbeat.ts";
import type { MonitorState } from "../core/monitor-state.ts";
import type { Observation } from "../core/types.ts";
import { heartbeatPolicyOf, heartbeatSlug, heartbeatUuid } from "../heartbeats/policy.ts";
import type { Scheduler } from "../scheduler/scheduler.ts";
import type { PingRecord } from "../store/types.ts";
import type { BatchWriter } from "./writer.ts";

/** What a heartbeat remembers, as stored: the timing track, a timeout set by the client, and data of the protocol that feeds it. */
export interface StoredTrack extends HeartbeatTrack {
  /** A timeout (ms) the client set at run time (Lovebeat's `timeout`), replacing the schedule; negative: none. */
  timeoutMs?: number;
  /** Protocol data kept with the heartbeat (Lovebeat's timeout setting, beat history, mute). */
  data?: Record<string, unknown>;
}

/** A heartbeat's live part. */
export interface Beat {
  /** The rules in force. */
  policy: HeartbeatPolicy;
  /** The memory. */
  track: StoredTrack;
}

/** What the heartbeat desk needs from the engine. */
export interface BeatHost {
  /** Shared deadlines. */
  scheduler: Scheduler;
  /** Batched writes. */
  writer: BatchWriter;
  /** Clock. */
  now(): number;
  /** A heartbeat monitor's seq, state and beat. */
  lookup(id: string): { seq: number; state: MonitorState; monitor: Monitor; beat?: Beat } | undefined;
  /** Feeds an observation to the state machine (`quiet`: an unchanged "up" is not written as a result row). */
  observe(o: Observation, quiet: boolean): void;
}

/** The result of a check-in. */
export type PingOutcome = { ok: true; durationMs?: number } | { ok: false; error: "not-found" };

/** Extra facts of an HTTP check-in, stored with it. */
export interface PingExtra {
  /** Body text up to the limit. */
  body?: string;
  /** Size of the whole body. */
  bodyBytes?: number;
  /** Client address. */
  remote?: string;
}

/** A heartbeat as shown to users. */
export interface HeartbeatView {
  /** Monitor id. */
  id: string;
  /** new, up, late, down, paused or running. */
  display: HeartbeatDisplay;
  /** Epoch ms of the last finished check-in. */
  lastPingAt?: number;
  /** When silence becomes a failure. */
  deadlineAt?: number;
  /** Runs started and not finished, by run id. */
  running: Record<string, number>;
}

const TRACK_FLUSH_MS = 2000;

/** The rules of a heartbeat: its definition's schedule, or the client's timeout when one was set. */
export function beatPolicy(m: MonitorOf<"heartbeat">, track: StoredTrack): HeartbeatPolicy {
  if (track.timeoutMs !== undefined) return { schedule: { kind: "timeout", timeoutMs: track.timeoutMs }, graceMs: 0 };
  const p = heartbeatPolicyOf(m.check);
  // The loader refused invalid definitions; a stored one that no longer compiles never fires.
  return "policy" in p ? p.policy : { schedule: { kind: "timeout", timeoutMs: -1 }, graceMs: 0 };
}

/** Heartbeat bookkeeping for the engine. */
export class HeartbeatDesk {
  private readonly dirty = new Set<string>();
  /** `uuid:<u>`, `slug:<s>`, `token:<t>` → monitor id: how ping URLs find their heartbeat. */
  private readonly index = new Map<string, string>();
  private readonly keysOf = new Map<string, string[]>();

  constructor(private readonly host: BeatHost) {
    host.scheduler.add("upbeat:heartbeat-tracks", TRACK_FLUSH_MS, async () => this.flushTracks());
  }

  /** Starts (or restarts after a change) a heartbeat monitor with what it remembered. */
  place(id: string, remembered: StoredTrack | undefined, at: number): Beat {
    const r = this.host.lookup(id) as NonNullable<ReturnType<BeatHost["lookup"]>>;
    const m = r.monitor as MonitorOf<"heartbeat">;
    const track: StoredTrack = r.beat?.track ?? remembered ?? { createdAt: at, running: {} };
    const beat: Beat = { policy: beatPolicy(m, track), track };
    r.beat = beat;
    this.unindex(id);
    // Lovebeat services are addressed by name through their own API, not by ping URLs.
    const own = m.source.format === "lovebeat" ? [] : [`uuid:${heartbeatUuid(id, m.check.uuid)}`, `slug:${heartbeatSlug(id, m.check.slug)}`, ...(m.check.pushToken ? [`token:${m.check.pushToken}`] : [])];
    const keys = own.filter((k) => !this.index.has(k));
    for (const k of keys) this.index.set(k, id);
    this.keysOf.set(id, keys);
    if (!remembered && !r.beat.track.lastPingAt) this.persist(id, r.seq, track, true);
    return beat;
  }

  /** Re-evaluates a heartbeat now: observes a missed deadline or an overrun, then arms the next deadline. */
  refresh(id: string): void {
    const r = this.host.lookup(id);
    if (!r?.beat) return;
    const now = this.host.now();
    if (r.state.status === "paused") {
      this.host.scheduler.clearDeadline(id);
      return;
    }
    const o = checkSilence(id, r.beat.policy, r.beat.track, now);
    if (o && r.state.status !== "down") this.host.observe(o, false);
    const times = [overrunAt(r.beat.policy, r.beat.track), deadlineAt(r.beat.policy, r.beat.track)].filter((t): t is number => t !== undefined && t > now);
    if (times.length) this.host.scheduler.setDeadline(id, Math.min(...times), () => this.refresh(id));
    else this.host.scheduler.clearDeadline(id);
  }

  /** Applies a check-in. `extra` present: an HTTP ping, stored with its body before the caller answers. */
  ping(id: string, ping: Ping, extra?: PingExtra): PingOutcome {
    const r = this.host.lookup(id);
    if (!r?.beat) return { ok: false, error: "not-found" };
    const before = r.beat.track;
    const { track, observation } = applyPing(id, r.beat.policy, before, ping);
    const next: StoredTrack = { ...track, ...(before.timeoutMs !== undefined ? { timeoutMs: before.timeoutMs } : {}), ...(before.data ? { data: before.data } : {}) };
    r.beat.track = next;
    const durationMs = startedDuration(before, ping);
    if (extra) {
      const row: PingRecord = { seq: r.seq, at: ping.at, kind: ping.type, bodyBytes: extra.bodyBytes ?? 0 };
      if (ping.rid) row.rid = ping.rid;
      if (ping.type === "fail" && ping.exitCode !== undefined) row.exitCode = ping.exitCode;
      if (durationMs !== undefined) row.durationMs = durationMs;
      if (extra.body) row.body = extra.body;
      if (extra.remote) row.remote = extra.remote;
      this.host.writer.add({ pings: [row] });
      this.persist(id, r.seq, next, true);
    } else this.persist(id, r.seq, next, false);
    if (observation) this.host.observe(observation, true);
    this.refresh(id);
    return durationMs === undefined ? { ok: true } : { ok: true, durationMs };
  }

  /** Changes what a heartbeat remembers (a client's timeout, protocol data), then re-evaluates it at once. */
  update(id: string, change: (t: StoredTrack) => StoredTrack, durable = false): boolean {
    const r = this.host.lookup(id);
    if (!r?.beat) return false;
    r.beat.track = change(r.beat.track);
    r.beat.policy = beatPolicy(r.monitor as MonitorOf<"heartbeat">, r.beat.track);
    this.persist(id, r.seq, r.beat.track, durable);
    this.refresh(id);
    return true;
  }

  /** What users see for a heartbeat. */
  view(id: string): HeartbeatView | undefined {
    const r = this.host.lookup(id);
    if (!r?.beat) return undefined;
    const now = this.host.now();
    const t = r.beat.track;
    const v: HeartbeatView = { id, display: heartbeatDisplay(r.state.status, r.beat.policy, t, now), running: { ...t.running } };
    if (t.lastPingAt !== undefined) v.lastPingAt = t.lastPingAt;
    const d = deadlineAt(r.beat.policy, t);
    if (d !== undefined) v.deadlineAt = d;
    return v;
  }

  /** What a heartbeat remembers (read-only use). */
  track(id: string): StoredTrack | undefined {
    return this.host.lookup(id)?.beat?.track;
  }

  /** A heartbeat's rules and memory. */
  beat(id: string): Beat | undefined {
    return this.host.lookup(id)?.beat;
  }

  /** The heartbeat a ping URL names: by `uuid`, `slug` or push `token`. */
  find(by: "uuid" | "slug" | "token", key: string): string | undefined {
    return this.index.get(`${by}:${key}`);
  }

  private unindex(id: string): void {
    for (const k of this.keysOf.get(id) ?? []) this.index.delete(k);
    this.keysOf.delete(id);
  }

  /** Forgets a heartbeat that left. */
  drop(id: string): void {
    this.unindex(id);
    this.host.scheduler.clearDeadline(id);
    this.dirty.delete(id);
  }

  private persist(id: string, seq: number, track: StoredTrack, now: boolean): void {
    if (now) {
      this.dirty.delete(id);
      this.host.writer.add({ tracks: [{ seq, track }] });
    } else this.dirty.add(id);
  }

  /** Writes the memories changed by check-ins that need no immediate durability (statsd beats). */
  flushTracks(): void {
    if (!this.dirty.size) return;
    const tracks: Array<{ seq: number; track: unknown }> = [];
    for (const id of this.dirty) {
      const r = this.host.lookup(id);
      if (r?.beat) tracks.push({ seq: r.seq, track: r.beat.track });
    }
    this.dirty.clear();
    this.host.writer.add({ tracks });
  }
}

/** Duration of a finish that matched a start (by run id, or both without one). */
function startedDuration(before: HeartbeatTrack, ping: Ping): number | undefined {
  if (ping.type !== "success" && ping.type !== "fail") return undefined;
  const started = before.running[ping.rid ?? ""];
  return started === undefined ? undefined : ping.at - started;
}
