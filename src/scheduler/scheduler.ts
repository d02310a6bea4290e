/**
 * One timer structure for every periodic deadline in the process (probe intervals now; heartbeat
 * expiries, digests and maintenance windows later): a min-heap of due times and a single armed
 * timer, never one setTimeout per job. Jobs run on a fixed grid (no drift), never overlap
 * themselves, and wait in a queue under a global concurrency cap; how late each start was is
 * reported.
 */
import { type HeapItem, MinHeap } from "./heap.ts";

/** The clock and timer the scheduler uses (a fake one in tests). */
export interface SchedulerClock {
  /** Epoch ms now. */
  now(): number;
  /** Arms a one-shot timer. */
  setTimer(fn: () => void, ms: number): unknown;
  /** Disarms it. */
  clearTimer(handle: unknown): void;
}

/** The real clock. */
export const systemClock: SchedulerClock = {
  now: Date.now,
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** What a job does each period, given the time it was due. It must not throw; a rejection is reported and the job goes on. */
export type JobRun = (dueAt: number) => Promise<void>;

/** Options of the scheduler. */
export interface SchedulerOptions {
  /** Jobs running at once at most. */
  concurrency: number;
  /** Clock and timers. */
  clock?: SchedulerClock;
  /** Called with how late (ms) each run started after its due time. */
  onLateness?: (key: string, lateMs: number) => void;
  /** Called when a run was skipped because the previous one was still going. */
  onOverrun?: (key: string) => void;
  /** Called when a run rejected. */
  onError?: (key: string, err: unknown) => void;
}

interface Job extends HeapItem {
  id: string;
  /** 0 for a one-shot deadline. */
  intervalMs: number;
  run: JobRun;
  running: boolean;
  queued: boolean;
  removed: boolean;
  dueAt: number;
  /** Due time of the run waiting in the queue, for its lateness. */
  queuedDueAt: number;
}

/** A one-shot deadline: a callback at a time (heartbeat expiries, maintenance ends). */
interface Deadline extends HeapItem {
  id: string;
  fire: () => void;
  deadline: true;
}

/** A stable spread of first runs across the interval, from the key (the same after a reload). */
export function phaseOffset(key: string, intervalMs: number): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return (h >>> 0) % Math.max(1, intervalMs);
}

/** Schedules periodic jobs with one timer. */
export class Scheduler {
  private readonly heap = new MinHeap<Job | Deadline>();
  private readonly jobs = new Map<string, Job>();
  private readonly deadlines = new Map<string, Deadline>();
  /** Runs waiting for a slot, first in first out from `readyHead` (Array#shift moves every element: O(backlog) per start). */
  private ready: Job[] = [];
  private readyHead = 0;
  private readonly clock: SchedulerClock;
  private timer: unknown;
  private timerAt = Number.POSITIVE_INFINITY;
  private active = 0;
  private stopped = false;
  private readonly idle = new Set<() => void>();

  /** Creates a scheduler; nothing runs until jobs are added. */
  constructor(private readonly opts: SchedulerOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  /** Jobs known. */
  get size(): number {
    return this.jobs.size;
  }

  /** Runs that may be in flight at once. */
  get concurrency(): number {
    return this.opts.concurrency;
  }

  /** Runs due and waiting for a free slot. */
  get backlog(): number {
    return this.ready.length - this.readyHead;
  }

  /** Runs in progress. */
  get running(): number {
    return this.active;
  }

  /**
   * Adds or replaces a job. The first run falls on the job's own phase of the interval grid
   * (`phaseOffset`, or `phaseMs` when given), so a start-up or a reload spreads runs instead of
   * bursting them.
   */
  add(id: string, intervalMs: number, run: JobRun, phaseMs?: number): void {
    const old = this.jobs.get(id);
    if (old && old.intervalMs === intervalMs) {
      old.run = run;
      return;
    }
    if (old) this.remove(id);
    const now = this.clock.now();
    const grid = Math.floor(now / intervalMs) * intervalMs + ((phaseMs ?? phaseOffset(id, intervalMs)) % intervalMs);
    const dueAt = grid >= now ? grid : grid + intervalMs;
    const job: Job = { id, intervalMs, run, running: false, queued: false, removed: false, dueAt, queuedDueAt: dueAt, key: dueAt, index: -1 };
    this.jobs.set(id, job);
    this.heap.push(job);
    this.arm();
  }

  /** Deadlines armed. */
  get deadlineCount(): number {
    return this.deadlines.size;
  }

  /**
   * Arms (or moves) a one-shot deadline: `fire` runs once at `at`, synchronously and outside the
   * concurrency cap (it must be quick: it records a fact, it does not do I/O itself).
   */
  setDeadline(id: string, at: number, fire: () => void): void {
    const old = this.deadlines.get(id);
    if (old) {
      old.fire = fire;
      if (old.key === at) return;
      this.heap.remove(old);
      old.key = at;
      this.heap.push(old);
    } else {
      const d: Deadline = { id, fire, deadline: true, key: at, index: -1 };
      this.deadlines.set(id, d);
      this.heap.push(d);
    }
    this.arm();
  }

  /** Disarms a deadline (no-op when there is none). */
  clearDeadline(id: string): void {
    const d = this.deadlines.get(id);
    if (!d) return;
    this.deadlines.delete(id);
    this.heap.remove(d);
    this.arm();
  }

  /** Removes a job; a run in progress finishes but is not rescheduled. */
  remove(id: string): void {
    const job = this.jobs.get(id);
    if (!job) return;
    job.removed = true;
    this.jobs.delete(id);
    this.heap.remove(job);
    const q = job.queued ? this.ready.indexOf(job, this.readyHead) : -1;
    if (q >= 0) this.ready.splice(q, 1);
    this.arm();
  }

  /** Stops scheduling; resolves when runs in progress have ended (or after `graceMs`). */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.ready = [];
    this.readyHead = 0;
    if (this.active === 0) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, graceMs);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.idle.add(done);
    });
  }

  private arm(): void {
    if (this.stopped) return;
    const next = this.heap.peek();
    const at = next ? next.key : Number.POSITIVE_INFINITY;
    if (at === this.timerAt && this.timer !== undefined) return;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (!next) return;
    this.timer = this.clock.setTimer(() => this.fire(), Math.max(0, at - this.clock.now()));
  }

  private fire(): void {
    this.timer = undefined;
    const now = this.clock.now();
    for (let job = this.heap.peek(); job && job.key <= now; job = this.heap.peek()) {
      this.heap.pop();
      if ("deadline" in job) {
        this.deadlines.delete(job.id);
        try {
          job.fire();
        } catch (err) {
          this.opts.onError?.(job.id, err);
        }
        continue;
      }
      if (job.running || job.queued) this.opts.onOverrun?.(job.id);
      else {
        job.queued = true;
        job.queuedDueAt = job.dueAt;
        this.ready.push(job);
      }
      this.reschedule(job, now);
    }
    this.drain();
    this.arm();
  }

  /** Next due time on the job's grid, skipping periods already past (no drift, no catch-up burst). */
  private reschedule(job: Job, now: number): void {
    const behind = Math.floor((now - job.dueAt) / job.intervalMs) + 1;
    job.dueAt += behind * job.intervalMs;
    job.key = job.dueAt;
    this.heap.push(job);
  }

  private drain(): void {
    while (!this.stopped && this.active < this.opts.concurrency && this.readyHead < this.ready.length) {
      const job = this.ready[this.readyHead++] as Job;
      // Drop the consumed front now and then, in one move, rather than on every start.
      if (this.readyHead >= 4096 && this.readyHead * 2 >= this.ready.length) {
        this.ready = this.ready.slice(this.readyHead);
        this.readyHead = 0;
      }
      job.queued = false;
      this.opts.onLateness?.(job.id, Math.max(0, this.clock.now() - job.queuedDueAt));
      this.start(job);
    }
  }

  private start(job: Job): void {
    this.active++;
    job.running = true;
    job.run(job.queuedDueAt).then(
      () => this.finish(job),
      (err: unknown) => {
        this.opts.onError?.(job.id, err);
        this.finish(job);
      },
    );
  }

  private finish(job: Job): void {
    job.running = false;
    this.active--;
    if (this.active === 0) for (const f of this.idle) f();
    this.drain();
  }
}
