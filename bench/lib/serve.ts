/**
 * `upbeat serve` as a benchmark child: the real command (`node --import tsx src/main.ts serve`)
 * on loopback ports, a data directory and an optional config file, its CPU from /proc, its
 * `/readyz` counters, and a clean stop (SIGTERM, as an operator would) with a kill past a grace.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import type { Message } from "./child.ts";
import { type ProcCpu, procCpu } from "./proc-cpu.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TETHER = fileURLToPath(new URL("./tether.ts", import.meta.url));

/** How to start the server. */
export interface ServeOptions {
  /** Data directory (SQLite at `<dataDir>/upbeat.db`). */
  dataDir: string;
  /** Native config file, if any. */
  configFile?: string;
  /** Listen for statsd (UDP+TCP) too. */
  statsd: boolean;
  /** Hard wall-time cap: the server is killed past it. */
  capMs: number;
  /** Extra Node flags (e.g. `--cpu-prof`). */
  nodeFlags?: string[];
  /** How long to wait for `/readyz` to answer 200. */
  readyTimeoutMs?: number;
  /** Environment variables for the server on top of the cleaned one (e.g. `UPBEAT_ADMIN_API_KEY`). */
  env?: Record<string, string>;
}

/** The `/readyz` figures the scenarios read. */
export interface Readyz {
  /** Monitors running. */
  monitors: number;
  /** Deadlines armed. */
  deadlines: number;
  /** Writes waiting for the next commit. */
  pendingWrites: number;
  /** HTTP ping counters. */
  pings: { accepted: number; rejected: Record<string, number> };
  /** statsd listener counters (null when not listening). */
  statsd: { datagrams: number; lines: number; rejected: Record<string, number> } | null;
}

/** A running `upbeat serve`. */
export interface ServeHandle {
  /** OS process id. */
  pid: number;
  /** HTTP base URL. */
  baseUrl: string;
  /** HTTP port. */
  httpPort: number;
  /** statsd port (UDP and TCP), when listening. */
  statsdPort?: number;
  /** CPU-seconds used so far (utime, stime). */
  cpu(): ProcCpu;
  /** `/readyz` as JSON (throws unless 200). */
  readyz(): Promise<Readyz>;
  /** Asks the tether (bench/lib/tether.ts) inside the server: sends `msg`, resolves with the reply of type `replyType`. */
  ask(msg: Message, replyType: string, timeoutMs?: number): Promise<Message>;
  /** SIGTERM, then SIGKILL past `graceMs`; resolves with the exit code (null when killed). */
  stop(graceMs?: number): Promise<number | null>;
}

const live = new Set<ChildProcess>();
// A harness that dies must not leave a server listening.
process.once("exit", () => {
  for (const c of live) c.kill("SIGKILL");
});

/** A port free for TCP and UDP on 127.0.0.1 right now (the server binds it a moment later). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const tcp = createServer();
    tcp.listen(0, "127.0.0.1");
    await once(tcp, "listening");
    const port = (tcp.address() as { port: number }).port;
    const udp = createSocket("udp4");
    const ok = await new Promise<boolean>((resolve) => {
      udp.once("error", () => resolve(false));
      udp.bind(port, "127.0.0.1", () => resolve(true));
    });
    if (ok) await new Promise<void>((r) => udp.close(() => r()));
    else udp.close();
    await new Promise<void>((r) => tcp.close(() => r()));
    if (ok) return port;
  }
  throw new Error("no free port for TCP and UDP on 127.0.0.1");
}

/** The environment of the server: the harness's, without UPBEAT_* settings, logs at warn. */
function serveEnv(capMs: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("UPBEAT_") && !["ENDPOINT_DEFINITIONS_FILE", "DB_TYPE", "DB_NAME", "DEBUG"].includes(k)) env[k] = v;
  return { ...env, UPBEAT_LOG_LEVEL: "warn", UPBEAT_BENCH_CAP_MS: String(capMs) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `upbeat serve` and resolves once `/readyz` answers 200. */
export async function startServe(o: ServeOptions): Promise<ServeHandle> {
  const httpPort = await freePort();
  const statsdPort = o.statsd ? await freePort() : undefined;
  const args = ["serve", "--listen", `127.0.0.1:${String(httpPort)}`, "--statsd", statsdPort === undefined ? "off" : `127.0.0.1:${String(statsdPort)}`, "--data", o.dataDir, ...(o.configFile ? ["--config", o.configFile] : [])];
  // The tether ties the server's life to the harness (IPC disconnect, cap) without touching src/.
  const child = spawn(process.execPath, [...(o.nodeFlags ?? []), "--import", "tsx", "--import", TETHER, "src/main.ts", ...args], { cwd: ROOT, env: { ...serveEnv(o.capMs), ...o.env }, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  if (child.pid === undefined) throw new Error("could not start upbeat serve");
  live.add(child);
  const cap = setTimeout(() => child.kill("SIGKILL"), o.capMs);
  cap.unref();
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      clearTimeout(cap);
      live.delete(child);
      resolve(code);
    }),
  );
  const pid = child.pid;
  const baseUrl = `http://127.0.0.1:${String(httpPort)}`;
  const readyz = async (): Promise<Readyz> => {
    const res = await fetch(`${baseUrl}/readyz`);
    if (res.status !== 200) throw new Error(`/readyz answered ${String(res.status)}`);
    return (await res.json()) as Readyz;
  };
  const handle: ServeHandle = {
    pid,
    baseUrl,
    httpPort,
    ...(statsdPort !== undefined ? { statsdPort } : {}),
    cpu: () => procCpu(pid),
    readyz,
    ask: (msg, replyType, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => settle(new Error(`upbeat serve: no "${replyType}" within ${String(timeoutMs)} ms`)), timeoutMs);
        const onMessage = (m: Message) => {
          if (m.type === replyType) settle(undefined, m);
          else if (m.type === "error") settle(new Error(`upbeat serve tether: ${String(m.message)}`));
        };
        function settle(err?: Error, m?: Message) {
          clearTimeout(timer);
          child.off("message", onMessage);
          if (err) reject(err);
          else resolve(m as Message);
        }
        child.on("message", onMessage);
        child.send(msg);
      }),
    stop: async (graceMs = 15_000) => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
  const deadline = Date.now() + (o.readyTimeoutMs ?? 120_000);
  let gone = false;
  void exited.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error(`upbeat serve exited (${String(child.exitCode ?? child.signalCode)}) before it was ready`);
    try {
      await readyz();
      return handle;
    } catch {
      if (Date.now() > deadline) {
        await handle.stop(1000);
        throw new Error(`upbeat serve not ready within ${String(o.readyTimeoutMs ?? 120_000)} ms`);
      }
      await sleep(100);
    }
  }
}
