/**
 * The engine: scheduler → probe → observation → state machine → one transaction (result, state,
 * incidents, outbox) → effects after commit. State and open incidents are loaded at start, so a
 * restart never re-opens, re-alerts or forgets an incident. `apply` takes a new configuration
 * and changes only the monitors that changed.
 */
import { setMaxListeners } from "node:events";
import type { Logger } from "pino";
import type { Monitor, UpbeatConfig } from "../config/model.ts";
import { coveringWindow, type MaintenanceWindow, openSpan, openWindows } from "../core/maintenance.ts";
import { matchesAll, monitorLabels } from "../core/matchers.ts";
import { advance, type Effect, enterMaintenance, initialState, type MonitorState, type MonitorStatus, pause, remove, resume, type StatePolicy, tick } from "../core/monitor-state.ts";
import type { Observation } from "../core/types.ts";
import { errorMessage } from "../lib/errors.ts";
import { ProbePool } from "../probes/pool.ts";
import { runCheck } from "../probes/run.ts";
import type { ProbeRegistry } from "../probes/types.ts";
import { Scheduler, type SchedulerClock } from "../scheduler/scheduler.ts";
import { bucketStart, ROLLUP_SIZES } from "../store/rollups.ts";
import { acknowledgedOpen } from "../store/incident-notes.ts";
import { DEFAULT_RETENTION, type Retention, type Store, type StoredMonitor } from "../store/types.ts";
import { defaultConcurrency, openFileLimit } from "./concurrency.ts";
import { EffectDispatcher, type EffectHandler, logEffects } from "./effects.ts";
import { LatenessWindow } from "./lateness.ts";
import { reconcileCupcake } from "./cupcake-active.ts";
import { effectWrites, monitorRecord, resultRecord, stateWrite } from "./records.ts";
import { type Beat, HeartbeatDesk, type StoredTrack } from "./heartbeats.ts";
import { BatchWriter } from "./writer.ts";

/** What the engine needs. */
export interface EngineOptions {
  /** Where state and history live. */
  store: Store;
  /** Probes by kind. */
  probes: ProbeRegistry;
  /** Log. */
  log: Logger;
  /** Checks running at once at most (default: from the open-file limit, see `defaultConcurrency`). */
  concurrency?: number;
  /** Longest a write waits to be batched (ms). */
  flushMs?: number;
  /** Region recorded with results. */
  region?: string;
  /** How long data is kept. */
  retention?: Retention;
  /** What carries out committed effects (default: log them). */
  effects?: EffectHandler;
  /** Clock and timers of the scheduler (a fake in tests). */
  clock?: SchedulerClock;
  /** The reminder period of a monitor's open incidents (alerting's `repeatInterval`); none: no reminders. */
  reminders?: (m: Monitor) => number | undefined;
  /**
   * Worker threads that run the checks with Upbeat's own probes (`PROBES`, whatever `probes`
   * says), so the main thread only schedules and stores (`defaultProbeThreads()` is what `upbeat
   * serve` uses). 0 or none: checks run on the main thread with `probes`.
   */
  probeThreads?: number;
}

interface Running {
  monitor: Monitor;
  seq: number;
  state: MonitorState;
  definition: string;
  lastAt?: number;
  /** Heartbeat monitors only. */
  beat?: Beat;
  /** Latency of the last answered check (ms), for sorting listings. */
  lastMs?: number;
  /** Number of the open incident someone acknowledged (no reminders for it). */
  acked?: number;
}

/** A running monitor as listings see it. */
export interface MonitorEntry {
  /** Definition. */
  monitor: Monitor;
  /** State. */
  state: MonitorState;
  /** Epoch ms of the last observation since start. */
  lastAt?: number;
  /** Latency of the last answered check (ms). */
  lastMs?: number;
  /** Whether the open incident was acknowledged. */
  acknowledged: boolean;
}

/** Sources of monitors created at run time (kept through file reloads, loaded from the store at start). */
export const RUNTIME_SOURCES = ["ping", "lovebeat", "api", "http-monitoring"] as const;

/** Rows per kind a prune round deletes at most. */
const PRUNE_BATCH = 2000;
/** Prune rounds a minute at most, and their time budget. */
const PRUNE_MAX_ROUNDS = 200;
const PRUNE_BUDGET_MS = 2000;

const isRuntime = (m: Monitor): boolean => (RUNTIME_SOURCES as readonly string[]).includes(m.source.format);

/** A monitor created at run time, rebuilt from its stored definition. */
function runtimeMonitor(s: StoredMonitor): Monitor {
  const d = s.definition as { check: Monitor["check"]; settings: Monitor["settings"]; source: Monitor["source"] };
  return { id: s.id, name: s.name, kind: s.kind, check: d.check, groupPath: s.groupPath, settings: d.settings, source: d.source } as Monitor;
}

/** What a configuration change did. */
export interface ApplySummary {
  /** Monitors added. */
  added: number;
  /** Monitors whose definition changed. */
  changed: number;
  /** Monitors removed. */
  removed: number;
  /** Monitors left as they were. */
  unchanged: number;
}

function entryOf(r: Running): MonitorEntry {
  const e: MonitorEntry = { monitor: r.monitor, state: r.state, acknowledged: r.acked !== undefined && r.acked === r.state.incident?.number };
  if (r.lastAt !== undefined) e.lastAt = r.lastAt;
  if (r.lastMs !== undefined) e.lastMs = r.lastMs;
  return e;
}

const policyOf = (m: Monitor): StatePolicy => ({ failureThreshold: m.settings.failureThreshold, successThreshold: m.settings.successThreshold });

/** The running engine. */
export class Engine {
  private readonly monitors = new Map<string, Running>();
  private readonly scheduler: Scheduler;
  readonly writer: BatchWriter;
  readonly effects: EffectDispatcher;
  /** How late each check started (ms). */
  readonly lateness = new LatenessWindow();
  private readonly shutdown = new AbortController();
  private readonly now: () => number;
  private started = false;
  private tracks = new Map<string, unknown>();
  private readonly creating = new Map<string, Promise<void>>();
  private storedStates = new Map<string, MonitorState>();
  private readonly statusListeners: Array<(id: string, from: MonitorStatus, to: MonitorStatus, at: number) => void> = [];
  private readonly observationListeners: Array<(o: Observation, m: Monitor, status: MonitorStatus) => void> = [];
  /** Heartbeat monitors: check-ins, deadlines, memories. */
  readonly heartbeats: HeartbeatDesk;
  /** Checks completed. */
  checks = 0;
  private windows: readonly MaintenanceWindow[] = [];
  private openWindowNames: string | undefined;
  private readonly pool: ProbePool | undefined;

  private constructor(private readonly o: EngineOptions) {
    this.now = o.clock?.now ?? Date.now;
    // Every check in flight listens on the one shutdown signal (and removes itself after).
    setMaxListeners(0, this.shutdown.signal);
    if (o.probeThreads) {
      const pool = new ProbePool({ threads: o.probeThreads, region: o.region ?? "local", log: o.log });
      this.shutdown.signal.addEventListener("abort", () => pool.abort(), { once: true });
      this.pool = pool;
    }
    this.effects = new EffectDispatcher(o.store, o.effects ?? logEffects(o.log), o.log);
    this.writer = new BatchWriter({ store: o.store, flushMs: o.flushMs ?? 200, maxBatch: 5000, log: o.log, onCommitted: (e) => this.effects.dispatch(e) });
    this.scheduler = new Scheduler({
      concurrency: o.concurrency ?? defaultConcurrency(openFileLimit()),
      ...(o.clock ? { clock: o.clock } : {}),
      // With probe threads a check's lateness is taken when its thread starts it (`run`).
      onLateness: (id, ms) => {
        if (!this.pool && !id.startsWith("upbeat:")) this.lateness.add(ms);
      },
      onError: (id, err) => o.log.error({ monitor: id, err: errorMessage(err) }, "check run failed"),
    });
    this.heartbeats = new HeartbeatDesk({ scheduler: this.scheduler, writer: this.writer, now: this.now, lookup: (id) => this.monitors.get(id), observe: (ob, quiet) => this.observe(ob, quiet) });
  }

  /** Loads state, continues open rollups, re-dispatches pending effects and starts checking. */
  static async start(config: UpbeatConfig, o: EngineOptions): Promise<Engine> {
    const e = new Engine(o);
    const now = e.now();
    for (const size of ROLLUP_SIZES) e.writer.preload((await o.store.rollupsAt(size, bucketStart(size, now))).map((row) => ({ size, row })));
    e.tracks = await o.store.loadTracks();
    await e.apply(config);
    for (const source of RUNTIME_SOURCES) for (const m of await o.store.monitorsBySource(source)) e.adopt(runtimeMonitor(m), m.seq, e.storedStates.get(m.id), now);
    e.storedStates.clear();
    e.tracks.clear();
    for (const [id, ack] of await acknowledgedOpen(o.store.db)) e.acknowledge(id, ack.number);
    const pending = await e.effects.resumePending();
    if (pending) o.log.info({ pending }, "carrying out effects left pending by the previous run");
    const retention = o.retention ?? DEFAULT_RETENTION;
    e.scheduler.add("upbeat:prune", 60_000, () => e.prune(retention));
    e.scheduler.add("upbeat:maintenance", 1000, async () => e.checkMaintenance());
    e.scheduler.add("upbeat:reminders", 10_000, async () => e.remind());
    return e;
  }

  /** Applies a configuration: adds, changes and removes monitors; others keep running untouched. */
  async apply(config: UpbeatConfig): Promise<ApplySummary> {
    const at = this.now();
    const summary: ApplySummary = { added: 0, changed: 0, removed: 0, unchanged: 0 };
    const records = config.monitors.map(monitorRecord);
    const seqs = await this.o.store.syncMonitors(records, at);
    if (!this.started) this.storedStates = new Map((await this.o.store.loadStates()).map((s) => [s.monitorId, s.state]));
    const stored = this.storedStates;
    if (!this.started) await reconcileCupcake(this.o.store, config.monitors, stored, seqs, this.writer, at, this.o.log);
    const wanted = new Set<string>();
    config.monitors.forEach((m, i) => {
      wanted.add(m.id);
      const definition = JSON.stringify(records[i]?.definition);
      const seq = seqs.get(m.id) as number;
      const cur = this.monitors.get(m.id);
      if (!cur) {
        summary.added++;
        this.monitors.set(m.id, { monitor: m, seq, definition, state: stored.get(m.id) ?? initialState(m.id, at) });
      } else if (cur.definition !== definition) {
        summary.changed++;
        cur.monitor = m;
        cur.definition = definition;
      } else {
        summary.unchanged++;
        return;
      }
      this.place(m.id, at);
    });
    for (const [id, r] of this.monitors) if (!wanted.has(id) && !isRuntime(r.monitor)) this.retire(id, r, at, summary);
    this.started = true;
    this.windows = config.maintenance ?? [];
    this.checkMaintenance(true);
    return summary;
  }

  /** Replaces the maintenance windows (API changes) without touching the monitors; monitors enter or leave maintenance at once. */
  setMaintenance(windows: readonly MaintenanceWindow[]): void {
    this.windows = windows;
    this.checkMaintenance(true);
  }

  /** Takes a monitor created at run time (or reloaded from the store) into the running set. */
  private adopt(m: Monitor, seq: number, state: MonitorState | undefined, at: number): void {
    if (this.monitors.has(m.id)) return;
    this.monitors.set(m.id, { monitor: m, seq, definition: JSON.stringify(monitorRecord(m).definition), state: state ?? initialState(m.id, at) });
    this.place(m.id, at);
    if (this.windows.length) this.maintain(this.monitors.get(m.id) as Running, openWindows(this.windows, at), at);
  }

  /**
   * Puts monitors into maintenance when a window covering them opens, and takes them out when it
   * closes. Cheap when nothing changed: monitors are looked at only when the set of open windows
   * changes (or the configuration did).
   */
  private checkMaintenance(force = false): void {
    const at = this.now();
    const open = openWindows(this.windows, at);
    const names = open.map((w) => w.name).join("\u0000");
    if (!force && names === this.openWindowNames) return;
    this.openWindowNames = names;
    for (const r of this.monitors.values()) this.maintain(r, open, at);
  }

  /** Enters or leaves maintenance for one monitor, given the open windows. */
  private maintain(r: Running, open: readonly MaintenanceWindow[], at: number): void {
    const w = open.length ? coveringWindow(open, monitorLabels(r.monitor)) : undefined;
    if (w && r.state.status !== "maintenance" && r.state.status !== "paused") {
      const s = enterMaintenance(r.state, at);
      this.step(r, s.state, s.effects);
      this.o.log.info({ monitor: r.monitor.id, window: w.name }, "maintenance started");
    } else if (!w && r.state.status === "maintenance") {
      const s = resume(r.state, at);
      this.step(r, s.state, s.effects);
      this.o.log.info({ monitor: r.monitor.id }, "maintenance ended");
    }
  }

  /** Emits the reminders that are due for open incidents (persisted like any other effect). */
  private remind(): void {
    const every = this.o.reminders;
    if (!every) return;
    const at = this.now();
    for (const r of this.monitors.values()) {
      // An acknowledged incident has someone on it: no more reminders.
      if (!r.state.incident || r.acked === r.state.incident.number) continue;
      const ms = every(r.monitor);
      if (!ms) continue;
      const s = tick(r.state, at, { ...policyOf(r.monitor), reminderIntervalMs: ms });
      if (s.effects.length) this.step(r, s.state, s.effects);
    }
  }

  /** The configured maintenance windows, with the span open now (if any) and how many monitors each covers. */
  maintenanceWindows(): Array<{ window: MaintenanceWindow; open?: { from: number; to: number }; monitors: number }> {
    const at = this.now();
    return this.windows.map((w) => {
      const open = openSpan(w, at);
      let monitors = 0;
      for (const r of this.monitors.values()) if (matchesAll(w.matchers, monitorLabels(r.monitor))) monitors++;
      return { window: w, ...(open ? { open } : {}), monitors };
    });
  }

  /** The maintenance window covering a monitor now, if any. */
  maintenanceOf(id: string): MaintenanceWindow | undefined {
    const r = this.monitors.get(id);
    return r ? coveringWindow(openWindows(this.windows, this.now()), monitorLabels(r.monitor)) : undefined;
  }

  /** Creates monitors at run time (a Lovebeat service's first beat, a ping with `?create=1`); concurrent calls for one id share the work. */
  async create(m: Monitor, track?: StoredTrack, state?: MonitorState): Promise<void> {
    if (this.monitors.has(m.id)) return;
    const pending = this.creating.get(m.id);
    if (pending) return pending;
    const work = (async () => {
      const at = this.now();
      const seqs = await this.o.store.addMonitors([monitorRecord(m)], at);
      if (track) this.tracks.set(m.id, track);
      this.adopt(m, seqs.get(m.id) as number, state, at);
      if (state) {
        const r = this.monitors.get(m.id) as Running;
        this.writer.add({ states: [stateWrite(r.seq, r.state)] });
      }
      this.tracks.delete(m.id);
    })().finally(() => this.creating.delete(m.id));
    this.creating.set(m.id, work);
    return work;
  }

  /** Removes a monitor created at run time (Lovebeat's DELETE): its incident closes, its history stays. */
  async delete(id: string): Promise<boolean> {
    return (await this.deleteMany([id])).length === 1;
  }

  /** Removes monitors created at run time, in one store write; returns the ids removed. */
  async deleteMany(ids: readonly string[]): Promise<string[]> {
    const at = this.now();
    const done: string[] = [];
    for (const id of ids) {
      const r = this.monitors.get(id);
      if (!r || !isRuntime(r.monitor)) continue;
      this.retire(id, r, at, { added: 0, changed: 0, removed: 0, unchanged: 0 });
      done.push(id);
    }
    if (!done.length) return done;
    await this.writer.durable();
    await this.o.store.removeMonitors(done, at);
    return done;
  }

  /**
   * Changes monitors created at run time (the API's update, pause, labels) in one store write:
   * state, open incident and history stay; each is re-scheduled. Returns the ids changed.
   */
  async replace(ms: readonly Monitor[]): Promise<string[]> {
    const changing = ms.filter((m) => isRuntime(m) && this.monitors.has(m.id) && isRuntime((this.monitors.get(m.id) as Running).monitor));
    if (!changing.length) return [];
    const at = this.now();
    const records = changing.map(monitorRecord);
    await this.o.store.addMonitors(records, at);
    const open = this.windows.length ? openWindows(this.windows, at) : [];
    changing.forEach((m, i) => {
      const r = this.monitors.get(m.id) as Running;
      // A change of kind leaves the other kind's timers behind.
      if (r.beat && m.kind !== "heartbeat") {
        this.heartbeats.drop(m.id);
        delete r.beat;
      } else if (!r.beat && m.kind === "heartbeat") this.scheduler.remove(m.id);
      r.monitor = m;
      r.definition = JSON.stringify(records[i]?.definition);
      this.place(m.id, at);
      if (open.length) this.maintain(r, open, at);
    });
    return changing.map((m) => m.id);
  }

  /** Acknowledges a monitor's open incident (by number): its reminders stop. False when that incident is not open. */
  acknowledge(id: string, incidentNumber: number): boolean {
    const r = this.monitors.get(id);
    if (!r || r.state.incident?.number !== incidentNumber) return false;
    r.acked = incidentNumber;
    return true;
  }

  /** Every running monitor with its state, for listings and search. */
  *entries(): IterableIterator<MonitorEntry> {
    for (const r of this.monitors.values()) yield entryOf(r);
  }

  /** One running monitor with its state. */
  entry(id: string): MonitorEntry | undefined {
    const r = this.monitors.get(id);
    return r ? entryOf(r) : undefined;
  }

  /** Calls `fn` synchronously whenever a monitor's status changes (before the change is committed). */
  onStatus(fn: (id: string, from: MonitorStatus, to: MonitorStatus, at: number) => void): void {
    this.statusListeners.push(fn);
  }

  /** Calls `fn` synchronously after every observation is taken (metrics, live updates); `status` is the monitor's status after it. */
  onObservation(fn: (o: Observation, m: Monitor, status: MonitorStatus) => void): void {
    this.observationListeners.push(fn);
  }

  /** Ids of the running monitors from one source (`lovebeat`, `ping`, `native`, …). */
  ids(source: string): string[] {
    return [...this.monitors.values()].filter((r) => r.monitor.source.format === source).map((r) => r.monitor.id);
  }

  /** A monitor's live state and definition. */
  get(id: string): { monitor: Monitor; state: MonitorState } | undefined {
    const r = this.monitors.get(id);
    return r ? { monitor: r.monitor, state: r.state } : undefined;
  }

  /** Pauses or resumes a monitor at run time (Lovebeat's mute). */
  setPaused(id: string, paused: boolean): void {
    const r = this.monitors.get(id);
    if (!r || (r.state.status === "paused") === paused) return;
    const at = this.now();
    const s = paused ? pause(r.state, at) : resume(r.state, at);
    this.step(r, s.state, s.effects);
    if (r.beat) this.heartbeats.refresh(id);
    else if (paused) this.scheduler.remove(id);
    else this.scheduler.add(id, r.monitor.settings.intervalMs, (due) => this.run(id, due));
  }

  /** Closes a monitor's open incident without a recovery notice (recorded as `removed`), as Cupcake's REMOVE_UNKNOWN_ACTIVES forgets a row. */
  closeIncident(id: string): boolean {
    const r = this.monitors.get(id);
    if (!r?.state.incident) return false;
    const s = remove(r.state, this.now());
    this.step(r, s.state, s.effects);
    return true;
  }

  /** Schedules (or pauses) a monitor after it was added or changed. */
  private place(id: string, at: number): void {
    const r = this.monitors.get(id) as Running;
    if (r.monitor.kind === "heartbeat") {
      this.heartbeats.place(id, this.tracks.get(id) as StoredTrack | undefined, at);
      if (r.monitor.settings.paused && r.state.status !== "paused") {
        const s = pause(r.state, at);
        this.step(r, s.state, s.effects);
      } else if (!r.monitor.settings.paused && r.state.status === "paused" && r.monitor.source.format !== "lovebeat") {
        const s = resume(r.state, at);
        this.step(r, s.state, s.effects);
      }
      this.heartbeats.refresh(id);
      return;
    }
    if (r.monitor.settings.paused) {
      this.scheduler.remove(id);
      if (r.state.status !== "paused") {
        const s = pause(r.state, at);
        this.step(r, s.state, s.effects);
      }
      return;
    }
    if (r.state.status === "paused") {
      const s = resume(r.state, at);
      this.step(r, s.state, s.effects);
    }
    this.scheduler.add(id, r.monitor.settings.intervalMs, (due) => this.run(id, due));
  }

  private retire(id: string, r: Running, at: number, summary: ApplySummary): void {
    summary.removed++;
    this.scheduler.remove(id);
    if (r.beat) this.heartbeats.drop(id);
    const s = remove(r.state, at);
    this.step(r, s.state, s.effects);
    this.writer.forget(r.seq);
    this.pool?.forget(id);
    this.monitors.delete(id);
  }

  private step(r: Running, state: MonitorState, effects: Effect[], o?: Observation): void {
    const from = r.state.status;
    r.state = state;
    if (from !== state.status) for (const l of this.statusListeners) l(r.monitor.id, from, state.status, state.since);
    this.writer.add({ states: [stateWrite(r.seq, state, o)], ...effectWrites(r.monitor, r.seq, effects) });
  }

  private async run(id: string, dueAt: number): Promise<void> {
    const r = this.monitors.get(id);
    if (!r) return;
    let o: Observation;
    if (this.pool) {
      o = await this.pool.run(r.monitor);
      const started = o.attempts?.[0]?.startedAt;
      if (started !== undefined) this.lateness.add(Math.max(0, started - dueAt));
    } else o = await runCheck(r.monitor, { probes: this.o.probes, signal: this.shutdown.signal, now: this.now, region: this.o.region ?? "local" });
    // A check cut short by shutdown says nothing about the target.
    if (this.shutdown.signal.aborted) return;
    this.observe(o);
  }

  /**
   * Takes one observation of a monitor (probes, heartbeats, agents). `quiet`: a good observation
   * that changes nothing (a heartbeat beating on time) updates rollups only, not a result row.
   */
  observe(o: Observation, quiet = false): void {
    const r = this.monitors.get(o.monitorId);
    if (!r) return;
    this.checks++;
    const prevAt = r.lastAt;
    r.lastAt = o.at;
    r.lastMs = o.health !== "down" ? o.timings?.totalMs : undefined;
    const inMaintenance = r.state.status === "maintenance";
    const { state, effects } = advance(r.state, o, policyOf(r.monitor));
    if (quiet && o.health === "up" && !effects.length && state.status === r.state.status) r.state = state;
    else {
      this.writer.add({ results: [resultRecord(r.seq, o)] });
      this.step(r, state, effects, o);
    }
    for (const l of this.observationListeners) l(o, r.monitor, state.status);
    // Maintenance time is left out of uptime: neither a check nor a failure is counted.
    if (inMaintenance) return;
    const down = state.status === "down" && prevAt !== undefined ? Math.min(o.at - prevAt, 2 * r.monitor.settings.intervalMs) : 0;
    this.writer.sample(r.seq, o.at, { health: o.health, ...(o.health !== "down" && o.timings ? { latencyMs: o.timings.totalMs } : {}), downMs: Math.max(0, down) });
  }

  private async prune(retention: Retention): Promise<void> {
    // Small batches: pruning never holds the writer for long. Rounds go on while they find a full
    // batch, up to a time budget a minute, so that pruning keeps pace with what arrives (100,000
    // monitors at 60 s write 100,000 results a minute) without taking the event loop.
    const until = performance.now() + PRUNE_BUDGET_MS;
    for (let i = 0; i < PRUNE_MAX_ROUNDS && performance.now() < until; i++) {
      const n = await this.o.store.prune(this.now(), retention, PRUNE_BATCH);
      if (n < PRUNE_BATCH) return;
      // SQLite's calls block: let checks and requests waiting on the event loop run between rounds.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Current state of every monitor. */
  states(): MonitorState[] {
    return [...this.monitors.values()].map((r) => r.state);
  }

  /** Counters for health endpoints and benchmarks. */
  stats() {
    return { probeThreads: this.pool?.size ?? 0, monitors: this.monitors.size, deadlines: this.scheduler.deadlineCount, running: this.scheduler.running, concurrency: this.scheduler.concurrency, backlog: this.scheduler.backlog, checks: this.checks, commits: this.writer.commits, pendingWrites: this.writer.size, lateness: this.lateness.summary() };
  }

  /** Stops scheduling, lets checks finish (aborting them after `graceMs`), flushes, carries out effects. */
  async stop(graceMs = 1200): Promise<void> {
    const abort = setTimeout(() => this.shutdown.abort(new Error("shutting down")), graceMs);
    await this.scheduler.stop(graceMs + 200);
    this.heartbeats.flushTracks();
    clearTimeout(abort);
    this.shutdown.abort(new Error("shutting down"));
    await this.pool?.close();
    await this.writer.close();
    await this.effects.drain();
  }
}
