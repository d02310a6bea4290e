/**
 * The engine: scheduler → probe → observation → state machine → one transaction (result, state,
 * incidents, outbox) → effects after commit. State and open incidents are loaded at start, so a
 * restart never re-opens, re-alerts or forgets an incident. `apply` takes a new configuration
 * and changes only the monitors that changed.
 */
import { setMaxListeners } from "node:events";
import type { Logger } from "pino";
import type { Monitor, UpbeatConfig } from "../config/model.ts";
import { advance, type Effect, initialState, type MonitorState, pause, remove, resume, type StatePolicy } from "../core/monitor-state.ts";
import type { Observation } from "../core/types.ts";
import { errorMessage } from "../lib/errors.ts";
import { runCheck } from "../probes/run.ts";
import type { ProbeRegistry } from "../probes/types.ts";
import { Scheduler, type SchedulerClock } from "../scheduler/scheduler.ts";
import { bucketStart, ROLLUP_SIZES } from "../store/rollups.ts";
import { DEFAULT_RETENTION, type Retention, type Store } from "../store/types.ts";
import { EffectDispatcher, type EffectHandler, logEffects } from "./effects.ts";
import { LatenessWindow } from "./lateness.ts";
import { reconcileCupcake } from "./cupcake-active.ts";
import { effectWrites, monitorRecord, resultRecord, stateWrite } from "./records.ts";
import { BatchWriter } from "./writer.ts";

/** What the engine needs. */
export interface EngineOptions {
  /** Where state and history live. */
  store: Store;
  /** Probes by kind. */
  probes: ProbeRegistry;
  /** Log. */
  log: Logger;
  /** Checks running at once at most. */
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
}

interface Running {
  monitor: Monitor;
  seq: number;
  state: MonitorState;
  definition: string;
  lastAt?: number;
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
  /** Checks completed. */
  checks = 0;

  private constructor(private readonly o: EngineOptions) {
    this.now = o.clock?.now ?? Date.now;
    // Every check in flight listens on the one shutdown signal (and removes itself after).
    setMaxListeners(0, this.shutdown.signal);
    this.effects = new EffectDispatcher(o.store, o.effects ?? logEffects(o.log), o.log);
    this.writer = new BatchWriter({ store: o.store, flushMs: o.flushMs ?? 200, maxBatch: 5000, log: o.log, onCommitted: (e) => this.effects.dispatch(e) });
    this.scheduler = new Scheduler({
      concurrency: o.concurrency ?? 256,
      ...(o.clock ? { clock: o.clock } : {}),
      onLateness: (id, ms) => {
        if (!id.startsWith("upbeat:")) this.lateness.add(ms);
      },
      onError: (id, err) => o.log.error({ monitor: id, err: errorMessage(err) }, "check run failed"),
    });
  }

  /** Loads state, continues open rollups, re-dispatches pending effects and starts checking. */
  static async start(config: UpbeatConfig, o: EngineOptions): Promise<Engine> {
    const e = new Engine(o);
    const now = e.now();
    for (const size of ROLLUP_SIZES) e.writer.preload((await o.store.rollupsAt(size, bucketStart(size, now))).map((row) => ({ size, row })));
    await e.apply(config);
    const pending = await e.effects.resumePending();
    if (pending) o.log.info({ pending }, "carrying out effects left pending by the previous run");
    const retention = o.retention ?? DEFAULT_RETENTION;
    e.scheduler.add("upbeat:prune", 60_000, () => e.prune(retention));
    return e;
  }

  /** Applies a configuration: adds, changes and removes monitors; others keep running untouched. */
  async apply(config: UpbeatConfig): Promise<ApplySummary> {
    const at = this.now();
    const summary: ApplySummary = { added: 0, changed: 0, removed: 0, unchanged: 0 };
    const records = config.monitors.map(monitorRecord);
    const seqs = await this.o.store.syncMonitors(records, at);
    const stored = this.started ? new Map<string, MonitorState>() : new Map((await this.o.store.loadStates()).map((s) => [s.monitorId, s.state]));
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
    for (const [id, r] of this.monitors) if (!wanted.has(id)) this.retire(id, r, at, summary);
    this.started = true;
    return summary;
  }

  /** Schedules (or pauses) a monitor after it was added or changed. */
  private place(id: string, at: number): void {
    const r = this.monitors.get(id) as Running;
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
    this.scheduler.add(id, r.monitor.settings.intervalMs, () => this.run(id));
  }

  private retire(id: string, r: Running, at: number, summary: ApplySummary): void {
    summary.removed++;
    this.scheduler.remove(id);
    const s = remove(r.state, at);
    this.step(r, s.state, s.effects);
    this.writer.forget(r.seq);
    this.monitors.delete(id);
  }

  private step(r: Running, state: MonitorState, effects: Effect[], o?: Observation): void {
    r.state = state;
    this.writer.add({ states: [stateWrite(r.seq, state, o)], ...effectWrites(r.monitor, r.seq, effects) });
  }

  private async run(id: string): Promise<void> {
    const r = this.monitors.get(id);
    if (!r) return;
    const o = await runCheck(r.monitor, { probes: this.o.probes, signal: this.shutdown.signal, now: this.now, region: this.o.region ?? "local" });
    // A check cut short by shutdown says nothing about the target.
    if (this.shutdown.signal.aborted) return;
    this.observe(o);
  }

  /** Takes one observation of a monitor (probes, and later heartbeats and agents). */
  observe(o: Observation): void {
    const r = this.monitors.get(o.monitorId);
    if (!r) return;
    this.checks++;
    const prevAt = r.lastAt;
    r.lastAt = o.at;
    const { state, effects } = advance(r.state, o, policyOf(r.monitor));
    this.writer.add({ results: [resultRecord(r.seq, o)] });
    this.step(r, state, effects, o);
    const down = state.status === "down" && prevAt !== undefined ? Math.min(o.at - prevAt, 2 * r.monitor.settings.intervalMs) : 0;
    this.writer.sample(r.seq, o.at, { health: o.health, ...(o.health !== "down" && o.timings ? { latencyMs: o.timings.totalMs } : {}), downMs: Math.max(0, down) });
  }

  private async prune(retention: Retention): Promise<void> {
    // Small batches, a few per minute: pruning never holds the writer for long.
    for (let i = 0; i < 20; i++) {
      const n = await this.o.store.prune(this.now(), retention, 2000);
      if (n < 2000) return;
    }
  }

  /** Current state of every monitor. */
  states(): MonitorState[] {
    return [...this.monitors.values()].map((r) => r.state);
  }

  /** Counters for health endpoints and benchmarks. */
  stats() {
    return { monitors: this.monitors.size, running: this.scheduler.running, backlog: this.scheduler.backlog, checks: this.checks, commits: this.writer.commits, pendingWrites: this.writer.size, lateness: this.lateness.summary() };
  }

  /** Stops scheduling, lets checks finish (aborting them after `graceMs`), flushes, carries out effects. */
  async stop(graceMs = 1200): Promise<void> {
    const abort = setTimeout(() => this.shutdown.abort(new Error("shutting down")), graceMs);
    await this.scheduler.stop(graceMs + 200);
    clearTimeout(abort);
    this.shutdown.abort(new Error("shutting down"));
    await this.writer.close();
    await this.effects.drain();
  }
}
