/**
 * The SQLite checkpointer's thread: its own connection to the database file, copying the
 * write-ahead log back into the file (`wal_checkpoint(PASSIVE)`, which never waits for nor
 * blocks the writer) every `intervalMs`, so that the event loop that commits never does it. When
 * the log has grown past `truncateAtPages` anyway, the next checkpoint is a TRUNCATE, which waits
 * for the write lock and empties the file.
 */
import BetterSqlite3 from "better-sqlite3";
import { parentPort, workerData } from "node:worker_threads";
import type { CheckpointerData, FromCheckpointer, ToCheckpointer } from "./checkpointer.ts";

const port = parentPort;
if (!port) throw new Error("checkpointer-worker runs in a worker thread");
const post = (m: FromCheckpointer) => port.postMessage(m);
const { file, intervalMs, truncateAtPages } = workerData as CheckpointerData;
/** How long a TRUNCATE waits for the writer's transaction to end (ms); after that it is a PASSIVE one. */
const TRUNCATE_WAIT_MS = 500;

const db = new BetterSqlite3(file);
// Another checkpoint in progress (a fallback one by the writer) is no reason to wait.
db.pragma("busy_timeout = 0");
let runs = 0;
let frames = 0;
let truncations = 0;

type Result = { busy: number; log: number; checkpointed: number };

/** Empties the log: waits up to TRUNCATE_WAIT_MS for the writer, copies what is left, cuts the file. */
function truncate(): void {
  db.pragma(`busy_timeout = ${String(TRUNCATE_WAIT_MS)}`);
  try {
    const [r] = db.pragma("wal_checkpoint(TRUNCATE)") as Result[];
    if (r?.busy === 0) truncations++;
  } finally {
    db.pragma("busy_timeout = 0");
  }
}

function checkpoint(): void {
  try {
    // The bulk is copied without holding the writer up; only what came in meanwhile is left
    // for the TRUNCATE, should the log be large.
    const [r] = db.pragma("wal_checkpoint(PASSIVE)") as Result[];
    runs++;
    frames += r?.checkpointed ?? 0;
    if ((r?.log ?? 0) >= truncateAtPages) truncate();
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
  post({ type: "closed", runs, frames, truncations });
  port.close();
});
post({ type: "ready" });
