/**
 * Batches writes: results, states, incidents, outbox entries and rollups gathered over a short
 * window are committed in one transaction (one writer, as SQLite wants), and the effects are
 * handed on only after that commit. A failed commit is retried with everything kept in order.
 *
 * Rollups are built in memory and written whole, on their own slower cadence (`rollupFlushMs`):
 * a monitor checked or pinged many times a second has its minute, hour and day rows rewritten
 * once per window, not on every commit. A finished bucket is written with the next commit, and
 * whoever awaits `durable()` gets the rollups committed too. A crash loses at most the last
 * window of rollup counts; the result and ping rows themselves are committed as before.
 */
import type { Logger } from "pino";
import { errorMessage } from "../lib/errors.ts";
import { addSample, bucketStart, type OpenRollup, openRollup, ROLLUP_SIZES, type RollupSample, rollupRow } from "../store/rollups.ts";
import { sketchDecode } from "../store/sketch.ts";
import { emptyBatch, type OutboxRecord, type RollupRecord, type RollupSize, type Store, StoreBusyError, type WriteBatch } from "../store/types.ts";

/** Longest wait before a commit that someone awaits (`durable()`). */
const DURABLE_FLUSH_MS = 1;
/** Default longest wait of a changed open rollup before it is written (ms). */
export const ROLLUP_FLUSH_MS = 2000;
/**
 * Open rollups written per commit unless someone awaits them. SQLite commits on the main thread,
 * so this bounds how long one commit holds the event loop: at 100,000 monitors (60 s) about
 * 10,000 open rollups come due every window, and commits of 5,000 took 90-170 ms each, delaying
 * the scheduler by as much. Commits of 1,000 take about a fifth of that.
 */
export const ROLLUPS_PER_COMMIT = 1000;
/** Wait before trying again a commit that found the database busy (ms). */
const BUSY_RETRY_MS = 10;
/** How long the database may stay busy before the log says so (ms). */
const BUSY_WARN_MS = 5000;
/** Wait before the next commit while open rollups are still due (ms): the event loop runs between. */
const ROLLUP_CHUNK_GAP_MS = 5;


function isEmpty(b: WriteBatch): boolean {
  for (const v of Object.values(b) as unknown[][]) if (v.length) return false;
  return true;
}

/** Options of the writer. */
export interface WriterOptions {
  /** Where to write. */
  store: Store;
  /** Longest a write waits for its batch (ms). */
  flushMs: number;
  /** Entries that trigger a flush before the window ends. */
  maxBatch: number;
  /** Log. */
  log: Logger;
  /** Called after a commit with the outbox entries it made durable, with their ids. */
  onCommitted?: (entries: Array<{ id: number; record: OutboxRecord }>) => void;
  /** Results kept in memory at most while the database refuses writes (the oldest go first). */
  maxPendingResults?: number;
  /** Longest a changed open rollup waits before it is written (ms; default `ROLLUP_FLUSH_MS`). */
  rollupFlushMs?: number;
  /** Open rollups per commit unless awaited (default `ROLLUPS_PER_COMMIT`). */
  maxRollupsPerCommit?: number;
}

interface Open {
  size: RollupSize;
  acc: OpenRollup;
  dirty: boolean;
}

/** The batching writer. */
export class BatchWriter {
  private pending = emptyBatch();
  /** Rows in `pending`. */
  private rowCount = 0;
  private dirty = 0;
  /** The open rollup of each size, by monitor seq. */
  private readonly open: Record<RollupSize, Map<number, Open>> = { minute: new Map(), hour: new Map(), day: new Map() };
  /** The open rollups changed since they were last written (a flush looks at these only, not at every open one). */
  private readonly changed = new Set<Open>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private waiters: Array<() => void> = [];
  /** Waiters that need the rollups committed too (not only the rows they added). */
  private rollupWaiters = 0;
  private retryMs = 0;
  private closed = false;
  /** Results dropped because the database refused writes for too long. */
  droppedResults = 0;
  /** Commits done. */
  commits = 0;
  /** Commits that found the database busy and were tried again. */
  busyRetries = 0;
  /** When the current run of busy commits began (0: none). */
  private busySince = 0;
  /** The run of busy commits last warned about. */
  private busyWarnedFor = 0;

  private readonly rollupFlushMs: number;

  /** Creates a writer; nothing is written until entries are added. */
  constructor(private readonly o: WriterOptions) {
    this.rollupFlushMs = o.rollupFlushMs ?? ROLLUP_FLUSH_MS;
  }

  /** Starts the open buckets from what is stored, so a restart mid-hour adds to the hour's row. */
  preload(rows: Array<{ size: RollupSize; row: RollupRecord }>): void {
    for (const { size, row } of rows) this.open[size].set(row.seq, { size, acc: { row: { ...row }, sketch: sketchDecode(row.sketch) }, dirty: false });
  }

  /** Queues entries for the next transaction. */
  add(part: Partial<WriteBatch>): void {
    for (const k of Object.keys(part) as Array<keyof WriteBatch>) {
      const items = part[k] as unknown[] | undefined;
      if (!items?.length) continue;
      for (const item of items) (this.pending[k] as unknown[]).push(item);
      this.rowCount += items.length;
    }
    this.schedule();
  }

  /** Adds a result to the minute, hour and day rollups of its monitor. */
  sample(seq: number, at: number, s: RollupSample): void {
    for (const size of ROLLUP_SIZES) {
      const bucket = bucketStart(size, at);
      const bySeq = this.open[size];
      let cur = bySeq.get(seq);
      if (!cur || cur.acc.row.bucket !== bucket) {
        if (cur) this.writeNow(cur);
        cur = { size, acc: openRollup(seq, bucket), dirty: false };
        bySeq.set(seq, cur);
      }
      addSample(cur.acc, s);
      if (!cur.dirty) {
        this.dirty++;
        this.changed.add(cur);
        cur.dirty = true;
      }
    }
    this.schedule();
  }

  /** Queues a closing rollup for the next commit if it has changes not yet written. */
  private writeNow(cur: Open): void {
    this.changed.delete(cur);
    if (!cur.dirty) return;
    this.pending.rollups.push({ size: cur.size, row: rollupRow(cur.acc), merge: false });
    this.rowCount++;
    cur.dirty = false;
    this.dirty--;
  }

  /** Drops the open rollups of a monitor that is gone (after their last write). */
  forget(seq: number): void {
    for (const size of ROLLUP_SIZES) {
      const cur = this.open[size].get(seq);
      if (!cur) continue;
      this.writeNow(cur);
      this.open[size].delete(seq);
    }
    this.schedule();
  }

  /** Entries waiting for the next transaction. */
  get size(): number {
    return this.dirty + this.rows;
  }

  /** Rows waiting (everything but the open rollups). */
  private get rows(): number {
    return this.rowCount;
  }

  /**
   * Resolves once everything added so far is committed, rollups included. With `rowsOnly`, once
   * the rows added so far are (the open rollups may follow up to `rollupFlushMs` later): what an
   * HTTP ping waits for before its OK, as the rollups are derived and rewritten whole.
   */
  durable(o: { rowsOnly?: boolean } = {}): Promise<void> {
    if ((o.rowsOnly ? this.rows : this.size) === 0 && !this.inFlight) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      if (!o.rowsOnly) this.rollupWaiters++;
      this.schedule();
    });
  }

  private timerAt = 0;
  /** When the open rollups were last written. */
  private rollupsAt = 0;

  private schedule(): void {
    if (this.inFlight) return;
    const rows = this.rows;
    if (!rows && !this.dirty && !this.waiters.length) return;
    const full = !this.retryMs && rows >= this.o.maxBatch;
    // Someone waits for durability (an HTTP ping before its OK): commit almost at once. What
    // arrives while that commit runs shares the next one, so throughput holds under load. Open
    // rollups alone wait for their own window; due ones left by the last commit go in the next one
    // soon, not after a whole `flushMs`.
    const rollupsIn = Math.max(0, this.rollupsAt + this.rollupFlushMs - Date.now()) || (this.changed.size ? ROLLUP_CHUNK_GAP_MS : 0);
    const idle = rows ? Math.min(this.o.flushMs, rollupsIn || this.o.flushMs) : rollupsIn;
    const ms = this.retryMs || (full ? 0 : this.waiters.length ? DURABLE_FLUSH_MS : idle);
    if (this.timer && this.timerAt <= Date.now() + ms) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = Date.now() + ms;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush(false);
    }, ms);
  }

  /**
   * Commits what is queued now (waits for a commit in progress first); `rollups` false: the open
   * rollups only if their window is up (the writer's own timer).
   */
  async flush(rollups = true): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.inFlight) await this.inFlight;
    if (this.size === 0) {
      this.release(this.waiters.splice(0));
      return;
    }
    const waiters = this.waiters.splice(0);
    const wantRollups = rollups || this.rollupWaiters > 0;
    this.rollupWaiters = 0;
    const batch = this.take(wantRollups);
    if (isEmpty(batch)) {
      this.release(waiters);
      this.schedule();
      return;
    }
    this.inFlight = this.commit(batch, waiters);
    await this.inFlight;
    this.inFlight = undefined;
    this.schedule();
  }

  private take(wantRollups: boolean): WriteBatch {
    const batch = this.pending;
    this.pending = emptyBatch();
    this.rowCount = 0;
    // The open rollups are written once their window is up, or when someone awaits them. A busy
    // monitor's three rows are then rewritten once a window instead of on every commit.
    if (!wantRollups && !this.closed && Date.now() - this.rollupsAt < this.rollupFlushMs) return batch;
    // At most `maxRollupsPerCommit` of them per commit (unless awaited), so that writing them never
    // holds the event loop for long; the rest stay due and go with the commits right after.
    const max = wantRollups || this.closed ? Infinity : (this.o.maxRollupsPerCommit ?? ROLLUPS_PER_COMMIT);
    let n = 0;
    for (const cur of this.changed) {
      if (n >= max) break;
      this.changed.delete(cur);
      if (!cur.dirty) continue;
      batch.rollups.push({ size: cur.size, row: rollupRow(cur.acc), merge: false });
      cur.dirty = false;
      this.dirty--;
      n++;
    }
    if (!this.changed.size) this.rollupsAt = Date.now();
    return batch;
  }

  private async commit(batch: WriteBatch, waiters: Array<() => void>): Promise<void> {
    try {
      const ids = await this.o.store.commit(batch);
      this.commits++;
      this.retryMs = 0;
      this.busySince = 0;
      this.release(waiters);
      if (ids.length && this.o.onCommitted) this.o.onCommitted(ids.map((id, i) => ({ id, record: batch.outbox[i] as OutboxRecord })));
    } catch (err) {
      if (err instanceof StoreBusyError) return this.busy(err, batch, waiters);
      this.busySince = 0;
      this.retryMs = Math.min(30_000, Math.max(500, this.retryMs * 2));
      this.o.log.error({ err: errorMessage(err), retryInMs: this.retryMs, results: batch.results.length }, "database write failed; will retry");
      this.requeue(batch, waiters);
    }
  }

  /**
   * Another connection held the database for a moment (SQLite's checkpointer restarting the log)
   * and nothing was written: the batch goes back and is tried again in `BUSY_RETRY_MS`, while the
   * event loop goes on scheduling checks. Said once if it lasts.
   */
  private busy(err: StoreBusyError, batch: WriteBatch, waiters: Array<() => void>): void {
    this.busyRetries++;
    const now = Date.now();
    if (!this.busySince) this.busySince = now;
    else if (now - this.busySince >= BUSY_WARN_MS && this.busySince > this.busyWarnedFor) {
      this.busyWarnedFor = this.busySince;
      this.o.log.warn({ err: errorMessage(err), forMs: now - this.busySince }, "database busy; writes are waiting");
    }
    this.retryMs = BUSY_RETRY_MS;
    this.requeue(batch, waiters);
  }

  /** Puts a failed batch back in front of what came since, so order is kept. */
  private requeue(batch: WriteBatch, waiters: Array<() => void>): void {
    const next = this.pending;
    for (const k of Object.keys(batch) as Array<keyof WriteBatch>) for (const item of next[k] as unknown[]) (batch[k] as unknown[]).push(item);
    const max = this.o.maxPendingResults ?? 200_000;
    if (batch.results.length > max) {
      this.droppedResults += batch.results.length - max;
      batch.results.splice(0, batch.results.length - max);
    }
    this.pending = batch;
    let n = 0;
    for (const v of Object.values(batch) as unknown[][]) n += v.length;
    this.rowCount = n;
    this.waiters.unshift(...waiters);
    // Which of them wanted the rollups is not kept: the retry writes everything.
    this.rollupWaiters += waiters.length;
  }

  private release(waiters: Array<() => void>): void {
    for (const w of waiters) w();
  }

  /** Flushes everything, retrying a refused commit for up to `graceMs`; what still fails is logged. */
  async close(graceMs = 1000): Promise<void> {
    this.closed = true;
    const deadline = Date.now() + graceMs;
    do {
      this.retryMs = 0;
      await this.flush();
      while (this.inFlight) await this.inFlight;
      if (this.size === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    } while (Date.now() < deadline);
    this.o.log.error({ pending: this.size }, "stopping with writes the database refused");
  }
}
