/**
 * pings: Healthchecks-style `GET /ping/<uuid>` into `upbeat serve` (1,000 heartbeat monitors,
 * SQLite) driven by wrk with keep-alive at concurrency 50, against a bare fastify server answering
 * `OK`; requests/s, latency p50/p99, and whether every `OK` became a row in `pings`.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import BetterSqlite3 from "better-sqlite3";
import { startChild } from "../lib/child.ts";
import { alternate, comparisonTable, type Metric, type Sample } from "../lib/compare.ts";
import { profileTables, summariseFile, threadProfileTables } from "../lib/cpuprofile-summary.ts";
import type { ProcCpu } from "../lib/proc-cpu.ts";
import { startServe } from "../lib/serve.ts";
import { fmt, median } from "../lib/stats.ts";
import { check, holds } from "../lib/targets.ts";
import type { Scenario, ScenarioContext, ScenarioReport, TargetCheck } from "../lib/types.ts";
import { ensureWrk, runWrk, type WrkResult, writeWrkScript } from "../lib/wrk.ts";

const MONITORS = 1_000;
const CONNECTIONS = 50;
const THREADS = 2;
const WARMUP_S = 3;
const DEFAULT_DURATION_S = 10;
const SMOKE_DURATION_S = 2;
const CAP_MS = 10 * 60_000;
const BARE = fileURLToPath(new URL("../targets/fastify-ping.ts", import.meta.url));
type VariantName = "upbeat" | "bare";

/** The fixed uuid of heartbeat i (lower-case 8-4-4-4-12 hex, the same every invocation). */
export function benchUuid(i: number): string {
  const h = createHash("sha1").update(`upbeat-bench-ping-${String(i)}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function configYaml(): string {
  const lines = ["monitors:"];
  for (let i = 0; i < MONITORS; i++) lines.push(`  - { name: hb-${String(i).padStart(4, "0")}, type: heartbeat, uuid: ${benchUuid(i)}, period: 1h }`);
  return `${lines.join("\n")}\n`;
}

/** A server under test: where to send pings, its CPU, and how it ends. */
interface Target {
  url: string;
  cpu(): ProcCpu;
  profileStart?(path: string): Promise<void>;
  profileStop?(): Promise<void>;
  /** Stops it; for Upbeat also counts what was stored and accepted. */
  finish(): Promise<{ rows: number; accepted: number }>;
}

async function upbeatTarget(dir: string): Promise<Target> {
  const configFile = join(dir, "pings.yaml");
  writeFileSync(configFile, configYaml());
  const s = await startServe({ dataDir: join(dir, "data"), configFile, statsd: false, capMs: CAP_MS });
  const r = await s.readyz();
  if (r.monitors !== MONITORS) throw new Error(`pings: upbeat runs ${String(r.monitors)} monitors, expected ${String(MONITORS)}`);
  return {
    url: s.baseUrl,
    cpu: s.cpu,
    profileStart: async (path) => void (await s.ask({ type: "profile-start", path }, "profiling")),
    profileStop: async () => void (await s.ask({ type: "profile-stop" }, "profiled", 120_000)),
    finish: async () => {
      const accepted = (await s.readyz()).pings.accepted;
      const code = await s.stop();
      if (code !== 0) throw new Error(`pings: upbeat serve exited with ${String(code)} on SIGTERM`);
      // Read-only, after the server closed the database: what a restart would find.
      const db = new BetterSqlite3(join(dir, "data", "upbeat.db"), { readonly: true });
      try {
        const row = db.prepare("SELECT count(*) AS n FROM pings").get() as { n: number };
        return { rows: row.n, accepted };
      } finally {
        db.close();
      }
    },
  };
}

async function bareTarget(): Promise<Target> {
  const c = startChild(BARE, { args: [JSON.stringify({ capMs: CAP_MS })], capMs: CAP_MS });
  const { port } = await c.waitFor("ready", 60_000);
  return {
    url: `http://127.0.0.1:${String(port)}`,
    cpu: c.cpu,
    finish: async () => {
      const stopped = c.waitFor("stopped", 10_000).catch(() => undefined);
      await c.stop();
      return { rows: Number.NaN, accepted: Number((await stopped)?.requests ?? Number.NaN) };
    },
  };
}

const ok = (w: WrkResult) => w.requests - w.non2xx;

async function runOnce(ctx: ScenarioContext, variant: VariantName, wrk: string, durationS: number, profilePath?: string): Promise<Sample> {
  const dir = mkdtempSync(join(ctx.tmpDir, "pings-"));
  const script = join(dir, "pings.lua");
  writeWrkScript(script, Array.from({ length: MONITORS }, (_, i) => `/ping/${benchUuid(i)}`));
  const target = variant === "upbeat" ? await upbeatTarget(dir) : await bareTarget();
  let finished = false;
  try {
    const run = (seconds: number) => runWrk({ wrk, url: target.url, script, threads: THREADS, connections: CONNECTIONS, seconds });
    const warm = await run(WARMUP_S);
    if (profilePath) await target.profileStart?.(profilePath);
    const c0 = target.cpu();
    const w = await run(durationS);
    const c1 = target.cpu();
    if (profilePath) await target.profileStop?.();
    finished = true;
    const { rows, accepted } = await target.finish();
    const okTotal = ok(warm) + ok(w);
    const cpu = c1.user + c1.sys - c0.user - c0.sys;
    return {
      reqPerSec: w.requestsPerSec,
      p50Ms: w.p50Ms,
      p99Ms: w.p99Ms,
      p999Ms: w.p999Ms,
      maxMs: w.maxMs,
      non2xx: w.non2xx,
      socketErrors: w.socketErrors,
      serverCpuPerSec: cpu / w.seconds,
      serverCpuPer10k: (cpu * 10_000) / w.requests,
      serverSysPer10k: ((c1.sys - c0.sys) * 10_000) / w.requests,
      wrkCpuPerSec: w.wrkCpuS / w.seconds,
      // Stored minus answered 2xx over the server's life (warm-up included): ≥ 0 when every OK was stored.
      unstored: variant === "upbeat" ? Math.max(0, okTotal - rows) : Number.NaN,
      rowsMinusOk: rows - okTotal,
      acceptedMinusOk: accepted - okTotal,
      okTotal,
    };
  } finally {
    if (!finished) await target.finish().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

const METRICS: Metric[] = [
  { key: "reqPerSec", label: "Pings/s", digits: 0, ratio: true },
  { key: "p50Ms", label: "p50 (ms)", digits: 2, ratio: true },
  { key: "p99Ms", label: "p99 (ms)", digits: 2, ratio: true },
  { key: "p999Ms", label: "p99.9 (ms)", digits: 2 },
  { key: "maxMs", label: "max (ms)", digits: 1 },
  { key: "non2xx", label: "Non-2xx", digits: 0 },
  { key: "socketErrors", label: "Socket errors", digits: 0 },
  { key: "serverCpuPerSec", label: "Server CPU-s/s", digits: 2 },
  { key: "serverCpuPer10k", label: "Server CPU-s / 10k pings", digits: 3, ratio: true },
  { key: "serverSysPer10k", label: "of which sys", digits: 3 },
  { key: "wrkCpuPerSec", label: "wrk CPU-s/s", digits: 2 },
  { key: "unstored", label: "2xx not in `pings`", digits: 0 },
];

async function profileSection(ctx: ScenarioContext, wrk: string, durationS: number): Promise<string> {
  const root = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
  const path = join(ctx.tmpDir, `pings-upbeat-${String(Date.now())}.cpuprofile`);
  ctx.log(`  profiling upbeat → ${path}`);
  const s = await runOnce(ctx, "upbeat", wrk, durationS, path);
  const sum = summariseFile(path, root);
  return [
    "#### Profile (one extra upbeat run, V8 sampling profiler at 1 ms in the server's main thread over the measured wrk run; not in the table above)",
    "",
    `${fmt(s.reqPerSec ?? NaN, 0)} pings/s, p99 ${fmt(s.p99Ms ?? NaN, 2)} ms while profiled; ${fmt(sum.busyMs, 0)} ms busy (non-idle) sampled (\`${path.replace(`${root}/`, "")}\`, git-ignored).`,
    "",
    ...profileTables(sum),
    ...threadProfileTables(path, root),
  ].join("\n");
}

function note(samples: Map<string, Sample[]>): string {
  const up = samples.get("upbeat") ?? [];
  const m = (v: VariantName, k: string) => median((samples.get(v) ?? []).map((s) => s[k] ?? NaN));
  const unstored = up.reduce((n, s) => n + (s.unstored ?? 0), 0);
  const extra = up.map((s) => s.rowsMinusOk ?? 0);
  return (
    `Upbeat answered ${fmt(m("upbeat", "reqPerSec"), 0)} pings/s (target ≥ 20,000) with p50 ${fmt(m("upbeat", "p50Ms"), 2)} ms and p99 ${fmt(m("upbeat", "p99Ms"), 2)} ms (target < 20 ms); ` +
    `bare fastify ${fmt(m("bare", "reqPerSec"), 0)} requests/s, p99 ${fmt(m("bare", "p99Ms"), 2)} ms. ` +
    `${unstored === 0 ? "Every 2xx answer of every run had its row in `pings`" : `**${String(unstored)} 2xx answers had no row in \`pings\`**`} ` +
    `(rows minus 2xx answers per run: ${extra.map((x) => String(x)).join(", ")}; extra rows are pings stored whose answer wrk did not count when its time ran out).`
  );
}

function targets(samples: Map<string, Sample[]>): TargetCheck[] {
  const m = (k: string) => median((samples.get("upbeat") ?? []).map((s) => s[k] ?? NaN));
  const unstored = (samples.get("upbeat") ?? []).reduce((n, s) => n + (s.unstored ?? 0), 0);
  return [
    check("pings", "pings/s (wrk -c 50, keep-alive)", m("reqPerSec"), { op: "≥", bound: 20_000, measured: `${fmt(m("reqPerSec"), 0)}/s`, target: "≥ 20k/s" }),
    check("pings", "p99 latency", m("p99Ms"), { op: "<", bound: 20, measured: `${fmt(m("p99Ms"), 2)} ms`, target: "< 20 ms" }),
    holds("pings", "every OK durably stored", unstored === 0, unstored === 0 ? "yes" : `${String(unstored)} missing`, "every 2xx has its row"),
  ];
}

async function run(ctx: ScenarioContext): Promise<ScenarioReport> {
  const durationS = ctx.durationS ?? (ctx.smoke ? SMOKE_DURATION_S : DEFAULT_DURATION_S);
  const wrk = ensureWrk(ctx.log);
  const variants = (["upbeat", "bare"] as const).map((name) => ({ name, runOnce: () => runOnce(ctx, name, wrk, durationS) }));
  const samples = await alternate(variants, ctx.runs, ctx.log);
  const profile = ctx.profile ? await profileSection(ctx, wrk, durationS) : undefined;
  return {
    setup:
      `\`upbeat serve\` (HTTP on 127.0.0.1, statsd off, logs at warn) with ${MONITORS.toLocaleString("en")} heartbeat monitors (fixed uuids, period 1h) and SQLite (WAL, synchronous=NORMAL) in bench/.tmp, a fresh server and database per run; ` +
      `bare = fastify answering \`GET /ping/*\` with \`OK\` and storing nothing. Load: \`wrk -t ${String(THREADS)} -c ${String(CONNECTIONS)} -d ${fmt(durationS, 0)}s --latency\` (keep-alive) with a Lua script cycling \`GET /ping/<uuid>\` over the ${MONITORS.toLocaleString("en")} uuids, after ${String(WARMUP_S)} s of the same unmeasured; ` +
      `latency is wrk's (send to response, per request; exact percentiles from its done() hook). Server CPU is utime+stime from /proc over the measured run; wrk's CPU is read from /proc every 100 ms. ` +
      `Durability: after the run the server is stopped with SIGTERM and \`SELECT count(*) FROM pings\` is read from the file (better-sqlite3, read-only); "2xx not in pings" is the 2xx answers of the server's life (warm-up included) beyond that count. ` +
      `wrk, the server and the kernel share the machine's 2 cores; other work (tests, builds) may have been running too.`,
    table: comparisonTable(samples, METRICS, [["upbeat", "bare"]]),
    note: note(samples),
    targets: targets(samples),
    ...(profile ? { profile } : {}),
  };
}

/** The pings scenario. */
export const pings: Scenario = {
  name: "pings",
  description: "HTTP GET /ping/<uuid> into upbeat serve (1,000 heartbeats, SQLite) vs bare fastify, wrk keep-alive at concurrency 50 (--duration, default 10 s)",
  run,
};
