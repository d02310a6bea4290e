/**
 * The statsd worker thread: owns the UDP and TCP sockets, so reading them never waits for the
 * main thread (whose SQLite commits are synchronous). It parses, drops the beats Lovebeat would
 * ignore anyway (a second beat of a service within 1 s), and hands the main thread the rest in
 * one message per turn of its event loop.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { LovebeatCommand } from "./lovebeat/statsd-line.ts";
import { listenStatsd, type StatsdCounters, type StatsdSocketOptions } from "./statsd-listen.ts";
import type { FromStatsdWorker, ToStatsdWorker } from "./statsd-server.ts";

const o = workerData as StatsdSocketOptions & { debug: boolean };
const port = parentPort;
if (!port) throw new Error("statsd-worker runs as a worker thread");

let batch: LovebeatCommand[] = [];
let rejects: Array<{ reason: string; detail: Record<string, unknown> }> = [];
let scheduled = false;
/** The sockets' counters, set once listening (input can arrive before the listen call has returned). */
const live: { counters?: StatsdCounters } = {};
const snapshot = (): StatsdCounters => ({ ...(live.counters as StatsdCounters), rejected: { ...(live.counters as StatsdCounters).rejected } });

const post = (m: FromStatsdWorker) => port.postMessage(m);

function flush(): void {
  scheduled = false;
  if (!live.counters) return schedule();
  if (batch.length || rejects.length) post({ type: "batch", commands: batch, rejects, counters: snapshot(), at: Date.now() });
  batch = [];
  rejects = [];
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(flush);
}

let sockets: Awaited<ReturnType<typeof listenStatsd>>;
try {
  sockets = await listenStatsd(o, {
    commands: (commands) => {
      for (const c of commands) batch.push(c);
      schedule();
    },
    rejected: (reason, detail) => {
      if (o.debug) rejects.push({ reason, detail });
      schedule();
    },
    error: (message) => post({ type: "error", message }),
  });
} catch (e) {
  // The main thread rejects the start with this; closing the port lets the thread end.
  post({ type: "failed", message: e instanceof Error ? e.message : String(e) });
  port.close();
  throw e;
}
live.counters = sockets.counters;
const running = sockets;
post({ type: "ready", port: running.port });
// Counters move on the main thread even when nothing is accepted (rejections, datagrams).
const tick = setInterval(() => post({ type: "counters", counters: snapshot() }), 250);
port.on("message", (m: ToStatsdWorker) => {
  if (m.type !== "close") return;
  clearInterval(tick);
  flush();
  void running.close().then(() => {
    post({ type: "closed", counters: snapshot() });
    port.close();
  });
});
