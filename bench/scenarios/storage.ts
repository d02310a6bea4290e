/**
 * storage: 30 simulated days of 1,000 HTTP monitors checked every minute, written through the
 * engine's BatchWriter and the real SQLite store with the engine's prune loop and default
 * retention on the simulated clock: the database's size on disk, and the 365-day uptime query
 * for one monitor and for all of them.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_RETENTION } from "../../src/store/types.ts";
import { startChild } from "../lib/child.ts";
import type { ProcCpu } from "../lib/proc-cpu.ts";
import { fmt } from "../lib/stats.ts";
import { check, holds } from "../lib/targets.ts";
import type { Scenario, ScenarioContext, ScenarioReport } from "../lib/types.ts";
import type { StorageSimConfig } from "../probers/storage-sim.ts";

const FULL = { monitors: 1_000, days: 30 };
const SMOKE = { monitors: 50, days: 3 };
const DOWN_SHARE = 0.002;
const SINGLES = 200;
const MIN_ALL_RUNS = 20;
const SIZE_LIMIT_BYTES = 1e9;
const QUERY_LIMIT_MS = 20;
const SEED = 20_261_121;
const CAP_MS = 120 * 60_000;
const MIB = 2 ** 20;
const CHILD = fileURLToPath(new URL("../probers/storage-sim.ts", import.meta.url));

function size(f: string): number {
  try {
    return statSync(f).size;
  } catch {
    return 0;
  }
}

const cpuS = (c: ProcCpu) => c.user + c.sys;

async function run(ctx: ScenarioContext): Promise<ScenarioReport> {
  const d = ctx.smoke ? SMOKE : FULL;
  const monitors = ctx.monitors ?? d.monitors;
  const days = ctx.days ?? d.days;
  const dir = mkdtempSync(join(ctx.tmpDir, "storage-"));
  const dbFile = join(dir, "upbeat.db");
  const cfg: StorageSimConfig = { dbFile, monitors, days, downShare: DOWN_SHARE, singles: SINGLES, allRuns: Math.max(MIN_ALL_RUNS, ctx.runs), seed: SEED, capMs: CAP_MS };
  const child = startChild(CHILD, { args: [JSON.stringify(cfg)], capMs: CAP_MS });
  try {
    const built = await child.waitFor("built", CAP_MS);
    const buildCpu = cpuS(child.cpu());
    const openBytes = size(dbFile);
    const walBytes = size(`${dbFile}-wal`);
    ctx.log(`  built in ${fmt(Number(built.buildMs) / 1000, 0)} s: ${Number(built.checks).toLocaleString("en")} checks, database ${fmt(openBytes / MIB, 0)} MiB + WAL ${fmt(walBytes / MIB, 0)} MiB`);
    child.send({ type: "go" });
    const done = await child.waitFor("done", 30 * 60_000);
    await child.stop();
    const closedBytes = size(dbFile) + size(`${dbFile}-wal`);
    const diskBytes = Math.max(openBytes + walBytes, closedBytes);
    const rows = built.rows as Record<string, number>;
    const n = (x: number) => x.toLocaleString("en");
    const table = [
      "| Monitors | Simulated days | Checks written | Rows pruned | Rows left: results / minute / hour / day rollups | DB + WAL while open (MiB) | DB after close (MiB) | Bytes per result row left | Build (s) / CPU-s | Prune call p50 / max (ms, calls) |",
      "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
      `| ${n(monitors)} | ${String(days)} | ${n(Number(built.checks))} | ${n(Number(built.deleted))} | ${n(rows.results ?? 0)} / ${n(rows.rollup_minute ?? 0)} / ${n(rows.rollup_hour ?? 0)} / ${n(rows.rollup_day ?? 0)} | ${fmt(openBytes / MIB, 0)} + ${fmt(walBytes / MIB, 0)} | ${fmt(closedBytes / MIB, 0)} | ${fmt(closedBytes / (rows.results ?? 1), 0)} | ${fmt(Number(built.buildMs) / 1000, 0)} / ${fmt(buildCpu, 0)} | ${fmt(Number(built.pruneP50), 1)} / ${fmt(Number(built.pruneMax), 0)} (${String(built.pruneCalls)}) |`,
      "",
      "| Uptime query (5 periods up to 365 days) | Runs | p50 (ms) | p99 (ms) | max (ms) | Wrong answers |",
      "|---|---:|---:|---:|---:|---:|",
      `| one monitor (random) | ${String((done.singleMs as number[]).length)} | ${fmt(Number(done.singleP50), 2)} | ${fmt(Number(done.singleP99), 2)} | ${fmt(Math.max(...(done.singleMs as number[])), 2)} | ${String(done.wrong)} |`,
      `| all ${n(monitors)} monitors | ${String((done.allMs as number[]).length)} | ${fmt(Number(done.allP50), 1)} | ${fmt(Number(done.allP99), 1)} | ${fmt(Math.max(...(done.allMs as number[])), 1)} | |`,
      "",
      "| Table or index (largest first, SQLite `dbstat`, before close) | MiB | Rows | Bytes per row |",
      "|---|---:|---:|---:|",
      ...(built.bytes as Array<[string, number]>).slice(0, 8).map(([name, b]) => `| ${name} | ${fmt(b / MIB, 1)} | ${rows[name] !== undefined ? n(rows[name]) : ""} | ${rows[name] ? fmt(b / rows[name], 0) : ""} |`),
    ].join("\n");
    const r = DEFAULT_RETENTION;
    return {
      setup:
        `${n(monitors)} HTTP monitors, one check a minute each (spread over the minute), ${String(days)} simulated days ending now, ${String(DOWN_SHARE * 100)} % of checks failing at random; in its own process. ` +
        `Every check goes through the engine's own write path: \`resultRecord\` of an observation shaped like the engine's (copied from a real check of a local server, or for a failure of a closed port, with jittered timings) into the engine's \`BatchWriter\` (\`add\` for the result row, \`sample\` for the minute, hour and day rollups, a state row per monitor every simulated hour), committed every 10 simulated minutes through \`store.commit\` (SQLite, WAL, as \`upbeat serve\` opens it). ` +
        `Retention as the engine prunes: its loop of \`store.prune(now, DEFAULT_RETENTION, 2000)\` rounds on the simulated clock, run every simulated hour for the hour's minutes (defaults: results ${String(r.resultsDays)} d, up results ${String(r.upResultsDays)} d, minute rollups ${String(r.minuteDays)} d, hour ${String(r.hourDays)} d, day ${String(r.dayDays)} d). No VACUUM (Upbeat runs none). ` +
        `Then \`store.uptime(now, [id])\` for ${String(SINGLES)} random monitors (after 10 unmeasured) and \`store.uptime(now)\` ${String(cfg.allRuns)} times (after one), each answer checked (365-day check count); one build per invocation, the queries are the repeated measurement. A prune call's time is one round (up to 2,000 rows of each kind); the engine runs rounds while they find a full batch, up to 2 s a minute, yielding its event loop between them.`,
      table,
      note: `The database holds ${String(days)} days of ${n(monitors)} monitors in ${fmt(diskBytes / MIB, 0)} MiB (target ≤ 1 GB); the 365-day uptime query takes ${fmt(Number(done.singleP99), 2)} ms (p99) for one monitor and ${fmt(Number(done.allP99), 1)} ms (p99) for all (target ≤ ${String(QUERY_LIMIT_MS)} ms)${Number(done.wrong) ? `; **${String(done.wrong)} wrong answers**` : "; every answer counted the checks written"}.`,
      targets: [
        check("storage", "database size on disk", diskBytes, { op: "≤", bound: SIZE_LIMIT_BYTES, measured: `${fmt(diskBytes / MIB, 0)} MiB`, target: `≤ 1 GB (${fmt(SIZE_LIMIT_BYTES / MIB, 0)} MiB)` }),
        check("storage", "365-day uptime, one monitor, p99", Number(done.singleP99), { op: "≤", bound: QUERY_LIMIT_MS, measured: `${fmt(Number(done.singleP99), 2)} ms (p50 ${fmt(Number(done.singleP50), 2)})`, target: `≤ ${String(QUERY_LIMIT_MS)} ms` }),
        // The issue's query is a monitor's 365-day uptime (its page, its badge); all at once is shown for scale.
        { scenario: "storage", what: `365-day uptime, all ${n(monitors)} monitors at once, p99`, measured: `${fmt(Number(done.allP99), 1)} ms (p50 ${fmt(Number(done.allP50), 1)})`, target: "none (shown for scale)", verdict: "n/a" },
        holds("storage", "uptime answers right", Number(done.wrong) === 0, `${String(done.wrong)} wrong`, "0 wrong"),
      ],
    };
  } finally {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The storage scenario. */
export const storage: Scenario = {
  name: "storage",
  description: "30 simulated days of 1,000 monitors at 60 s through the engine's writer and prune loop (SQLite): database size, 365-day uptime query for one and for all (--monitors, --days)",
  run,
};
