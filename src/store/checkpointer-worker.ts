/**
 * The SQLite checkpointer's thread: its own connection to the database file, copying the
 * write-ahead log back into the file (`wal_checkpoint(PASSIVE)`, which never waits for nor
 * blocks the writer) every `intervalMs`, so that the event loop that commits never does it.
 */
import BetterSqlite3 from "better-sqlite3";
import { parentPort, workerData } from "node:worker_threads";
import type { CheckpointerData, FromCheckpointer, ToCheckpointer } from "./checkpointer.ts";

const port = parentPort;
if (!port) throw new Error("checkpointer-worker runs in a worker thread");
const post = (m: FromCheckpointer) => port.postMessage(m);
const { file, intervalMs } = workerData as CheckpointerData;

const db = new BetterSqlite3(file);
// Another checkpoint in progress (a fallback one by the writer) is no reason to wait.
db.pragma("busy_timeout = 0");
let runs = 0;
let frames = 0;

function checkpoint(): void {
  try {
    const [r] = db.pragma("wal_checkpoint(PASSIVE)") as Array<{ busy: number; log: number; checkpointed: number }>;
    runs++;
    frames += r?.checkpointed ?? 0;
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
  post({ type: "closed", runs, frames });
  port.close();
});
post({ type: "ready" });
