/**
 * Probe threads: the engine's checks run in worker threads, so that connecting, speaking HTTP
 * and collecting the garbage they leave never hold the main thread, which only schedules, runs
 * the state machine and stores. Each monitor always goes to the same thread (by a hash of its
 * id), which keeps the part of its definition a run reads (`runnable`): a run sends only the id,
 * and that part again only when the definition changed.
 */
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import type { Logger } from "pino";
import type { Monitor } from "../config/model.ts";
import type { Observation } from "../core/types.ts";
import { PROBE_THREAD_YOUNG_GENERATION_MB } from "../lib/heap.ts";
import { spawnModuleWorker } from "../lib/module-worker.ts";
import { runnable, type RunnableMonitor } from "./run.ts";
import { phaseOffset } from "../scheduler/scheduler.ts";

/** Messages to a probe thread. */
export type ToProbeThread = { type: "run"; n: number; id: string; monitor?: RunnableMonitor } | { type: "forget"; id: string } | { type: "abort" };
/** Messages from a probe thread. */
export type FromProbeThread = { n: number; observation: Observation } | { n: number; error: string };
/** What a probe thread is started with. */
export interface ProbeThreadData {
  /** Region recorded with observations. */
  region: string;
}

/**
 * Threads by default: one per core but one (the main thread keeps a core for scheduling, storing
 * and serving), at least one, at most four. A check costs a fraction of a millisecond of CPU, so
 * four threads carry far more checks than one machine's sockets and targets allow.
 */
export function defaultProbeThreads(cores = availableParallelism()): number {
  return Math.max(1, Math.min(4, cores - 1));
}

interface Pending {
  resolve: (o: Observation) => void;
  reject: (e: Error) => void;
}

/** One thread and what it holds. */
interface Lane {
  worker?: Worker;
  /** The definition each monitor id was last sent with (compared by identity: the engine replaces a changed monitor's object). */
  known: Map<string, Monitor>;
  pending: Map<number, Pending>;
}

/** Options of a pool. */
export interface ProbePoolOptions {
  /** Threads (at least 1). */
  threads: number;
  /** Region recorded with observations. */
  region: string;
  /** Where a thread's failure is reported. */
  log: Logger;
}

/** Runs checks in worker threads. Threads start on first use, and again after one stopped. */
export class ProbePool {
  private readonly lanes: Lane[];
  private next = 1;
  private aborted = false;

  /** Creates the pool; no thread starts until a check runs. */
  constructor(private readonly o: ProbePoolOptions) {
    if (!Number.isInteger(o.threads) || o.threads < 1) throw new Error(`probe threads must be a whole number of at least 1, got ${String(o.threads)}`);
    this.lanes = Array.from({ length: o.threads }, () => ({ known: new Map(), pending: new Map() }));
  }

  /** Threads in the pool. */
  get size(): number {
    return this.lanes.length;
  }

  /** Runs in flight across the threads. */
  get inFlight(): number {
    return this.lanes.reduce((n, l) => n + l.pending.size, 0);
  }

  /** The running threads (diagnostics and tests). */
  get workers(): Worker[] {
    return this.lanes.flatMap((l) => (l.worker ? [l.worker] : []));
  }

  /** Runs a monitor's check (with its retries) in its thread; rejects only when the thread itself failed. */
  run(monitor: Monitor): Promise<Observation> {
    const lane = this.lanes[phaseOffset(monitor.id, this.lanes.length)] as Lane;
    const worker = lane.worker ?? this.spawn(lane);
    const n = this.next++;
    const fresh = lane.known.get(monitor.id) !== monitor;
    const msg: ToProbeThread = fresh ? { type: "run", n, id: monitor.id, monitor: runnable(monitor) } : { type: "run", n, id: monitor.id };
    return new Promise<Observation>((resolve, reject) => {
      try {
        worker.postMessage(msg);
      } catch (e) {
        reject(new Error(`the check's definition cannot be sent to a probe thread: ${e instanceof Error ? e.message : String(e)}`));
        return;
      }
      if (fresh) lane.known.set(monitor.id, monitor);
      lane.pending.set(n, { resolve, reject });
    });
  }

  /** Drops a removed monitor's definition from its thread. */
  forget(id: string): void {
    const lane = this.lanes[phaseOffset(id, this.lanes.length)] as Lane;
    if (!lane.known.delete(id)) return;
    lane.worker?.postMessage({ type: "forget", id } satisfies ToProbeThread);
  }

  /** Cuts every check in flight short (shutdown): each ends at once with an observation that says so. */
  abort(): void {
    this.aborted = true;
    for (const l of this.lanes) l.worker?.postMessage({ type: "abort" } satisfies ToProbeThread);
  }

  /** Stops the threads; runs still in flight reject. */
  async close(): Promise<void> {
    this.aborted = true;
    await Promise.all(this.lanes.flatMap((l) => (l.worker ? [l.worker.terminate()] : [])));
  }

  private spawn(lane: Lane): Worker {
    if (this.aborted) throw new Error("the probe threads are stopping");
    const worker = spawnModuleWorker(import.meta.url, "probe-worker", { region: this.o.region } satisfies ProbeThreadData, { maxYoungGenerationSizeMb: PROBE_THREAD_YOUNG_GENERATION_MB });
    lane.worker = worker;
    lane.known = new Map();
    // Checks in flight keep the process alive through the scheduler's timers, not through the threads.
    worker.unref();
    worker.on("message", (m: FromProbeThread) => {
      const p = lane.pending.get(m.n);
      if (!p) return;
      lane.pending.delete(m.n);
      if ("error" in m) p.reject(new Error(m.error));
      else p.resolve(m.observation);
    });
    worker.on("error", (e) => this.o.log.error({ err: e.message }, "a probe thread failed; its checks in flight are lost and it starts again on the next check"));
    worker.on("exit", (code) => {
      if (lane.worker === worker) delete lane.worker;
      const lost = [...lane.pending.values()];
      lane.pending.clear();
      for (const p of lost) p.reject(new Error(`the probe thread stopped (exit code ${String(code)}) before the check ended`));
    });
    return worker;
  }
}
