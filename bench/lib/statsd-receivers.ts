/**
 * The two statsd receivers the statsd scenario compares, behind one shape: `upbeat serve` with
 * its statsd listener (counters from `/readyz`) and the bare node:dgram receiver in
 * bench/targets/statsd-bare.ts (counters over IPC). Both report their event-loop delay.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startChild } from "./child.ts";
import type { Pauses } from "./pause-watch.ts";
import type { ProcCpu } from "./proc-cpu.ts";
import { startServe } from "./serve.ts";

/** What the statsd listener counted so far. */
export interface StatsdCounts {
  /** Datagrams received. */
  datagrams: number;
  /** Lines accepted. */
  lines: number;
  /** Input rejected (malformed, oversized, encoding), summed. */
  rejected: number;
  /** Monitors running (Upbeat: one per Lovebeat service; bare: NaN). */
  monitors: number;
  /** Writes waiting for the next commit (Upbeat), else 0. */
  pendingWrites: number;
}

/** Event-loop delay and GC pauses of the receiver since the previous read (the kernel buffer must hold what arrives while the loop is blocked). */
export type LoopDelay = Pauses;

/** A running receiver. */
export interface Receiver {
  /** OS process id. */
  pid: number;
  /** UDP port on 127.0.0.1. */
  port: number;
  /** CPU-seconds so far. */
  cpu(): ProcCpu;
  /** Its counters now. */
  counts(): Promise<StatsdCounts>;
  /** Event-loop delay since the last call. */
  loop(): Promise<LoopDelay>;
  /** Starts the V8 profiler in the receiver (Upbeat only). */
  profileStart?(path: string): Promise<void>;
  /** Stops it and writes the profile. */
  profileStop?(): Promise<void>;
  /** Stops it and removes its data. */
  stop(): Promise<void>;
}

/** The receivers by name. */
export type ReceiverName = "upbeat" | "bare";

const BARE = fileURLToPath(new URL("../targets/statsd-bare.ts", import.meta.url));

const loopOf = (m: Record<string, unknown>): LoopDelay => ({ p50Ms: Number(m.p50Ms), p99Ms: Number(m.p99Ms), maxMs: Number(m.maxMs), gcMaxMs: Number(m.gcMaxMs), gcMajorMaxMs: Number(m.gcMajorMaxMs), gcTotalMs: Number(m.gcTotalMs) });

/** `upbeat serve` with statsd on, an empty configuration and SQLite in a fresh directory under `tmpDir`. */
async function upbeat(tmpDir: string, capMs: number): Promise<Receiver> {
  const dir = mkdtempSync(join(tmpDir, "statsd-"));
  try {
    const s = await startServe({ dataDir: dir, statsd: true, capMs });
    return {
      pid: s.pid,
      port: s.statsdPort as number,
      cpu: s.cpu,
      counts: async () => {
        const r = await s.readyz();
        const st = r.statsd ?? { datagrams: Number.NaN, lines: Number.NaN, rejected: {} };
        return { datagrams: st.datagrams, lines: st.lines, rejected: Object.values(st.rejected).reduce((a, b) => a + b, 0), monitors: r.monitors, pendingWrites: r.pendingWrites };
      },
      loop: async () => loopOf(await s.ask({ type: "loop" }, "loop")),
      profileStart: async (path) => void (await s.ask({ type: "profile-start", path }, "profiling")),
      profileStop: async () => void (await s.ask({ type: "profile-stop" }, "profiled", 120_000)),
      stop: async () => {
        await s.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

async function bare(capMs: number): Promise<Receiver> {
  const c = startChild(BARE, { args: [JSON.stringify({ capMs })], capMs });
  const { port } = await c.waitFor("ready", 30_000);
  return {
    pid: c.pid,
    port: Number(port),
    cpu: c.cpu,
    counts: async () => {
      c.send({ type: "counters" });
      const m = await c.waitFor("counters", 10_000);
      return { datagrams: Number(m.datagrams), lines: Number(m.lines), rejected: 0, monitors: Number.NaN, pendingWrites: 0 };
    },
    loop: async () => {
      c.send({ type: "loop" });
      return loopOf(await c.waitFor("loop", 10_000));
    },
    stop: () => c.stop(),
  };
}

/** Starts a receiver. */
export function startReceiver(name: ReceiverName, tmpDir: string, capMs: number): Promise<Receiver> {
  return name === "upbeat" ? upbeat(tmpDir, capMs) : bare(capMs);
}
