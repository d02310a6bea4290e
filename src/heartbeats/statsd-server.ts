/**
 * Lovebeat's statsd listeners: UDP and TCP on the same port (8127 by default), run in a worker
 * thread (statsd-worker.ts) so that a burst of datagrams is read off the socket even while the
 * main thread commits. Accepted lines arrive here as commands, in order; bad input is counted
 * and logged at debug, never a crash.
 */
import { spawnModuleWorker } from "../lib/module-worker.ts";
import type { Logger } from "pino";
import type { LovebeatCommand } from "./lovebeat/statsd-line.ts";
import type { StatsdCounters, StatsdSocketOptions } from "./statsd-listen.ts";

export type { StatsdCounters, StatsdRejectReason } from "./statsd-listen.ts";

/** Options of the listeners. */
export interface StatsdOptions extends StatsdSocketOptions {
  /** Receives the accepted commands, in order, with the time they reached the main thread. */
  onCommands: (commands: LovebeatCommand[], at: number) => void;
  /** Log (rejections at debug). */
  log: Logger;
  /**
   * Clock of the receiving side. With the real clock the worker drops a service's beats within
   * 1 s of its previous one (Lovebeat ignores them); a test clock keeps every beat, so the rule
   * is applied by the hub on the test's time.
   */
  now?: () => number;
}

/** Running listeners. */
export interface StatsdListeners {
  /** The port both listen on. */
  port: number;
  /** Counters (updated from the worker a few times a second and with every batch). */
  counters: StatsdCounters;
  /** Stops both. */
  close(): Promise<void>;
}

/** Messages from the worker. */
export type FromStatsdWorker =
  | { type: "ready"; port: number }
  | { type: "failed"; message: string }
  | { type: "error"; message: string }
  | { type: "batch"; commands: LovebeatCommand[]; rejects: Array<{ reason: string; detail: Record<string, unknown> }>; counters: StatsdCounters; at: number }
  | { type: "counters"; counters: StatsdCounters }
  | { type: "closed"; counters: StatsdCounters };

/** Messages to the worker. */
export type ToStatsdWorker = { type: "close" };

/** Starts UDP and TCP listeners on one port, in a worker thread. */
export async function startStatsd(o: StatsdOptions): Promise<StatsdListeners> {
  const counters: StatsdCounters = { datagrams: 0, lines: 0, coalesced: 0, rejected: { malformed: 0, oversized: 0, encoding: 0 } };
  const now = o.now ?? Date.now;
  const { onCommands: _c, log, now: _n, ...sockets } = o;
  const worker = spawnModuleWorker(import.meta.url, "statsd-worker", { ...sockets, coalesce: o.now === undefined, debug: log.isLevelEnabled("debug") });
  let closed: (() => void) | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    worker.on("error", (e) => reject(e));
    worker.on("exit", (code) => {
      reject(new Error(`the statsd worker stopped (exit code ${code})`));
      closed?.();
    });
    worker.on("message", (m: FromStatsdWorker) => {
      switch (m.type) {
        case "ready":
          return resolve(m.port);
        case "failed":
          return reject(new Error(m.message));
        case "error":
          return log.error({ err: m.message }, "statsd UDP socket error");
        case "batch":
          Object.assign(counters, m.counters);
          for (const r of m.rejects) log.debug({ reason: r.reason, ...r.detail }, "statsd input rejected");
          if (m.commands.length) o.onCommands(m.commands, now());
          return;
        case "counters":
        case "closed":
          Object.assign(counters, m.counters);
          return;
      }
    });
  });
  worker.removeAllListeners("error");
  worker.on("error", (e) => log.error({ err: e.message }, "statsd worker failed"));
  return {
    port,
    counters,
    close: () =>
      new Promise<void>((resolve) => {
        closed = resolve;
        worker.postMessage({ type: "close" } satisfies ToStatsdWorker);
        // A worker that does not stop in time is ended.
        setTimeout(() => void worker.terminate(), 2000).unref();
      }),
  };
}
