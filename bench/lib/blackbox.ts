/**
 * Debian's prometheus-blackbox-exporter as a benchmark process: installed with apt when missing,
 * started on a free loopback port with a config of the two modules the probe scenarios use
 * (`http_2xx`, `tcp_connect`, as Debian ships them, with an explicit 10 s timeout like Upbeat's
 * default), its CPU from /proc, and stopped (SIGTERM, then SIGKILL) whatever happens.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ProcCpu, procCpu } from "./proc-cpu.ts";
import { freePort } from "./serve.ts";

/** Where Debian puts the binary. */
const DEBIAN_BINARY = "/usr/bin/prometheus-blackbox-exporter";

/** The modules: Debian's `http_2xx` and `tcp_connect` (/etc/prometheus/blackbox.yml) with a 10 s timeout (Upbeat's default) instead of the scrape's. */
export const BLACKBOX_CONFIG = `modules:
  http_2xx:
    prober: http
    timeout: 10s
  tcp_connect:
    prober: tcp
    timeout: 10s
`;

/** The blackbox_exporter binary; `apt-get install -y prometheus-blackbox-exporter` when it is missing (as root, Debian). */
export function ensureBlackbox(log: (s: string) => void): string {
  const find = () => {
    if (existsSync(DEBIAN_BINARY)) return DEBIAN_BINARY;
    try {
      return execFileSync("which", ["prometheus-blackbox-exporter"], { encoding: "utf8" }).trim();
    } catch {
      return "";
    }
  };
  let path = find();
  if (path) return path;
  log("  prometheus-blackbox-exporter not found: apt-get install -y prometheus-blackbox-exporter");
  execFileSync("apt-get", ["install", "-y", "prometheus-blackbox-exporter"], { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  path = find();
  if (!path) throw new Error("prometheus-blackbox-exporter is not installed and apt-get did not install it");
  return path;
}

/** The version line of the binary (for the results). */
export function blackboxVersion(binary: string): string {
  try {
    const out = execFileSync(binary, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return (out.split("\n")[0] ?? "").trim();
  } catch (e) {
    return `version unknown (${e instanceof Error ? e.message : String(e)})`;
  }
}

/** A running blackbox_exporter. */
export interface BlackboxHandle {
  /** OS process id. */
  pid: number;
  /** `http://127.0.0.1:<port>`. */
  baseUrl: string;
  /** CPU-seconds used so far (all its threads). */
  cpu(): ProcCpu;
  /** SIGTERM, then SIGKILL past `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();
// A harness that dies must not leave an exporter listening.
process.once("exit", () => {
  for (const c of live) c.kill("SIGKILL");
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the exporter with BLACKBOX_CONFIG (written to `dir`) and resolves once it answers. */
export async function startBlackbox(binary: string, dir: string, capMs: number): Promise<BlackboxHandle> {
  const configFile = join(dir, "blackbox.yml");
  writeFileSync(configFile, BLACKBOX_CONFIG);
  const port = await freePort();
  const args = [`--config.file=${configFile}`, `--web.listen-address=127.0.0.1:${String(port)}`, "--log.level=warn"];
  const child = spawn(binary, args, { stdio: ["ignore", "ignore", "inherit"] });
  if (child.pid === undefined) throw new Error(`could not start ${binary}`);
  live.add(child);
  const cap = setTimeout(() => child.kill("SIGKILL"), capMs);
  cap.unref();
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      clearTimeout(cap);
      live.delete(child);
      resolve();
    }),
  );
  const pid = child.pid;
  const baseUrl = `http://127.0.0.1:${String(port)}`;
  const handle: BlackboxHandle = {
    pid,
    baseUrl,
    cpu: () => procCpu(pid),
    stop: async (graceMs = 5000) => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(t);
    },
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`blackbox_exporter exited (${String(child.exitCode ?? child.signalCode)}) before it answered`);
    try {
      const res = await fetch(`${baseUrl}/-/healthy`);
      await res.arrayBuffer();
      if (res.ok) return handle;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await handle.stop(1000);
      throw new Error("blackbox_exporter did not answer within 30 s");
    }
    await sleep(100);
  }
}

/** The `/probe` URL for a target and module. */
export function probeUrl(b: BlackboxHandle, target: string, module: "http_2xx" | "tcp_connect"): string {
  return `${b.baseUrl}/probe?target=${encodeURIComponent(target)}&module=${module}`;
}
