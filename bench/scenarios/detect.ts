/**
 * detect: 100,000 heartbeat monitors in the whole engine (SQLite store); 99 % keep checking in,
 * a random 1 % go silent each window; how long after each missed deadline its `state.changed` to
 * down reaches the effects handler, whether every silent one was caught and no other one was.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ChildHandle, type Message, startChild } from "../lib/child.ts";
import { profileTables, summariseFile, threadProfileTables } from "../lib/cpuprofile-summary.ts";
import type { Pauses } from "../lib/pause-watch.ts";
import type { ProcCpu } from "../lib/proc-cpu.ts";
import { procMem } from "../lib/proc-mem.ts";
import { fmt, fmtSpread, spread } from "../lib/stats.ts";
import { check, holds } from "../lib/targets.ts";
import type { Scenario, ScenarioContext, ScenarioReport, TargetCheck } from "../lib/types.ts";
import type { DetectFigures, DetectRunConfig } from "../probers/detect-run.ts";

// Sizes: the issue's by default, tiny for a smoke run (--smoke), set when the scenario starts.
const FULL_MONITORS = 100_000;
const SMOKE_MONITORS = 5_000;
const SMOKE_DURATION_S = 48;
let MONITORS = FULL_MONITORS;
const SILENT_SHARE = 0.01;
const MAX_PERIOD_MS = 60_000;
/** After the last deadline of a window, time left for its downs to arrive. */
const SLACK_MS = 10_000;
const DEFAULT_DURATION_S = 210;
const PROFILE_WINDOW_S = 70;
const SEED = 20_261_121;
const MIB = 2 ** 20;
const CHILD = fileURLToPath(new URL("../probers/detect-run.ts", import.meta.url));

/** One window's figures. */
interface WindowRow {
  seconds: number;
  figures: DetectFigures;
  falseDowns: number;
  pingsPerSec: number;
  cpuPerSec: number;
  loopMaxMs: number;
  gcMaxMs: number;
  gcMajorMaxMs: number;
  /** Times a 20 ms timer in the engine could not run for over 250 ms. */
  stalls: number;
  rssMiB: number;
  heapMiB: number;
}

/** What one engine process measured. */
interface RunResult {
  periodMs: number;
  windowMs: number;
  ready: Message;
  readyRssBytes: number;
  rows: WindowRow[];
  finished: Message;
  dbMiB: number;
}

const cpuS = (c: ProcCpu) => c.user + c.sys;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fileMiB(file: string): number {
  const size = (f: string) => {
    try {
      return statSync(f).size;
    } catch {
      return 0;
    }
  };
  return (size(file) + size(`${file}-wal`)) / MIB;
}

async function measureWindow(ctx: ScenarioContext, child: ChildHandle, windowMs: number, k: number, total: number): Promise<WindowRow> {
  const cpu0 = child.cpu();
  child.send({ type: "silence" });
  const s = await child.waitFor("silenced", 60_000);
  await sleep(windowMs);
  child.send({ type: "collect" });
  const c = await child.waitFor("collected", 120_000);
  const cpu1 = child.cpu();
  const seconds = (Number(c.atMs) - Number(s.atMs)) / 1000;
  const f = c as unknown as DetectFigures & Message;
  const m = c.mem as { heapUsedBytes: number };
  const p = c.pauses as Pauses;
  const row: WindowRow = { seconds, figures: f, falseDowns: Number(c.falseDowns), pingsPerSec: (Number(c.pings) - Number(s.pings)) / seconds, cpuPerSec: (cpuS(cpu1) - cpuS(cpu0)) / seconds, loopMaxMs: p.maxMs, gcMaxMs: p.gcMaxMs, gcMajorMaxMs: p.gcMajorMaxMs, stalls: (c.stalls as unknown[]).length, rssMiB: procMem(child.pid).rssBytes / MIB, heapMiB: m.heapUsedBytes / MIB };
  ctx.log(`  window ${String(k)}/${String(total)}: ${String(f.detected)}/${String(f.silenced)} detected, deadline → handler p50 ${fmt(f.p50, 0)} p99 ${fmt(f.p99, 0)} max ${fmt(f.max, 0)} ms, false ${String(row.falseDowns)}, ${fmt(row.pingsPerSec, 0)} pings/s, ${fmt(row.cpuPerSec, 2)} CPU-s/s, loop max ${fmt(row.loopMaxMs, 0)} ms (GC max ${fmt(row.gcMaxMs, 0)} ms, ${String(row.stalls)} stalls > 250 ms), RSS ${fmt(row.rssMiB, 0)} MiB`);
  return row;
}

/** One engine process: start, warm-up, `windows` windows of `windowMs`, finish. */
async function runOnce(ctx: ScenarioContext, windowMs: number, windows: number, profilePath?: string): Promise<RunResult> {
  const periodMs = Math.min(MAX_PERIOD_MS, windowMs - SLACK_MS);
  if (periodMs < 5000) throw new Error(`detect: windows of ${String(windowMs / 1000)} s are too short (at least ${String((5000 + SLACK_MS) / 1000)} s: a period of 5 s and its slack)`);
  const dir = mkdtempSync(join(ctx.tmpDir, "detect-"));
  const dbFile = join(dir, "upbeat.db");
  const capMs = 10 * 60_000 + windows * windowMs;
  const cfg: DetectRunConfig = { monitors: MONITORS, periodMs, cycleMs: periodMs / 2, silentShare: SILENT_SHARE, seed: SEED, dbFile, capMs, ...(profilePath ? { profilePath } : {}) };
  const child = startChild(CHILD, { args: [JSON.stringify(cfg)], capMs, nodeFlags: ["--expose-gc"] });
  try {
    const ready = await child.waitFor("ready", 8 * 60_000);
    const readyRssBytes = procMem(child.pid).rssBytes;
    ctx.log(`  ${MONITORS.toLocaleString("en")} monitors: config ${fmt(Number(ready.loadMs) / 1000, 1)} s, Engine.start ${fmt(Number(ready.startMs) / 1000, 1)} s, first pings ${fmt(Number(ready.burstMs) / 1000, 1)} s, then one ${String(periodMs / 2000)} s ping cycle; RSS ${fmt(readyRssBytes / MIB, 0)} MiB`);
    const rows: WindowRow[] = [];
    for (let k = 1; k <= windows; k++) rows.push(await measureWindow(ctx, child, windowMs, k, windows));
    child.send({ type: "finish" });
    const finished = await child.waitFor("finished", 5 * 60_000);
    await child.stop();
    return { periodMs, windowMs, ready, readyRssBytes, rows, finished, dbMiB: fileMiB(dbFile) };
  } finally {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function windowRow(label: string, w: WindowRow): string {
  const f = w.figures;
  return `| ${label} | ${fmt(w.seconds, 0)} | ${String(f.silenced)} | ${String(f.detected)} | ${String(w.falseDowns)} | ${String(f.early)} | ${fmt(f.p50, 0)} / ${fmt(f.p99, 0)} / ${fmt(f.max, 0)} | ${fmt(f.observedP99, 0)} / ${fmt(f.observedMax, 0)} | ${fmt(w.pingsPerSec, 0)} | ${fmt(w.cpuPerSec, 2)} | ${fmt(w.loopMaxMs, 0)} / ${fmt(w.gcMaxMs, 0)} (${fmt(w.gcMajorMaxMs, 0)}) | ${String(w.stalls)} | ${fmt(w.rssMiB, 0)} | ${fmt(w.heapMiB, 0)} |`;
}

function tables(r: RunResult): string {
  const head = "| Window | Seconds | Silenced | Detected | False downs (cumulative) | Early | Deadline → handler p50 / p99 / max (ms) | Deadline → observation p99 / max (ms) | Pings/s | Engine CPU-s/s | Loop max / GC pause max (major) (ms) | Stalls > 250 ms | RSS (MiB) | Heap after GC (MiB) |";
  const rule = "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";
  const rows = r.rows.map((w, i) => windowRow(String(i + 1), w));
  const s = (pick: (w: WindowRow) => number, d: number) => fmtSpread(spread(r.rows.map(pick)), d);
  const med = `| median (min–max) | ${s((w) => w.seconds, 0)} | ${s((w) => w.figures.silenced, 0)} | ${s((w) => w.figures.detected, 0)} | ${s((w) => w.falseDowns, 0)} | ${s((w) => w.figures.early, 0)} | ${s((w) => w.figures.p50, 0)} / ${s((w) => w.figures.p99, 0)} / ${s((w) => w.figures.max, 0)} | ${s((w) => w.figures.observedP99, 0)} / ${s((w) => w.figures.observedMax, 0)} | ${s((w) => w.pingsPerSec, 0)} | ${s((w) => w.cpuPerSec, 2)} | ${s((w) => w.loopMaxMs, 0)} / ${s((w) => w.gcMaxMs, 0)} (${s((w) => w.gcMajorMaxMs, 0)}) | ${s((w) => w.stalls, 0)} | ${s((w) => w.rssMiB, 0)} | ${s((w) => w.heapMiB, 0)} |`;
  const f = r.finished;
  const all = f.all as DetectFigures;
  const whole = `| all windows pooled | | ${String(all.silenced)} | ${String(all.detected)} | ${String(f.falseDowns)} | ${String(all.early)} | ${fmt(all.p50, 0)} / ${fmt(all.p99, 0)} / ${fmt(all.max, 0)} | ${fmt(all.observedP99, 0)} / ${fmt(all.observedMax, 0)} | | | | | | |`;
  const rd = r.ready;
  type Mem = { rssBytes: number; heapUsedBytes: number };
  const [before, loaded, started, after] = (["before", "loaded", "started", "after"] as const).map((k) => rd[k] as Mem) as [Mem, Mem, Mem, Mem];
  const mm = (m: Mem) => `${fmt(m.rssBytes / MIB, 0)} / ${fmt(m.heapUsedBytes / MIB, 0)}`;
  const per = (a: number, b: number) => fmt((a - b) / MONITORS / 1024, 2);
  const mem = [
    "| Monitors | Config load / Engine.start / first pings (s) | RSS / heap (MiB): before config | after config load | after Engine.start | after warm-up | Per service after warm-up, RSS / heap (KiB) | Downs in warm-up | Downs handed | Incidents handed / stored | DB+WAL at end (MiB) | engine.stop() (ms) |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    `| ${MONITORS.toLocaleString("en")} | ${fmt(Number(rd.loadMs) / 1000, 1)} / ${fmt(Number(rd.startMs) / 1000, 1)} / ${fmt(Number(rd.burstMs) / 1000, 1)} | ${mm(before)} | ${mm(loaded)} | ${mm(started)} | ${mm(after)} | ${per(after.rssBytes, before.rssBytes)} / ${per(after.heapUsedBytes, before.heapUsedBytes)} | ${String(f.warmupDowns)} | ${String(f.downs)} | ${String(f.incidentsHanded)} / ${String(f.incidentsStored)} | ${fmt(r.dbMiB, 0)} | ${fmt(Number(f.stopMs), 0)} |`,
  ];
  return [head, rule, ...rows, med, whole, "", ...mem].join("\n");
}

function note(r: RunResult): string {
  const f = r.finished;
  const all = f.all as DetectFigures;
  const caught = all.detected === all.silenced;
  const after = r.ready.after as { rssBytes: number; heapUsedBytes: number };
  return (
    `${caught ? "Every" : `**Only ${String(all.detected)} of ${String(all.silenced)}**`} silent service went down (${String(all.silenced)} over ${String(r.rows.length)} windows), ${Number(f.falseDowns) === 0 ? "with no false detection" : `**with ${String(f.falseDowns)} false detections**`}${all.early ? ` and **${String(all.early)} before their deadline**` : ""}; ` +
    `missed deadline → down handed to the effects handler p50 ${fmt(all.p50, 0)} ms, p99 ${fmt(all.p99, 0)} ms (target ≤ 1,000 ms), max ${fmt(all.max, 0)} ms, of which the scheduler's part (deadline → observation) p99 ${fmt(all.observedP99, 0)} ms. ` +
    `${Number(f.warmupDowns) ? `${String(f.warmupDowns)} services went down during warm-up (not pinged within one period of their creation; see the memory table). ` : ""}` +
    `The engine's event loop was blocked up to ${fmt(Math.max(...r.rows.map((w) => w.loopMaxMs)), 0)} ms in a window (longest single GC pause ${fmt(Math.max(...r.rows.map((w) => w.gcMaxMs)), 0)} ms) at ${fmt(r.rows[0]?.pingsPerSec ?? NaN, 0)} pings/s and ${fmt(r.rows[0]?.cpuPerSec ?? NaN, 2)} CPU-s/s. ` +
    `After warm-up ${MONITORS.toLocaleString("en")} heartbeats took ${fmt(after.rssBytes / MIB, 0)} MiB RSS and ${fmt(after.heapUsedBytes / MIB, 0)} MiB of live heap.`
  );
}

async function profileSection(ctx: ScenarioContext): Promise<string> {
  const root = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
  const path = join(ctx.tmpDir, `detect-${String(Date.now())}.cpuprofile`);
  ctx.log(`  profiling one ${String(PROFILE_WINDOW_S)} s window → ${path}`);
  const r = await runOnce(ctx, PROFILE_WINDOW_S * 1000, 1, path);
  const sum = summariseFile(path, root);
  const all = r.finished.all as DetectFigures;
  return [
    `#### Profile (one extra engine run, one ${String(PROFILE_WINDOW_S)} s window profiled with the V8 sampling profiler at 1 ms in the engine process; not in the tables above)`,
    "",
    `Deadline → handler p99 ${fmt(all.p99, 0)} ms while profiled; ${fmt(sum.busyMs, 0)} ms busy (non-idle) sampled (\`${path.replace(`${root}/`, "")}\`, git-ignored).`,
    "",
    ...profileTables(sum),
    ...threadProfileTables(path, root),
  ].join("\n");
}

function targets(r: RunResult): TargetCheck[] {
  const f = r.finished;
  const all = f.all as DetectFigures;
  return [
    check("detect", "deadline → notification handed over, p99", all.p99, { op: "≤", bound: 1000, measured: `${fmt(all.p99, 0)} ms`, target: "≤ 1 s" }),
    holds("detect", "every silent service caught, no false down", all.detected === all.silenced && Number(f.falseDowns) === 0, `${String(all.detected)}/${String(all.silenced)} caught, ${String(f.falseDowns)} false`, "all, none false"),
  ];
}

async function run(ctx: ScenarioContext): Promise<ScenarioReport> {
  MONITORS = ctx.smoke ? SMOKE_MONITORS : FULL_MONITORS;
  const durationS = ctx.durationS ?? (ctx.smoke ? SMOKE_DURATION_S : DEFAULT_DURATION_S);
  const windowMs = (durationS * 1000) / ctx.runs;
  const r = await runOnce(ctx, windowMs, ctx.runs);
  const profile = ctx.profile ? await profileSection(ctx) : undefined;
  return {
    setup:
      `${MONITORS.toLocaleString("en")} heartbeat monitors (period ${String(r.periodMs / 1000)} s, grace 0) loaded with \`loadText\` and run by \`Engine.start(config, { store, probes: PROBES, log, effects })\` with its defaults (flush 200 ms) and a SQLite store in bench/.tmp, in its own process (run with --expose-gc for the memory figures). ` +
      `Check-ins are \`engine.heartbeats.ping(id, { type: "success", at: Date.now() })\` in-process: every service once right after start, then each service still pinged every ${String(r.periodMs / 2000)} s on its own phase (i/N of the cycle), so a deadline is never near for those. ` +
      `After one such cycle (warm-up, not measured; memory read after a full GC) ${fmt(durationS, 0)} s are measured as ${String(ctx.runs)} consecutive windows of ${fmt(r.windowMs / 1000, 0)} s (the harness's runs; one process, as engine-capacity does): at the start of each, a seeded random ${String(SILENT_SHARE * 100)} % of the still-pinged services stop (their deadline read with \`heartbeats.view(id).deadlineAt\` then, i.e. after their last ping; it falls within the window), and each one's delay is measured from that deadline to the moment the effects handler is handed its \`state.changed\` to down (where a notification would be handed to a channel); "observation" is the \`at\` of that record (when the scheduler fired). ` +
      `A false down is a down of a service that was still being pinged. Engine CPU is utime+stime from /proc; RSS from /proc/<pid>/status; loop max is the engine's longest event-loop delay in the window (perf_hooks, 10 ms resolution), GC pause max its longest garbage-collector pause (perf_hooks \`gc\` entries; major = mark-compact); stalls are the times a 20 ms interval timer in the engine process could not run for over 250 ms. Other work (tests, builds) may have been running on the machine.`,
    table: tables(r),
    note: note(r),
    targets: targets(r),
    ...(profile ? { profile } : {}),
  };
}

/** The detect scenario. */
export const detect: Scenario = {
  name: "detect",
  description: "100k heartbeat monitors in the engine, a random 1 % go silent per window: missed deadline → down handed to effects, p50/p99 (--duration, default 210 s)",
  run,
};
