/**
 * wrk (HTTP load with keep-alive) for benchmarks: installed from Debian when missing, run with a
 * Lua script whose `done` hook prints exact figures as JSON (no parsing of wrk's rounded text),
 * and its CPU read from /proc while it runs.
 */
import { execFileSync, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { procCpu } from "./proc-cpu.ts";

/** Makes sure `wrk` is on the PATH: `apt-get install -y wrk` when it is not (as root, Debian). */
export function ensureWrk(log: (s: string) => void): string {
  const which = () => {
    try {
      return execFileSync("which", ["wrk"], { encoding: "utf8" }).trim();
    } catch {
      return "";
    }
  };
  let path = which();
  if (path) return path;
  log("  wrk not found: apt-get install -y wrk");
  execFileSync("apt-get", ["install", "-y", "wrk"], { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  path = which();
  if (!path) throw new Error("wrk is not installed and apt-get install -y wrk did not install it");
  return path;
}

/** What one wrk run measured. */
export interface WrkResult {
  /** Responses received. */
  requests: number;
  /** Run time, s. */
  seconds: number;
  /** Responses per second. */
  requestsPerSec: number;
  /** Responses that were not 2xx/3xx. */
  non2xx: number;
  /** Socket errors (connect, read, write, timeout). */
  socketErrors: number;
  /** Latency percentiles and max, ms (wrk measures from the request's send to its response). */
  p50Ms: number;
  /** 99th percentile, ms. */
  p99Ms: number;
  /** 99.9th percentile, ms. */
  p999Ms: number;
  /** Largest, ms. */
  maxMs: number;
  /** wrk's own CPU over the run (read from /proc every 100 ms; the last ≤ 100 ms are missed), s. */
  wrkCpuS: number;
}

/**
 * Writes a Lua script that sends `GET <path>` for each path in turn (each thread from its own
 * offset) and reports the figures as one JSON line on stdout.
 */
export function writeWrkScript(file: string, paths: readonly string[]): void {
  const list = paths.map((p) => `"${p.replace(/[^A-Za-z0-9/_.-]/g, "")}"`).join(",\n");
  const lua = `local paths = {
${list}
}
local n = #paths
local threads = 0
function setup(thread)
  thread:set("offset", threads * 7919)
  threads = threads + 1
end
function init(args)
  i = offset or 0
end
function request()
  i = i + 1
  return wrk.format("GET", paths[(i % n) + 1])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"durationUs":%d,"non2xx":%d,"socketErrors":%d,"p50Us":%d,"p99Us":%d,"p999Us":%d,"maxUs":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max))
end
`;
  writeFileSync(file, lua);
}

/** Runs `wrk -t threads -c connections -d seconds --latency [-H header…] -s script url`; rejects on a non-zero exit or missing figures. */
export function runWrk(o: { wrk: string; url: string; script: string; threads: number; connections: number; seconds: number; headers?: string[] }): Promise<WrkResult> {
  const args = ["-t", String(o.threads), "-c", String(o.connections), "-d", `${String(o.seconds)}s`, "--latency", ...(o.headers ?? []).flatMap((h) => ["-H", h]), "-s", o.script, o.url];
  return new Promise((resolve, reject) => {
    const child = spawn(o.wrk, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    let cpuS = 0;
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    const poll = setInterval(() => {
      try {
        const c = procCpu(child.pid as number);
        cpuS = c.user + c.sys;
      } catch {
        // Exited between polls.
      }
    }, 100);
    // Bounded: wrk stops itself after `seconds`; past twice that and a margin it is killed.
    const cap = setTimeout(() => child.kill("SIGKILL"), o.seconds * 2000 + 30_000);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearInterval(poll);
      clearTimeout(cap);
      const line = out.split("\n").find((l) => l.startsWith("WRKJSON "));
      if (code !== 0 || !line) return reject(new Error(`wrk exited ${String(code)}:\n${out}`));
      const j = JSON.parse(line.slice("WRKJSON ".length)) as Record<string, number>;
      const seconds = (j.durationUs ?? 0) / 1e6;
      const ms = (us: number | undefined) => (us ?? Number.NaN) / 1000;
      resolve({ requests: j.requests ?? 0, seconds, requestsPerSec: (j.requests ?? 0) / seconds, non2xx: j.non2xx ?? 0, socketErrors: j.socketErrors ?? 0, p50Ms: ms(j.p50Us), p99Ms: ms(j.p99Us), p999Ms: ms(j.p999Us), maxMs: ms(j.maxUs), wrkCpuS: cpuS });
    });
  });
}
