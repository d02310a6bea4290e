/**
 * engine-capacity: 10,000 HTTP monitors at a 10 s interval through the whole engine (scheduler,
 * probe, assertions, state machine, batched SQLite writes) against a local node:http target in
 * another process, for a measured duration (default 5 minutes) split into consecutive windows.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ChildHandle, type Message, startChild } from "../lib/child.ts";
import { profileTables, summariseFile, threadProfileTables } from "../lib/cpuprofile-summary.ts";
import type { ProcCpu } from "../lib/proc-cpu.ts";
import { type ProcMem, procMem } from "../lib/proc-mem.ts";
import { fmt, fmtSpread, spread } from "../lib/stats.ts";
import type { Scenario, ScenarioContext, ScenarioReport } from "../lib/types.ts";
import type { EngineRunConfig, LatenessFigures } from "../probers/engine-run.ts";

// 10,000 monitors by default, 1,000 for a smoke run (--smoke, which also measures 15 s), set when the scenario starts.
let MONITORS = 10_000;
const SMOKE_DURATION_S = 15;
const INTERVAL_MS = 10_000;
const DEFAULT_DURATION_S = 300;
/** Two intervals: every monitor has run twice (first runs are spread over the first interval). */
const WARMUP_MS = 2 * INTERVAL_MS;
const PROFILE_DURATION_S = 60;
const MIB = 2 ** 20;

const here = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
const TARGET = here("../targets/http-target.ts");
const ENGINE = here("../probers/engine-run.ts");

/** A snapshot at a window boundary: the engine's counters and the OS's view of both processes. */
interface Mark {
  msg: Message;
  engineCpu: ProcCpu;
  targetCpu: ProcCpu;
  mem: ProcMem;
  dbBytes: number;
}

/** One window's figures. */
interface WindowFigures {
  seconds: number;
  probesPerSec: number;
  lateness: LatenessFigures;
  cpuPerSec: number;
  sysPerSec: number;
  cpuMsPerCheck: number;
  targetCpuPerSec: number;
  rssMiB: number;
  backlog: number;
  running: number;
  growthMiBPerHour: number;
}

/** Everything one engine run measured. */
interface RunResult {
  windows: WindowFigures[];
  whole: WindowFigures;
  ready: Message;
  finished: Message;
  peakRssMiB: number;
  finalDbMiB: number;
  targetRequests: number;
}

/** SQLite file plus its write-ahead log, bytes (either may be absent). */
function dbBytes(file: string): number {
  const size = (f: string) => {
    try {
      return statSync(f).size;
    } catch {
      return 0;
    }
  };
  return size(file) + size(`${file}-wal`);
}

const cpuS = (c: ProcCpu) => c.user + c.sys;

function figures(a: Mark, b: Mark, lateness: LatenessFigures): WindowFigures {
  const seconds = (Number(b.msg.atMs) - Number(a.msg.atMs)) / 1000;
  const checks = Number(b.msg.checks) - Number(a.msg.checks);
  const cpu = cpuS(b.engineCpu) - cpuS(a.engineCpu);
  return {
    seconds,
    probesPerSec: checks / seconds,
    lateness,
    cpuPerSec: cpu / seconds,
    sysPerSec: (b.engineCpu.sys - a.engineCpu.sys) / seconds,
    cpuMsPerCheck: (cpu * 1000) / checks,
    targetCpuPerSec: (cpuS(b.targetCpu) - cpuS(a.targetCpu)) / seconds,
    rssMiB: b.mem.rssBytes / MIB,
    backlog: Number(b.msg.backlog),
    running: Number(b.msg.running),
    growthMiBPerHour: ((b.dbBytes - a.dbBytes) / MIB / seconds) * 3600,
  };
}

async function mark(engine: ChildHandle, target: ChildHandle, dbFile: string): Promise<Mark> {
  engine.send({ type: "mark" });
  const msg = await engine.waitFor("marked", 30_000);
  return { msg, engineCpu: engine.cpu(), targetCpu: target.cpu(), mem: procMem(engine.pid), dbBytes: dbBytes(dbFile) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stops the target and returns how many requests it served (NaN if it did not say). */
async function stopTarget(target: ChildHandle): Promise<number> {
  const stopped = target.waitFor("stopped", 10_000).catch(() => undefined);
  await target.stop();
  return Number((await stopped)?.requests ?? Number.NaN);
}

/** One engine run: fresh target, fresh engine process, fresh database; `windows` measured windows of `durationS / windows`. */
async function runOnce(ctx: ScenarioContext, durationS: number, windows: number, profilePath?: string): Promise<RunResult> {
  const dir = mkdtempSync(join(ctx.tmpDir, "engine-capacity-"));
  const dbFile = join(dir, "upbeat.db");
  const capMs = WARMUP_MS + durationS * 1000 + 10 * 60_000;
  const expected = Math.ceil((MONITORS * (WARMUP_MS + durationS * 1000)) / INTERVAL_MS);
  const target = startChild(TARGET, { args: [JSON.stringify({ capMs, maxRequests: 2 * expected + MONITORS })], capMs });
  let engine: ChildHandle | undefined;
  let targetRequests = Number.NaN;
  try {
    const { port } = await target.waitFor("ready", 30_000);
    const cfg: EngineRunConfig = { baseUrl: `http://127.0.0.1:${String(port)}`, monitors: MONITORS, intervalMs: INTERVAL_MS, dbFile, warmupMs: WARMUP_MS, capMs, ...(profilePath ? { profilePath } : {}) };
    engine = startChild(ENGINE, { args: [JSON.stringify(cfg)], capMs });
    const ready = await engine.waitFor("ready", WARMUP_MS + 5 * 60_000);
    ctx.log(`  engine started in ${fmt(Number(ready.startMs), 0)} ms; warm-up ${String(WARMUP_MS / 1000)} s done (${String(ready.checks)} checks)`);
    const first = await mark(engine, target, dbFile);
    const rows: WindowFigures[] = [];
    let prev = first;
    for (let w = 1; w <= windows; w++) {
      await sleep((durationS * 1000) / windows);
      const cur = await mark(engine, target, dbFile);
      rows.push(figures(prev, cur, cur.msg.lateness as LatenessFigures));
      const r = rows[rows.length - 1] as WindowFigures;
      ctx.log(`  window ${String(w)}/${String(windows)}: ${fmt(r.probesPerSec, 0)} probes/s, lateness p50 ${fmt(r.lateness.p50, 0)} p99 ${fmt(r.lateness.p99, 0)} max ${fmt(r.lateness.max, 0)} ms, ${fmt(r.cpuPerSec, 2)} CPU-s/s, backlog ${String(r.backlog)}, RSS ${fmt(r.rssMiB, 0)} MiB`);
      prev = cur;
    }
    const peakRssMiB = procMem(engine.pid).peakRssBytes / MIB;
    engine.send({ type: "finish" });
    const finished = await engine.waitFor("finished", 5 * 60_000);
    const whole = figures(first, prev, finished.lateness as LatenessFigures);
    await engine.stop();
    targetRequests = await stopTarget(target);
    return { windows: rows, whole, ready, finished, peakRssMiB, finalDbMiB: dbBytes(dbFile) / MIB, targetRequests };
  } finally {
    await engine?.stop();
    await target.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function windowRow(label: string, f: WindowFigures): string {
  const cells = [
    label,
    fmt(f.seconds, 0),
    fmt(f.probesPerSec, 0),
    `${fmt(f.lateness.p50, 0)} / ${fmt(f.lateness.p99, 0)} / ${fmt(f.lateness.max, 0)}`,
    `${fmt(f.cpuPerSec, 2)} (${fmt(f.sysPerSec, 2)})`,
    fmt(f.cpuMsPerCheck, 3),
    fmt(f.targetCpuPerSec, 2),
    fmt(f.rssMiB, 0),
    `${String(f.backlog)} / ${String(f.running)}`,
    fmt(f.growthMiBPerHour, 0),
  ];
  return `| ${cells.join(" | ")} |`;
}

function spreadRow(ws: readonly WindowFigures[]): string {
  const s = (pick: (f: WindowFigures) => number, d: number) => fmtSpread(spread(ws.map(pick)), d);
  const cells = ["median (min–max)", s((f) => f.seconds, 0), s((f) => f.probesPerSec, 0), `${s((f) => f.lateness.p50, 0)} / ${s((f) => f.lateness.p99, 0)} / ${s((f) => f.lateness.max, 0)}`, s((f) => f.cpuPerSec, 2), s((f) => f.cpuMsPerCheck, 3), s((f) => f.targetCpuPerSec, 2), s((f) => f.rssMiB, 0), s((f) => f.backlog, 0), s((f) => f.growthMiBPerHour, 0)];
  return `| ${cells.join(" | ")} |`;
}

function tables(r: RunResult): string {
  const head = "| Window | Seconds | Probes/s | Lateness p50 / p99 / max (ms) | Engine CPU-s/s (of which sys) | Engine CPU-ms / check | Target CPU-s/s | Engine RSS (MiB) | Backlog / running at end | DB+WAL growth (MiB/h) |";
  const rule = "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|";
  const rows = r.windows.map((w, i) => windowRow(String(i + 1), w));
  const f = r.finished;
  const byHealth = Object.entries((f.byHealth ?? {}) as Record<string, number>).map(([h, n]) => `${h} ${n.toLocaleString("en")}`).join(", ");
  const stored = Number(f.checks) === Number(f.results) && Number(f.droppedResults) === 0;
  const end = [
    "| Checks (engine) | Result rows | Every check stored | Dropped by the writer | Rows by health | Target requests | Peak RSS, VmHWM (MiB) | DB after close (MiB) | engine.stop() (ms) |",
    "|---:|---:|---|---:|---|---:|---:|---:|---:|",
    `| ${Number(f.checks).toLocaleString("en")} | ${Number(f.results).toLocaleString("en")} | ${stored ? "yes" : "**no**"} | ${String(f.droppedResults)} | ${byHealth} | ${r.targetRequests.toLocaleString("en")} | ${fmt(r.peakRssMiB, 0)} | ${fmt(r.finalDbMiB, 1)} | ${fmt(Number(f.stopMs), 0)} |`,
  ];
  return [head, rule, ...rows, spreadRow(r.windows), windowRow("whole measured run", r.whole), "", ...end].join("\n");
}

function note(r: RunResult): string {
  const nominal = (MONITORS * 1000) / INTERVAL_MS;
  const w = r.whole;
  const keptUp = w.probesPerSec >= 0.98 * nominal && w.backlog === 0 && w.lateness.p99 < INTERVAL_MS / 10;
  const logs = Object.entries((r.finished.logCounts ?? {}) as Record<string, number>);
  return (
    `${keptUp ? "The engine kept up" : "The engine did **not** keep up"}: ${fmt(w.probesPerSec, 0)} probes/s against ${fmt(nominal, 0)} scheduled, ` +
    `lateness p99 ${fmt(w.lateness.p99, 0)} ms, backlog ${String(w.backlog)} at the end, ${fmt(w.cpuPerSec, 2)} engine CPU-s/s (${fmt(w.cpuMsPerCheck, 2)} ms per check), ` +
    `DB growing ${fmt(w.growthMiBPerHour / 1024, 2)} GiB/h (${fmt((w.growthMiBPerHour * MIB) / 3600 / w.probesPerSec, 0)} bytes per check); ` +
    `${Number(r.finished.checks) === Number(r.finished.results) ? "every check was stored" : `${String(Number(r.finished.checks) - Number(r.finished.results))} checks were not stored`}` +
    `${logs.length ? `; engine log warnings/errors and process warnings: ${logs.map(([m, n]) => `"${m}" ×${String(n)}`).join(", ")}` : "; no engine log warning or error, no process warning"}.`
  );
}

async function profileSection(ctx: ScenarioContext): Promise<string> {
  const root = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
  const path = join(ctx.tmpDir, `engine-capacity-${Date.now()}.cpuprofile`);
  ctx.log(`  profiling ${String(PROFILE_DURATION_S)} s → ${path}`);
  const r = await runOnce(ctx, PROFILE_DURATION_S, 1, path);
  const sum = summariseFile(path, root);
  return [
    `#### Profile (one extra run, ${String(PROFILE_DURATION_S)} s measured, V8 sampling profiler at 1 ms in the engine process; not in the table above)`,
    "",
    `${fmt(r.whole.probesPerSec, 0)} probes/s and ${fmt(r.whole.cpuPerSec, 2)} engine CPU-s/s while profiled; ${fmt(sum.busyMs, 0)} ms busy (non-idle) sampled (\`${path.replace(`${root}/`, "")}\`, git-ignored).`,
    "",
    ...profileTables(sum),
    ...threadProfileTables(path, root),
  ].join("\n");
}

async function run(ctx: ScenarioContext): Promise<ScenarioReport> {
  MONITORS = ctx.smoke ? 1_000 : 10_000;
  const durationS = ctx.durationS ?? (ctx.smoke ? SMOKE_DURATION_S : DEFAULT_DURATION_S);
  const r = await runOnce(ctx, durationS, ctx.runs);
  const profile = ctx.profile ? await profileSection(ctx) : undefined;
  return {
    setup:
      `${MONITORS.toLocaleString("en")} HTTP GET monitors (one path each), ${String(INTERVAL_MS / 1000)} s interval, default settings (timeout 10 s, no retries, status assertion), ` +
      `run by \`Engine.start(config, { store, probes: PROBES, log })\` with its defaults (concurrency ${String(r.ready.concurrency)}, from the open-file limit; flush 200 ms) and a SQLite store (WAL) in bench/.tmp, in its own process; ` +
      `target: node:http answering 200 "ok" in another process on 127.0.0.1. One engine run: start-up and ${String(WARMUP_MS / 1000)} s of warm-up (not measured), then ${fmt(durationS, 0)} s measured as ${String(ctx.runs)} consecutive windows ` +
      `(the harness's runs; one long run rather than ${String(ctx.runs)} fresh processes, so the windows also show drift). ` +
      `Engine started in ${fmt(Number(r.ready.startMs), 0)} ms. CPU is utime+stime from /proc/<pid>/stat; RSS from /proc/<pid>/status; lateness is every sample the scheduler reported in the window ` +
      `(tapped from \`engine.lateness\`, whose own window keeps the last 65,536); DB growth is the SQLite file plus its -wal, extrapolated linearly to an hour. ` +
      `"Every check stored" compares \`engine.stats().checks\` with \`store.countResults()\` after \`engine.stop()\` (warm-up included).`,
    table: tables(r),
    note: note(r),
    ...(profile ? { profile } : {}),
  };
}

/** The engine-capacity scenario. */
export const engineCapacity: Scenario = {
  name: "engine-capacity",
  description: "10k HTTP monitors at 10 s through the whole engine and a SQLite store for --duration (default 300 s)",
  run,
};
