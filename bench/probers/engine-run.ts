/**
 * The engine under load, as its own process: N HTTP monitors (one URL each) on a target in
 * another process, through `Engine.start` with the project's probes and a SQLite store, as
 * `upbeat serve` starts it. The harness drives it: after the warm-up it says `ready`; each `mark`
 * answers with the counters since the previous mark; `finish` stops the engine and reports what
 * was stored. Args: JSON `EngineRunConfig`.
 */
import BetterSqlite3 from "better-sqlite3";
import pino from "pino";
import { loadText } from "../../src/config/load.ts";
import type { UpbeatConfig } from "../../src/config/model.ts";
import { Engine } from "../../src/engine/engine.ts";
import { PROBES } from "../../src/probes/registry.ts";
import { openStore } from "../../src/store/open.ts";
import type { Store } from "../../src/store/types.ts";
import { type RunningProfile, startProfile } from "../lib/cpu-profile.ts";
import { boundLifetime, fail, fromParent, toParent } from "../lib/child-side.ts";
import { type Message } from "../lib/child.ts";

/** What the engine child is told (JSON in argv[2]). */
export interface EngineRunConfig {
  /** Target base URL (loopback), without a trailing slash; monitor i checks `<baseUrl>/m/<i>`. */
  baseUrl: string;
  /** Monitors. */
  monitors: number;
  /** Check interval of every monitor. */
  intervalMs: number;
  /** SQLite file (its directory is created). */
  dbFile: string;
  /** Time after start before `ready` (not measured). */
  warmupMs: number;
  /** Lifetime cap of the process. */
  capMs: number;
  /** Write a CPU profile from the first mark to `finish` here. */
  profilePath?: string;
}

/** Percentiles of scheduling lateness over a set of samples, ms. */
export interface LatenessFigures {
  /** Samples. */
  count: number;
  /** Median. */
  p50: number;
  /** 99th percentile. */
  p99: number;
  /** Largest. */
  max: number;
}

/** Same rank rule as the engine's LatenessWindow (floor(q·n)), over every sample given. */
function percentiles(chunks: readonly Float64Array[]): LatenessFigures {
  const n = chunks.reduce((s, c) => s + c.length, 0);
  const v = new Float64Array(n);
  let at = 0;
  for (const c of chunks) {
    v.set(c, at);
    at += c.length;
  }
  v.sort();
  const q = (p: number) => (n ? (v[Math.min(n - 1, Math.floor(p * n))] as number) : 0);
  return { count: n, p50: q(0.5), p99: q(0.99), max: n ? (v[n - 1] as number) : 0 };
}

function configFor(cfg: EngineRunConfig): UpbeatConfig {
  const lines = ["monitors:"];
  const width = String(cfg.monitors - 1).length;
  for (let i = 0; i < cfg.monitors; i++) lines.push(`  - { name: m${String(i).padStart(width, "0")}, url: "${cfg.baseUrl}/m/${String(i)}" }`);
  const { config, problems } = loadText("engine-capacity.yaml", lines.join("\n"), { env: {} });
  const errors = problems.filter((p) => p.severity === "error");
  if (errors.length) throw new Error(`bad bench config: ${JSON.stringify(errors.slice(0, 3))}`);
  // As test/helpers/engine.ts does: the interval is set on the resolved settings.
  for (const m of config.monitors) m.settings.intervalMs = cfg.intervalMs;
  return config;
}

/** A pino logger at warn level that counts messages (a few are echoed to stderr) instead of printing thousands; process warnings are counted too. */
function countingLog() {
  const counts: Record<string, number> = {};
  let echoed = 0;
  const log = pino(
    { level: "warn" },
    {
      write(line: string) {
        const msg = String((JSON.parse(line) as { msg?: unknown }).msg ?? "?");
        counts[msg] = (counts[msg] ?? 0) + 1;
        if (echoed++ < 5) process.stderr.write(`engine-run: ${line}`);
      },
    },
  );
  // Node's own process warnings (printed to stderr as usual) are counted with the log messages.
  process.on("warning", (w) => {
    const key = `process warning ${w.name}: ${w.message.slice(0, 80)}`;
    counts[key] = (counts[key] ?? 0) + 1;
  });
  return { log, counts };
}

/** Records every lateness sample the engine takes (its own window keeps only the last 65,536). */
function tapLateness(engine: Engine): { take(): Float64Array } {
  let window: number[] = [];
  const add = engine.lateness.add.bind(engine.lateness);
  engine.lateness.add = (ms: number) => {
    add(ms);
    window.push(ms);
  };
  return {
    take: () => {
      const out = Float64Array.from(window);
      window = [];
      return out;
    },
  };
}

/** Rows stored by health, read straight from the file after the store is closed. */
function resultsByHealth(file: string): Record<string, number> {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    const rows = db.prepare("SELECT health, count(*) AS n FROM results GROUP BY health").all() as Array<{ health: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.health, r.n]));
  } finally {
    db.close();
  }
}

async function finish(engine: Engine, store: Store, cfg: EngineRunConfig, profile: RunningProfile | undefined, all: Float64Array[], counts: Record<string, number>): Promise<Message> {
  await profile?.stop();
  const t0 = performance.now();
  await engine.stop();
  const stopMs = performance.now() - t0;
  const checks = engine.checks;
  const results = await store.countResults();
  const droppedResults = engine.writer.droppedResults;
  await store.close();
  return { type: "finished", checks, results, droppedResults, stopMs, byHealth: resultsByHealth(cfg.dbFile), lateness: percentiles(all), logCounts: counts };
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? "{}") as EngineRunConfig;
  boundLifetime(cfg.capMs);
  const config = configFor(cfg);
  const store = await openStore({ kind: "sqlite", file: cfg.dbFile });
  const { log, counts } = countingLog();
  const startedAt = performance.now();
  const engine = await Engine.start(config, { store, probes: PROBES, log });
  const startMs = performance.now() - startedAt;
  const tap = tapLateness(engine);
  await new Promise((r) => setTimeout(r, cfg.warmupMs));
  const all: Float64Array[] = [];
  let profile: RunningProfile | undefined;
  let marks = 0;
  const onMark = async (m: Message) => {
    if (m.type !== "mark") return;
    if (marks++ === 0) {
      tap.take();
      if (cfg.profilePath) profile = await startProfile(cfg.profilePath);
    }
    const samples = tap.take();
    all.push(samples);
    toParent({ type: "marked", atMs: performance.now(), ...engine.stats(), lateness: percentiles([samples]), engineWindow: engine.lateness.summary(), notUp: engine.states().filter((s) => s.status !== "up").length });
  };
  const listener = (m: Message) => void onMark(m).catch(fail);
  process.on("message", listener);
  const finishing = fromParent("finish");
  toParent({ type: "ready", startMs, checks: engine.checks });
  await finishing;
  process.off("message", listener);
  toParent(await finish(engine, store, cfg, profile, all, counts));
}

main().catch(fail);
