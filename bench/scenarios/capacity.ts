/**
 * capacity and capacity-pg: 100,000 HTTP monitors at a 60 s interval through the whole engine
 * against several local target processes for 10 minutes, on SQLite or on PostgreSQL: scheduling
 * lateness, peak RSS, the backlog minute by minute (does it grow?), and whether every check
 * became a result row.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ChildHandle, type Message, startChild } from "../lib/child.ts";
import { benchSchema, dropSchema, PG_URL, pgSpec, pgUnavailable, schemaBytes } from "../lib/pg.ts";
import { profileTables, summariseFile, threadProfileTables } from "../lib/cpuprofile-summary.ts";
import type { Pauses } from "../lib/pause-watch.ts";
import type { ProcCpu } from "../lib/proc-cpu.ts";
import { procMem } from "../lib/proc-mem.ts";
import { fmt, fmtSpread, spread } from "../lib/stats.ts";
import { check, holds, notAvailable } from "../lib/targets.ts";
import type { Scenario, ScenarioContext, ScenarioReport, TargetCheck } from "../lib/types.ts";
import type { EngineRunConfig, LatenessFigures } from "../probers/engine-run.ts";

type StoreKind = "sqlite" | "postgres";

/** What one run does. */
interface Plan {
  monitors: number;
  intervalMs: number;
  durationS: number;
  windowS: number;
  windows: number;
  warmupMs: number;
  targets: number;
}

const FULL = { monitors: 100_000, intervalS: 60, durationS: 600, targets: 4 };
const SMOKE = { monitors: 2_000, intervalS: 10, durationS: 30, targets: 2 };
const WINDOW_S = 60;
const LATENESS_P99_MS = 250;
const RSS_LIMIT_BYTES = 1.5e9;
const MIB = 2 ** 20;
const here = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
const TARGET = here("../targets/http-target.ts");
const ENGINE = here("../probers/engine-run.ts");

/** One window's figures. */
interface Row {
  seconds: number;
  checksPerSec: number;
  lateness: LatenessFigures;
  backlogMean: number;
  backlogMax: number;
  cpuPerSec: number;
  cpuMsPerCheck: number;
  targetCpuPerSec: number;
  rssMiB: number;
  /** The engine's event-loop delay and GC pauses in the window. */
  pauses: Pauses;
}

interface Mark {
  msg: Message;
  engine: ProcCpu;
  targets: number;
  rssBytes: number;
}

/** Everything one run measured. */
interface RunResult {
  plan: Plan;
  ready: Message;
  rows: Row[];
  whole: Row;
  finished: Message;
  peakRssBytes: number;
  dbBytes: number;
  targetRequests: number;
}

function planOf(ctx: ScenarioContext): Plan {
  const d = ctx.smoke ? SMOKE : FULL;
  const durationS = ctx.durationS ?? d.durationS;
  const intervalMs = (ctx.intervalS ?? d.intervalS) * 1000;
  // Minute windows (first minute against last), at least as many as the harness's runs.
  const windowS = Math.min(WINDOW_S, durationS / ctx.runs);
  return { monitors: ctx.monitors ?? d.monitors, intervalMs, durationS, windowS, windows: Math.round(durationS / windowS), warmupMs: intervalMs, targets: d.targets };
}

const cpuS = (c: ProcCpu) => c.user + c.sys;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fileBytes(file: string): number {
  const size = (f: string) => {
    try {
      return statSync(f).size;
    } catch {
      return 0;
    }
  };
  return size(file) + size(`${file}-wal`);
}

async function mark(engine: ChildHandle, targets: readonly ChildHandle[]): Promise<Mark> {
  engine.send({ type: "mark" });
  const msg = await engine.waitFor("marked", 60_000);
  return { msg, engine: engine.cpu(), targets: targets.reduce((s, t) => s + cpuS(t.cpu()), 0), rssBytes: procMem(engine.pid).rssBytes };
}

function row(a: Mark, b: Mark, lateness: LatenessFigures, backlog: { mean: number; max: number }, pauses: Pauses): Row {
  const seconds = (Number(b.msg.atMs) - Number(a.msg.atMs)) / 1000;
  const checks = Number(b.msg.checks) - Number(a.msg.checks);
  const cpu = cpuS(b.engine) - cpuS(a.engine);
  return { seconds, checksPerSec: checks / seconds, lateness, backlogMean: backlog.mean, backlogMax: backlog.max, cpuPerSec: cpu / seconds, cpuMsPerCheck: (cpu * 1000) / checks, targetCpuPerSec: (b.targets - a.targets) / seconds, rssMiB: b.rssBytes / MIB, pauses };
}

async function stopTargets(targets: readonly ChildHandle[]): Promise<number> {
  const counts = await Promise.all(
    targets.map(async (t) => {
      const stopped = t.waitFor("stopped", 10_000).catch(() => undefined);
      await t.stop();
      return Number((await stopped)?.requests ?? Number.NaN);
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

async function measureWindows(ctx: ScenarioContext, plan: Plan, engine: ChildHandle, targets: readonly ChildHandle[]): Promise<{ rows: Row[]; first: Mark; last: Mark }> {
  const first = await mark(engine, targets);
  let prev = first;
  const rows: Row[] = [];
  for (let w = 1; w <= plan.windows; w++) {
    await sleep(plan.windowS * 1000);
    const cur = await mark(engine, targets);
    const r = row(prev, cur, cur.msg.lateness as LatenessFigures, { mean: Number(cur.msg.backlogMean), max: Number(cur.msg.backlogMax) }, cur.msg.pauses as Pauses);
    rows.push(r);
    ctx.log(`  window ${String(w)}/${String(plan.windows)}: ${fmt(r.checksPerSec, 0)} checks/s, lateness p50 ${fmt(r.lateness.p50, 0)} p99 ${fmt(r.lateness.p99, 0)} max ${fmt(r.lateness.max, 0)} ms, backlog mean ${fmt(r.backlogMean, 1)} max ${fmt(r.backlogMax, 0)}, loop delay p99 ${fmt(r.pauses.p99Ms, 0)} max ${fmt(r.pauses.maxMs, 0)} ms, GC max ${fmt(r.pauses.gcMaxMs, 0)} (major ${fmt(r.pauses.gcMajorMaxMs, 0)}) total ${fmt(r.pauses.gcTotalMs, 0)} ms, ${fmt(r.cpuPerSec, 2)} CPU-s/s, RSS ${fmt(r.rssMiB, 0)} MiB`);
    prev = cur;
  }
  return { rows, first, last: prev };
}

/** One engine run: fresh targets, engine process and database (or schema). */
async function runOnce(ctx: ScenarioContext, kind: StoreKind, plan: Plan, profilePath?: string): Promise<RunResult> {
  const dir = mkdtempSync(join(ctx.tmpDir, `capacity-${kind}-`));
  const dbFile = join(dir, "upbeat.db");
  const schema = kind === "postgres" ? benchSchema("capacity") : undefined;
  const capMs = plan.warmupMs + plan.durationS * 1000 + 20 * 60_000;
  const expected = Math.ceil((plan.monitors * (plan.warmupMs + plan.durationS * 1000 + 60_000)) / plan.intervalMs);
  const targets = Array.from({ length: plan.targets }, () => startChild(TARGET, { args: [JSON.stringify({ capMs, maxRequests: 2 * Math.ceil(expected / plan.targets) + plan.monitors })], capMs }));
  let engine: ChildHandle | undefined;
  try {
    const ports = await Promise.all(targets.map(async (t) => Number((await t.waitFor("ready", 60_000)).port)));
    const baseUrls = ports.map((p) => `http://127.0.0.1:${String(p)}`);
    const cfg: EngineRunConfig = { baseUrl: baseUrls[0] as string, baseUrls, monitors: plan.monitors, intervalMs: plan.intervalMs, dbFile, warmupMs: plan.warmupMs, capMs, ...(schema ? { store: pgSpec(schema) } : {}), ...(profilePath ? { profilePath } : {}) };
    engine = startChild(ENGINE, { args: [JSON.stringify(cfg)], capMs });
    const ready = await engine.waitFor("ready", plan.warmupMs + 15 * 60_000);
    ctx.log(`  ${plan.monitors.toLocaleString("en")} monitors: Engine.start ${fmt(Number(ready.startMs) / 1000, 1)} s; warm-up ${String(plan.warmupMs / 1000)} s done (${String(ready.checks)} checks)`);
    const { rows, first, last } = await measureWindows(ctx, plan, engine, targets);
    const peakRssBytes = procMem(engine.pid).peakRssBytes;
    engine.send({ type: "finish" });
    const finished = await engine.waitFor("finished", 10 * 60_000);
    await engine.stop();
    const worst = (f: (p: Pauses) => number) => Math.max(...rows.map((r) => f(r.pauses)));
    const pauses: Pauses = { p50Ms: spread(rows.map((r) => r.pauses.p50Ms)).median, p99Ms: worst((p) => p.p99Ms), maxMs: worst((p) => p.maxMs), gcMaxMs: worst((p) => p.gcMaxMs), gcMajorMaxMs: worst((p) => p.gcMajorMaxMs), gcTotalMs: rows.reduce((t, r) => t + r.pauses.gcTotalMs, 0) };
    const whole = row(first, last, finished.lateness as LatenessFigures, { mean: spread(rows.map((r) => r.backlogMean)).median, max: Math.max(...rows.map((r) => r.backlogMax)) }, pauses);
    const dbBytes = schema ? await schemaBytes(schema) : fileBytes(dbFile);
    const targetRequests = await stopTargets(targets);
    return { plan, ready, rows, whole, finished, peakRssBytes, dbBytes, targetRequests };
  } finally {
    await engine?.stop();
    await Promise.all(targets.map((t) => t.stop()));
    rmSync(dir, { recursive: true, force: true });
    if (schema) await dropSchema(schema, ctx.log);
  }
}

function rowCells(label: string, r: Row): string {
  const p = r.pauses;
  return `| ${label} | ${fmt(r.seconds, 0)} | ${fmt(r.checksPerSec, 0)} | ${fmt(r.lateness.p50, 0)} / ${fmt(r.lateness.p99, 0)} / ${fmt(r.lateness.max, 0)} | ${fmt(r.backlogMean, 1)} / ${fmt(r.backlogMax, 0)} | ${fmt(p.p99Ms, 0)} / ${fmt(p.maxMs, 0)} | ${fmt(p.gcMaxMs, 0)} / ${fmt(p.gcMajorMaxMs, 0)} / ${fmt(p.gcTotalMs, 0)} | ${fmt(r.cpuPerSec, 2)} | ${fmt(r.cpuMsPerCheck, 3)} | ${fmt(r.targetCpuPerSec, 2)} | ${fmt(r.rssMiB, 0)} |`;
}

function tables(r: RunResult): string {
  const head = "| Window | Seconds | Checks/s | Lateness p50 / p99 / max (ms) | Backlog mean / max (1 s samples) | Loop delay p99 / max (ms) | GC pause max / major max / total (ms) | Engine CPU-s/s | Engine CPU-ms / check | Targets CPU-s/s | Engine RSS at end (MiB) |";
  const rule = "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";
  const s = (pick: (x: Row) => number, d: number) => fmtSpread(spread(r.rows.map(pick)), d);
  const med = `| median (min–max) | ${s((x) => x.seconds, 0)} | ${s((x) => x.checksPerSec, 0)} | ${s((x) => x.lateness.p50, 0)} / ${s((x) => x.lateness.p99, 0)} / ${s((x) => x.lateness.max, 0)} | ${s((x) => x.backlogMean, 1)} / ${s((x) => x.backlogMax, 0)} | ${s((x) => x.pauses.p99Ms, 0)} / ${s((x) => x.pauses.maxMs, 0)} | ${s((x) => x.pauses.gcMaxMs, 0)} / ${s((x) => x.pauses.gcMajorMaxMs, 0)} / ${s((x) => x.pauses.gcTotalMs, 0)} | ${s((x) => x.cpuPerSec, 2)} | ${s((x) => x.cpuMsPerCheck, 3)} | ${s((x) => x.targetCpuPerSec, 2)} | ${s((x) => x.rssMiB, 0)} |`;
  const f = r.finished;
  const byHealth = Object.entries((f.byHealth ?? {}) as Record<string, number>).map(([h, n]) => `${h} ${n.toLocaleString("en")}`).join(", ");
  const end = [
    "| Checks (engine) | Result rows | Every check stored | Dropped by the writer | Commits / tried again (database busy) | Rows by health | Target requests | Peak RSS, VmHWM (MiB) | Database at end (MiB) | engine.stop() (ms) |",
    "|---:|---:|---|---:|---:|---|---:|---:|---:|---:|",
    `| ${Number(f.checks).toLocaleString("en")} | ${Number(f.results).toLocaleString("en")} | ${stored(r) ? "yes" : "**no**"} | ${String(f.droppedResults)} | ${Number(f.commits ?? 0).toLocaleString("en")} / ${Number(f.busyRetries ?? 0).toLocaleString("en")} | ${byHealth} | ${r.targetRequests.toLocaleString("en")} | ${fmt(r.peakRssBytes / MIB, 0)} | ${fmt(r.dbBytes / MIB, 1)} | ${fmt(Number(f.stopMs), 0)} |`,
  ];
  return [head, rule, ...r.rows.map((x, i) => rowCells(String(i + 1), x)), med, rowCells("whole measured run", r.whole), "", ...end].join("\n");
}

const stored = (r: RunResult) => Number(r.finished.checks) === Number(r.finished.results) && Number(r.finished.droppedResults) === 0;

/** The engine's concurrency (its default here): a backlog below one round of slots is no queue building up. */
const slots = (r: RunResult) => Number(r.ready.concurrency);

function backlogVerdict(r: RunResult): { ok: boolean; text: string } {
  const a = r.rows[0] as Row;
  const b = r.rows[r.rows.length - 1] as Row;
  return { ok: b.backlogMax <= Math.max(a.backlogMax, slots(r)), text: `first ${fmt(a.backlogMean, 1)} / ${fmt(a.backlogMax, 0)}, last ${fmt(b.backlogMean, 1)} / ${fmt(b.backlogMax, 0)} (mean / max)` };
}

function targetsOf(name: string, r: RunResult): TargetCheck[] {
  const p99 = Number((r.finished.lateness as LatenessFigures).p99);
  const b = backlogVerdict(r);
  return [
    check(name, "p99 scheduling lateness", p99, { op: "<", bound: LATENESS_P99_MS, measured: `${fmt(p99, 0)} ms`, target: `< ${String(LATENESS_P99_MS)} ms` }),
    check(name, "peak RSS (VmHWM)", r.peakRssBytes, { op: "<", bound: RSS_LIMIT_BYTES, measured: `${fmt(r.peakRssBytes / MIB, 0)} MiB`, target: `< 1.5 GB (${fmt(RSS_LIMIT_BYTES / MIB, 0)} MiB)` }),
    holds(name, "backlog, first vs last window", b.ok, b.text, `no growth (last max ≤ max(first max, ${String(slots(r))}))`),
    holds(name, "every result stored", stored(r), `${Number(r.finished.results).toLocaleString("en")} rows / ${Number(r.finished.checks).toLocaleString("en")} checks`, "rows = checks"),
  ];
}

function setup(kind: StoreKind, r: RunResult): string {
  const p = r.plan;
  const n = (x: number) => x.toLocaleString("en");
  return (
    `${n(p.monitors)} HTTP GET monitors (one path each), ${String(p.intervalMs / 1000)} s interval (${fmt((p.monitors * 1000) / p.intervalMs, 0)} checks/s scheduled), default settings (timeout 10 s, no retries, status assertion), spread round-robin over ${String(p.targets)} node:http target processes on 127.0.0.1 answering 200 "ok". ` +
    `Upbeat's HTTP probe opens a fresh connection for every check (\`agent: false\`, so \`Connection: close\`); the targets close each connection after its answer. ` +
    `\`Engine.start(config, { store, probes: PROBES, probeThreads, log })\` as \`upbeat serve\` starts it (${String(r.ready.probeThreads ?? 0)} probe threads; concurrency ${String(slots(r))}, from the open-file limit; flush 200 ms) in its own process, store ${kind === "sqlite" ? "SQLite (WAL) in bench/.tmp" : `PostgreSQL ${PG_URL}, a fresh schema dropped afterwards`}. ` +
    `Engine.start took ${fmt(Number(r.ready.startMs) / 1000, 1)} s; then ${String(p.warmupMs / 1000)} s of warm-up (one interval: every monitor has run once), then ${fmt(p.durationS, 0)} s measured as ${String(p.windows)} windows of ${fmt(p.windowS, 0)} s ` +
    `(one long run: the windows are the harness's runs, so the first and last minutes can be compared). Lateness is every sample the engine took: with probe threads, from a check's due time to the start of its first attempt in its thread (the queue for a slot, the hand-over and the thread's own delays); without, from the due time to its start by the scheduler; the backlog (runs waiting for a slot) is sampled every second in the engine; the loop delay (perf_hooks, 10 ms resolution) and GC pauses (\`gc\` performance entries) are measured inside the engine; ` +
    `CPU is utime+stime from /proc/<pid>/stat; RSS from /proc/<pid>/status (peak = VmHWM over the process's life, start-up included). "Every check stored" compares \`engine.stats().checks\` with \`store.countResults()\` after \`engine.stop()\` (warm-up included).`
  );
}

function note(r: RunResult): string {
  const w = r.whole;
  const nominal = (r.plan.monitors * 1000) / r.plan.intervalMs;
  const logs = Object.entries((r.finished.logCounts ?? {}) as Record<string, number>);
  return (
    `${fmt(w.checksPerSec, 0)} checks/s against ${fmt(nominal, 0)} scheduled; lateness p99 ${fmt(w.lateness.p99, 0)} ms over the run; backlog ${backlogVerdict(r).text}; peak RSS ${fmt(r.peakRssBytes / MIB, 0)} MiB; ${fmt(w.cpuPerSec, 2)} engine CPU-s/s (${fmt(w.cpuMsPerCheck, 2)} ms per check); ` +
    `${stored(r) ? "every check was stored" : `**${String(Number(r.finished.checks) - Number(r.finished.results))} checks were not stored**`}` +
    `${logs.length ? `; engine log warnings/errors: ${logs.map(([m, k]) => `"${m}" ×${String(k)}`).join(", ")}` : "; no engine log warning or error"}.`
  );
}

/** Measured seconds of the profiled run (after its own warm-up). */
const PROFILE_S = 60;

/** One extra, shorter run under the V8 sampling profiler, so that the table's run is not slowed by it. */
async function profileSection(ctx: ScenarioContext, name: string, kind: StoreKind, plan: Plan): Promise<string> {
  const root = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
  const path = join(ctx.tmpDir, `${name}-${String(Date.now())}.cpuprofile`);
  const durationS = Math.min(plan.durationS, PROFILE_S);
  ctx.log(`  profiling ${String(durationS)} s → ${path}`);
  const r = await runOnce(ctx, kind, { ...plan, durationS, windowS: durationS, windows: 1 }, path);
  const sum = summariseFile(path, root);
  return [
    `#### Profile (one extra run: the same warm-up, then ${String(durationS)} s under the V8 sampling profiler at 1 ms in the engine process; not in the table above)`,
    "",
    `${fmt(r.whole.checksPerSec, 0)} checks/s, lateness p99 ${fmt(r.whole.lateness.p99, 0)} ms and ${fmt(r.whole.cpuPerSec, 2)} engine CPU-s/s while profiled; ${fmt(sum.busyMs, 0)} ms busy (non-idle) sampled (\`${path.replace(`${root}/`, "")}\`, git-ignored).`,
    "",
    ...profileTables(sum),
    ...threadProfileTables(path, root),
  ].join("\n");
}

function capacityScenario(name: string, kind: StoreKind): Scenario {
  return {
    name,
    description: `100k HTTP monitors at 60 s for 10 min through the engine, ${kind === "sqlite" ? "SQLite" : "PostgreSQL"}: lateness p99, peak RSS, backlog, every result stored (--minutes, --monitors, --interval; --profile adds a shorter profiled run)`,
    run: async (ctx) => {
      const plan = planOf(ctx);
      if (kind === "postgres") {
        const why = await pgUnavailable();
        if (why) {
          ctx.log(`  ${name}: ${why}`);
          return { setup: `Needs PostgreSQL: ${why}.`, table: "(not run)", note: "not available", targets: [notAvailable(name, "the whole scenario", why, "PostgreSQL reachable")] };
        }
      }
      const r = await runOnce(ctx, kind, plan);
      const profile = ctx.profile ? await profileSection(ctx, name, kind, plan) : undefined;
      return { setup: setup(kind, r), table: tables(r), note: note(r), targets: targetsOf(name, r), ...(profile ? { profile } : {}) } satisfies ScenarioReport;
    },
  };
}

/** The capacity scenario (SQLite). */
export const capacity = capacityScenario("capacity", "sqlite");
/** The capacity-pg scenario (PostgreSQL). */
export const capacityPg = capacityScenario("capacity-pg", "postgres");
