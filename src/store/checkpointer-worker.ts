/**
 * The SQLite checkpointer's thread: its own connection to the database file, copying the
 * write-ahead log back into the file (`wal_checkpoint(PASSIVE)`, which never waits for nor
 * blocks the writer) every `intervalMs`, so that the event loop that commits never does it. When
 * the log has grown past `restartAtPages` anyway, a RESTART follows, which waits for the write
 * lock so that the log starts again from its beginning.
 */
import BetterSqlite3 from "better-sqlite3";
import { parentPort, workerData } from "node:worker_threads";
import type { CheckpointerData, FromCheckpointer, ToCheckpointer } from "./checkpointer.ts";

const port = parentPort;
if (!port) throw new Error("checkpointer-worker runs in a worker thread");
const post = (m: FromCheckpointer) => port.postMessage(m);
const { file, intervalMs, restartAtPages } = workerData as CheckpointerData;
/** How long a RESTART waits for the writer's transaction to end (ms); after that it is a PASSIVE one. */
const RESTART_WAIT_MS = 500;

const db = new BetterSqlite3(file);
// Another checkpoint in progress (a fallback one by the writer) is no reason to wait.
db.pragma("busy_timeout = 0");
let runs = 0;
let frames = 0;
let restarts = 0;

type Result = { busy: number; log: number; checkpointed: number };

/**
 * Starts the log again: waits up to RESTART_WAIT_MS for the writer, copies what is left, and has
 * the next commit write from the file's beginning (the writer's `journal_size_limit` then cuts the
 * file back). Measured with pings: emptying the file instead (TRUNCATE) held the writer longer.
 */
function restart(): void {
  db.pragma(`busy_timeout = ${String(RESTART_WAIT_MS)}`);
  try {
    const [r] = db.pragma("wal_checkpoint(RESTART)") as Result[];
    if (r?.busy === 0) restarts++;
  } finally {
    db.pragma("busy_timeout = 0");
  }
}

function checkpoint(): void {
  try {
    // The bulk is copied without holding the writer up; only what came in meanwhile is left
    // for the RESTART, should the log be large.
    const [r] = db.pragma("wal_checkpoint(PASSIVE)") as Result[];
    runs++;
    frames += r?.checkpointed ?? 0;
    if ((r?.log ?? 0) >= restartAtPages) restart();
  } catch (e) {
    post({ type: "error", message: e instanceof Error ? e.message : String(e) });
  }
}

const timer = setInterval(checkpoint, intervalMs);
port.on("message", (m: ToCheckpointer) => {
  if (m.type !== "close") return;
  clearInterval(timer);
  checkpoint();
  // The last connection to close checkpoints the rest and removes the log.
  db.close();
  post({ type: "closed", runs, frames, restarts });
  port.close();
});
post({ type: "ready" });
