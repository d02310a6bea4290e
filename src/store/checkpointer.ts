/**
 * Moves SQLite's WAL checkpoints off the event loop. With many monitors each commit dirties
 * pages all over the state, rollup and index trees; SQLite's automatic checkpoint then copies
 * them back into the database file inside the commit that crosses its threshold, and that was
 * about half the time of every commit, on the event loop. A worker thread with its own
 * connection checkpoints instead. The writer keeps a far larger automatic threshold as a
 * fallback, should the worker ever fall behind or stop.
 */
import type BetterSqlite3 from "better-sqlite3";
import type { Logger } from "pino";
import { spawnModuleWorker } from "../lib/module-worker.ts";

/**
 * How often the worker checkpoints (ms). The log restarts from its beginning only after a
 * checkpoint has copied all of it, so the worker keeps close behind the commits: at 500 ms it
 * fell behind at 100,000 monitors and the log passed the fallback threshold.
 */
export const CHECKPOINT_INTERVAL_MS = 100;
/**
 * The writer's own automatic checkpoint, as a fallback (pages of the log, 256 MiB; SQLite's
 * default is 1,000). Crossing it means a checkpoint on the event loop, a stall of hundreds of ms.
 */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 65_536;
/**
 * The log's size past which the worker starts it again (pages, 64 MiB). A log starts again from
 * its beginning only when a writer finds it all copied back, which never happens while commits
 * follow each other faster than a checkpoint copies them (a bulk import, a month of history
 * written in one go, HTTP pings without a pause): then PASSIVE checkpoints alone let it grow up to
 * the fallback threshold, and SQLite never gives that space back. Past this size the worker waits
 * its turn for the write lock, copies the little that is left and restarts the log; the writer
 * waits for that copy, once per 64 MiB of log.
 */
export const RESTART_AT_PAGES = 16_384;
/** What the file of a log that starts again is cut back to (bytes; the writer's `journal_size_limit`). */
export const JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/** What the worker is given. */
export interface CheckpointerData {
  file: string;
  intervalMs: number;
  /** The log's size (pages) past which a checkpoint also starts it again. */
  restartAtPages: number;
}

/** Messages from the worker. */
export type FromCheckpointer = { type: "ready" } | { type: "error"; message: string } | ({ type: "closed" } & CheckpointerTotals);
/** What a checkpointer did in its life. */
export interface CheckpointerTotals {
  /** Checkpoints run. */
  runs: number;
  /** Pages of log copied back into the database file. */
  frames: number;
  /** Times the log was started again because it had grown past `restartAtPages`. */
  restarts: number;
}
/** Messages to the worker. */
export type ToCheckpointer = { type: "close" };

/** A running checkpointer. */
export interface Checkpointer {
  /** Checkpoints what is left, closes the worker's connection and ends the thread. */
  close(): Promise<CheckpointerTotals>;
}

/** Starts checkpointing `file` in a worker; the writer's connection `sqlite` keeps only the fallback. */
export async function startCheckpointer(sqlite: BetterSqlite3.Database, file: string, log?: Logger, intervalMs = CHECKPOINT_INTERVAL_MS, restartAtPages = RESTART_AT_PAGES): Promise<Checkpointer> {
  const worker = spawnModuleWorker(import.meta.url, "checkpointer-worker", { file, intervalMs, restartAtPages } satisfies CheckpointerData);
  let lastError = "";
  let closed: ((r: CheckpointerTotals) => void) | undefined;
  const done = new Promise<CheckpointerTotals>((resolve) => (closed = resolve));
  await new Promise<void>((resolve, reject) => {
    worker.once("error", reject);
    worker.on("message", (m: FromCheckpointer) => {
      if (m.type === "ready") resolve();
      else if (m.type === "closed") closed?.({ runs: m.runs, frames: m.frames, restarts: m.restarts });
      // Logged once per new message: a checkpoint refused every 500 ms must not flood the log.
      else if (m.message !== lastError) {
        lastError = m.message;
        log?.warn({ err: m.message }, "SQLite checkpoint failed; the writer's own checkpoints take over");
      }
    });
  });
  worker.on("error", (e) => {
    log?.error({ err: e.message }, "SQLite checkpointer stopped; the writer's own checkpoints take over");
    // Back to SQLite's default threshold, unless the store is already closed.
    try {
      sqlite.pragma("wal_autocheckpoint = 1000");
    } catch {
      // Closed: nothing left to checkpoint.
    }
  });
  worker.on("exit", () => closed?.({ runs: 0, frames: 0, restarts: 0 }));
  // A store left open must not keep the process alive, as a plain SQLite connection would not.
  worker.unref();
  sqlite.pragma(`wal_autocheckpoint = ${String(FALLBACK_AUTOCHECKPOINT_PAGES)}`);
  // When the log starts again (the worker's RESTART, or the fallback), its file is cut back.
  sqlite.pragma(`journal_size_limit = ${String(JOURNAL_SIZE_LIMIT_BYTES)}`);
  return {
    close: async () => {
      // Held again while it finishes, so that the process waits for the last checkpoint.
      worker.ref();
      worker.postMessage({ type: "close" } satisfies ToCheckpointer);
      const r = await done;
      await worker.terminate();
      return r;
    },
  };
}
