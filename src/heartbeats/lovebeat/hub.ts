/**
 * Lovebeat services and alarms on top of the engine (compat §2.3–§2.8 with the decisions of §0).
 * A service is a heartbeat monitor `lovebeat/<name>` whose timeout the client sets; an alarm is a
 * monitor `lovebeat-alarm/<name>` whose health is its worst member. Both go through the same state
 * machine, so incidents (and their numbers) and alerts are Upbeat's own.
 */
import type { Monitor } from "../../config/model.ts";
import { resolveSettings } from "../../config/settings.ts";
import { checkSilence } from "../../core/heartbeat.ts";
import type { MonitorState } from "../../core/monitor-state.ts";
import type { Engine } from "../../engine/engine.ts";
import type { StoredTrack } from "../../engine/heartbeats.ts";
import { type CompiledAlarm, alarmsFor, compileAlarm, type LovebeatAlarmDef } from "./alarm-pattern.ts";
import { autoTimeoutMs } from "./auto-timeout.ts";
import { BEAT_HISTORY_COUNT, type LovebeatAlarmRecord, type LovebeatAlarmState, type LovebeatServiceRecord, type LovebeatServiceState, TIMEOUT_AUTO } from "./model.ts";
import type { LovebeatCommand } from "./statsd-line.ts";

/** Lovebeat's fields of a service, kept with its heartbeat memory. */
export interface ServiceData {
  /** Timeout as Lovebeat holds it: ms, or -1 (none), -2 (auto), 0 (always error). */
  timeout: number;
  /** Last ≤ 100 intervals between beats (ms), oldest first. */
  history: number[];
  /** When muted (ms), 0 when not. */
  mutedSince: number;
  /** Lovebeat state last reported. */
  state: LovebeatServiceState;
  /** When that state began. */
  lastStateChange: number;
}

/** Something that happened, for the event log, metrics and live views. */
export type HubEvent =
  | { type: "service_added" | "service_removed"; ts: number; service: LovebeatServiceRecord }
  | { type: "service_state_changed"; ts: number; service: LovebeatServiceRecord; previous: LovebeatServiceState; current: LovebeatServiceState }
  | { type: "alarm_added" | "alarm_removed"; ts: number; alarm: LovebeatAlarmRecord }
  | { type: "alarm_state_changed"; ts: number; alarm: LovebeatAlarmRecord; previous: LovebeatAlarmState; current: LovebeatAlarmState };

/** Monitor id of a service. */
export const serviceId = (name: string): string => `lovebeat/${name}`;
/** Monitor id of an alarm. */
export const alarmId = (name: string): string => `lovebeat-alarm/${name}`;

const NO_TIMEOUT: StoredTrack["timeoutMs"] = -1;

/** The timeout in force: auto waits for two beats (one interval) before it has a value (compat §0). */
export function effectiveTimeoutMs(d: ServiceData): number {
  if (d.timeout !== TIMEOUT_AUTO) return d.timeout;
  return d.history.length ? autoTimeoutMs(d.history) : -1;
}

/** The monitor behind a Lovebeat service or alarm. */
export function lovebeatMonitor(id: string, name: string, group: "services" | "alarms"): Monitor {
  return { id, name, kind: "heartbeat", check: { type: "heartbeat", name }, groupPath: ["lovebeat", group], settings: resolveSettings({ flapping: false }), source: { format: "lovebeat" } } as Monitor;
}

/** Lovebeat's services and alarms. */
export class LovebeatHub {
  private compiled: CompiledAlarm[];
  /** Alarm name → member service names. */
  private readonly members = new Map<string, Set<string>>();
  /** Service name → alarm names. */
  private readonly alarmsOf = new Map<string, string[]>();
  private readonly listeners: Array<(e: HubEvent) => void> = [];
  /** Alarm name → alert ids of the `[[alarms]]` entries that made it. */
  private readonly alertIds = new Map<string, string[]>();

  constructor(
    private readonly engine: Engine,
    alarms: readonly LovebeatAlarmDef[],
    private readonly now: () => number = Date.now,
  ) {
    this.compiled = alarms.map(compileAlarm);
    engine.onStatus((id) => {
      if (id.startsWith("lovebeat/")) this.settle(id.slice("lovebeat/".length));
    });
  }

  /** Picks up the services and alarms the engine loaded from the store. */
  async init(): Promise<void> {
    // Memberships first, then states, then each alarm once: an alarm in error is not resolved
    // and reopened (a new incident number) just because its good members were loaded first.
    const names = this.engine.ids("lovebeat").filter((id) => id.startsWith("lovebeat/")).map((id) => id.slice("lovebeat/".length));
    for (const n of names) await this.join(n, false);
    for (const n of names) this.settle(n, false);
    this.evaluateAlarms();
  }

  /** Receives every event. */
  subscribe(fn: (e: HubEvent) => void): void {
    this.listeners.push(fn);
  }

  private emit(e: HubEvent): void {
    for (const l of this.listeners) l(e);
  }

  /** Applies statsd commands in order; a new service is created first (commands for it wait, in order). */
  command(c: LovebeatCommand): Promise<void> | void {
    const made = this.ensure(c.service);
    const apply = () => {
      if (c.action === "beat") this.beat(c.service);
      else if (c.action === "timeout") this.setTimeout(c.service, c.valueMs);
      else {
        this.setTimeout(c.service, TIMEOUT_AUTO);
        this.beat(c.service);
      }
    };
    return made ? made.then(apply) : apply();
  }

  /** Creates a service on first use (undefined when it exists). */
  ensure(name: string): Promise<void> | undefined {
    if (this.engine.get(serviceId(name))) return undefined;
    const at = this.now();
    const data: ServiceData = { timeout: -1, history: [], mutedSince: 0, state: "ok", lastStateChange: at };
    return this.engine.create(lovebeatMonitor(serviceId(name), name, "services"), { createdAt: at, running: {}, timeoutMs: NO_TIMEOUT, data: { ...data } }).then(async () => {
      await this.join(name);
      const s = this.service(name);
      if (s) this.emit({ type: "service_added", ts: at, service: s });
    });
  }

  /** Puts a service in the alarms its name matches, creating alarms on first use. */
  private async join(name: string, evaluate = true): Promise<void> {
    const memberships = alarmsFor(name, this.compiled);
    const names = memberships.map((m) => m.name);
    this.alarmsOf.set(name, names);
    for (const m of memberships) this.alertIds.set(m.name, [...new Set([...(this.alertIds.get(m.name) ?? []), ...(this.compiled[m.index]?.alerts ?? [])])]);
    for (const a of names) {
      if (!this.engine.get(alarmId(a))) {
        await this.engine.create(lovebeatMonitor(alarmId(a), a, "alarms"), { createdAt: this.now(), running: {}, timeoutMs: NO_TIMEOUT });
        const rec = this.alarm(a);
        if (rec) this.emit({ type: "alarm_added", ts: this.now(), alarm: rec });
      }
      const set = this.members.get(a) ?? new Set();
      set.add(name);
      this.members.set(a, set);
      if (evaluate) this.evaluateAlarm(a);
    }
  }

  private data(name: string): ServiceData | undefined {
    const hb = this.engine.heartbeats.track(serviceId(name));
    return hb?.data as ServiceData | undefined;
  }

  private change(name: string, fn: (d: ServiceData) => Partial<ServiceData>, durable: boolean): void {
    this.engine.heartbeats.update(
      serviceId(name),
      (t) => {
        const d = { ...(t.data as unknown as ServiceData), ...fn(t.data as unknown as ServiceData) };
        return { ...t, data: { ...d }, timeoutMs: effectiveTimeoutMs(d) };
      },
      durable,
    );
    this.settle(name);
  }

  /** A beat: ignored within 1 s of the previous one; the interval joins the history. */
  beat(name: string, durable = false): void {
    const t = this.engine.heartbeats.track(serviceId(name));
    if (!t) return;
    const at = this.now();
    const previous = t.lastPingAt;
    if (previous !== undefined && at - previous < 1000) return;
    this.engine.heartbeats.ping(serviceId(name), { type: "success", at }, durable ? { bodyBytes: 0 } : undefined);
    if (previous !== undefined) this.change(name, (d) => ({ history: [...d.history, at - previous].slice(-BEAT_HISTORY_COUNT) }), durable);
    this.settle(name);
  }

  /** Sets the timeout (ms, or -1 / -2 / 0). */
  setTimeout(name: string, timeoutMs: number, durable = false): void {
    if (this.data(name)?.timeout === timeoutMs) return;
    this.change(name, () => ({ timeout: timeoutMs }), durable);
  }

  /** Mutes: a muted service never counts as an error. */
  mute(name: string): void {
    const d = this.data(name);
    if (!d || d.mutedSince > 0) return;
    this.change(name, () => ({ mutedSince: this.now() }), true);
    this.engine.setPaused(serviceId(name), true);
    this.settle(name);
  }

  /** Unmutes: the state is evaluated again at once. */
  unmute(name: string): void {
    const d = this.data(name);
    if (!d || d.mutedSince === 0) return;
    this.change(name, () => ({ mutedSince: 0 }), true);
    const id = serviceId(name);
    this.engine.setPaused(id, false);
    const live = this.engine.get(id);
    const beat = this.engine.heartbeats.beat(id);
    // Not expired: good again now (Lovebeat re-evaluates on unmute), even with an incident left open.
    if (live && beat && live.state.status !== "up" && !checkSilence(id, beat.policy, beat.track, this.now())) {
      this.engine.observe({ monitorId: id, at: this.now(), health: "up", source: "heartbeat", region: "local" });
    }
    this.settle(name);
  }

  /** Takes an alarm from a Lovebeat database: its state and incident number carry on. */
  async restoreAlarm(a: LovebeatAlarmRecord): Promise<void> {
    if (this.engine.get(alarmId(a.name))) return;
    await this.engine.create(lovebeatMonitor(alarmId(a.name), a.name, "alarms"), { createdAt: a.last_state_change, running: {}, timeoutMs: NO_TIMEOUT }, restoredAlarmState(a));
  }

  /** Takes a service from a Lovebeat database: last beat, timeout, history and mute carry on; it is evaluated at once. */
  async restoreService(s: LovebeatServiceRecord): Promise<void> {
    if (this.engine.get(serviceId(s.name))) return;
    await this.engine.create(lovebeatMonitor(serviceId(s.name), s.name, "services"), restoredTrack(s));
    if (s.muted_since > 0) this.engine.setPaused(serviceId(s.name), true);
    await this.join(s.name, false);
    this.settle(s.name, false);
  }

  /** Evaluates every alarm (after restoring a database: once all members are in). */
  evaluateAlarms(): void {
    for (const a of this.members.keys()) this.evaluateAlarm(a);
  }

  /** Deletes a service: it leaves its alarms (which may recover). */
  async remove(name: string): Promise<void> {
    const before = this.service(name);
    if (!before) return;
    await this.engine.delete(serviceId(name));
    for (const a of this.alarmsOf.get(name) ?? []) {
      this.members.get(a)?.delete(name);
      this.evaluateAlarm(a);
    }
    this.alarmsOf.delete(name);
    this.emit({ type: "service_removed", ts: this.now(), service: before });
  }

  /** Deletes an alarm, only when no service is in it (as Lovebeat does). */
  async removeAlarm(name: string): Promise<void> {
    if ((this.members.get(name)?.size ?? 0) > 0) return;
    const rec = this.alarm(name);
    if (!rec) return;
    await this.engine.delete(alarmId(name));
    this.members.delete(name);
    this.emit({ type: "alarm_removed", ts: this.now(), alarm: rec });
  }

  /** Records the Lovebeat state after any change, and what it means for the service's alarms. */
  private settle(name: string, alarms = true): void {
    const d = this.data(name);
    const live = this.engine.get(serviceId(name));
    if (!d || !live) return;
    const next: LovebeatServiceState = d.mutedSince > 0 ? "muted" : live.state.status === "down" ? "error" : "ok";
    if (next === d.state) return;
    const previous = d.state;
    const at = this.now();
    this.engine.heartbeats.update(serviceId(name), (t) => ({ ...t, data: { ...(t.data as object), state: next, lastStateChange: at } }), false);
    const s = this.service(name);
    if (s) this.emit({ type: "service_state_changed", ts: at, service: s, previous, current: next });
    if (alarms) for (const a of this.alarmsOf.get(name) ?? []) this.evaluateAlarm(a);
  }

  private failedIn(alarm: string): string[] {
    return [...(this.members.get(alarm) ?? [])].filter((n) => this.data(n)?.state === "error").sort();
  }

  /** An alarm is in error when any member is; a change goes through the state machine (numbered incidents). */
  private evaluateAlarm(name: string): void {
    const id = alarmId(name);
    const live = this.engine.get(id);
    if (!live) return;
    const failed = this.failedIn(name);
    const want = failed.length ? "down" : "up";
    const before = alarmState(live.state);
    if (want === "down" ? live.state.status === "down" : live.state.status === "up") return;
    this.engine.observe({ monitorId: id, at: this.now(), health: want, source: "heartbeat", region: "local", ...(failed.length ? { reason: `failed services: ${failed.join(", ")}`, failure: "assertion" as const } : {}) });
    const rec = this.alarm(name);
    if (rec && rec.state !== before) this.emit({ type: "alarm_state_changed", ts: this.now(), alarm: rec, previous: before, current: rec.state });
  }

  /** A service as Lovebeat shows it. */
  service(name: string): LovebeatServiceRecord | undefined {
    const t = this.engine.heartbeats.track(serviceId(name));
    const d = t?.data as ServiceData | undefined;
    if (!t || !d) return undefined;
    const rec: LovebeatServiceRecord = { name, last_beat: t.lastPingAt ?? -1, timeout: d.timeout, state: d.state, muted_since: d.mutedSince, last_state_change: d.lastStateChange };
    if (d.history.length) rec.beat_history = [...d.history];
    const alarms = this.alarmsOf.get(name) ?? [];
    if (alarms.length) rec.in_alarms = [...alarms];
    return rec;
  }

  /** Every service. */
  services(): LovebeatServiceRecord[] {
    return [...this.alarmsOf.keys()].map((n) => this.service(n)).filter((s): s is LovebeatServiceRecord => s !== undefined);
  }

  /** An alarm as Lovebeat shows it. */
  alarm(name: string): LovebeatAlarmRecord | undefined {
    const live = this.engine.get(alarmId(name));
    if (!live) return undefined;
    return { name, state: alarmState(live.state), incident_nbr: live.state.lastIncidentNumber, failed_services: this.failedIn(name), last_state_change: live.state.since };
  }

  /** Every alarm. */
  alarms(): LovebeatAlarmRecord[] {
    return this.engine.ids("lovebeat").filter((id) => id.startsWith("lovebeat-alarm/")).map((id) => this.alarm(id.slice("lovebeat-alarm/".length)) as LovebeatAlarmRecord);
  }

  /** The `[alerts.*]` ids notified when an alarm changes state. */
  alarmAlerts(name: string): string[] {
    return this.alertIds.get(name) ?? [];
  }

  /** Member services of an alarm. */
  alarmServices(name: string): LovebeatServiceRecord[] {
    return [...(this.members.get(name) ?? [])].map((n) => this.service(n)).filter((s): s is LovebeatServiceRecord => s !== undefined);
  }

  /** Counts for `/api/status`: every service, or an alarm's members; only `error` counts as an error. */
  status(alarm?: string): { ok: number; error: number } {
    const list = alarm === undefined ? this.services() : this.alarmServices(alarm);
    const error = list.filter((s) => s.state === "error").length;
    return { ok: list.length - error, error };
  }
}

/** Lovebeat's alarm state from the monitor's: new until first evaluated. */
function alarmState(s: MonitorState): LovebeatAlarmState {
  return s.status === "down" ? "error" : s.status === "pending" ? "new" : "ok";
}

/** An alarm's state from a Lovebeat database: in error it keeps its open incident and number. */
export function restoredAlarmState(a: LovebeatAlarmRecord): MonitorState {
  const n = a.incident_nbr;
  const base = { monitorId: alarmId(a.name), since: a.last_state_change, failures: 0, successes: 0, lastIncidentNumber: n };
  if (a.state === "error" && n > 0) return { ...base, status: "down", failures: 1, incident: { number: n, openedAt: a.last_state_change, cause: `failed services: ${(a.failed_services ?? []).join(", ")}` } };
  return { ...base, status: a.state === "ok" ? "up" : "pending" };
}

/** A service's heartbeat memory from a Lovebeat database. */
export function restoredTrack(s: LovebeatServiceRecord): StoredTrack {
  const data: ServiceData = { timeout: s.timeout, history: [...(s.beat_history ?? [])].slice(-BEAT_HISTORY_COUNT), mutedSince: s.muted_since, state: s.state === "new" ? "ok" : s.state, lastStateChange: s.last_state_change };
  const track: StoredTrack = { createdAt: s.last_beat > 0 ? s.last_beat : s.last_state_change, running: {}, timeoutMs: effectiveTimeoutMs(data), data: { ...data } };
  if (s.last_beat > 0) track.lastPingAt = s.last_beat;
  return track;
}
