/**
 * The first check of each submitted target, run at once rather than at the target's place on
 * the 300 s grid: `workers` checks at a time, `capacity` more waiting; past that the feeder of a
 * submission waits for room (as the original's producer blocked on its full queue), though the
 * answer to the submission does not. This is what
 * `POST /status/queue` tunes (`worker_thread`, `queue_size`); the periodic checks afterwards run
 * in Upbeat's scheduler under its global concurrency cap, which this does not change.
 */

/** How the queue has been busy: `start`/`end` of the last busy spell (epoch ms; end absent while busy). */
export interface QueueTimes {
  /** When the queue last went from idle to busy. */
  startedAt?: number;
  /** When it last went idle again. */
  endedAt?: number;
  /** Whether checks are running or waiting now. */
  busy: boolean;
}

type Job = () => Promise<void>;

/** A small bounded work queue. */
export class FirstChecks {
  private readonly waiting: Job[] = [];
  private readonly rooms: Array<() => void> = [];
  private running = 0;
  private startedAt: number | undefined;
  private endedAt: number | undefined;
  private stopped = false;

  /** A queue of `workers` × `capacity`. */
  constructor(
    private workers: number,
    private capacity: number,
    private readonly now: () => number = Date.now,
    private readonly onError: (e: unknown) => void = () => {},
  ) {}

  /** Changes the sizes; waiting submissions get room at once when there is more of it. */
  resize(workers: number, capacity: number): void {
    this.workers = workers;
    this.capacity = capacity;
    this.pump();
  }

  /** The sizes in force. */
  get sizes(): { workers: number; capacity: number } {
    return { workers: this.workers, capacity: this.capacity };
  }

  /** Queues a job; resolves once it is queued (after waiting for room when the queue is full), not when it has run. */
  async put(job: Job): Promise<void> {
    while (!this.stopped && this.waiting.length >= this.capacity) await new Promise<void>((r) => this.rooms.push(r));
    if (this.stopped) return;
    if (!this.running && !this.waiting.length) {
      this.startedAt = this.now();
      this.endedAt = undefined;
    }
    this.waiting.push(job);
    this.pump();
  }

  /** Timing and state, for `GET /status/queue`. */
  times(): QueueTimes {
    return { busy: this.running > 0 || this.waiting.length > 0, ...(this.startedAt !== undefined ? { startedAt: this.startedAt } : {}), ...(this.endedAt !== undefined ? { endedAt: this.endedAt } : {}) };
  }

  /** Drops what waits and lets submissions waiting for room go (shutdown). */
  stop(): void {
    this.stopped = true;
    this.waiting.length = 0;
    for (const r of this.rooms.splice(0)) r();
  }

  private pump(): void {
    while (!this.stopped && this.running < this.workers && this.waiting.length) {
      const job = this.waiting.shift() as Job;
      this.running++;
      void job()
        .catch(this.onError)
        .finally(() => {
          this.running--;
          if (!this.running && !this.waiting.length) this.endedAt = this.now();
          this.pump();
        });
    }
    while (this.rooms.length && this.waiting.length < this.capacity) this.rooms.shift()?.();
  }
}
