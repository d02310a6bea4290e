/**
 * The engine under load, as its own process: N HTTP monitors (one URL each) on a target in
 * another process, through `Engine.start` with the project's probes and a SQLite store, as
 * `upbeat serve` starts it (with its probe threads). The harness drives it: after the warm-up it says `ready`; each `mark`
 * answers with the counters since the previous mark; `finish` stops the engine and reports what
 * was stored. Args: JSON `EngineRunConfig`.
 */
import { tuneHeap } from "../../src/lib/heap.ts";
import BetterSqlite3 from "better-sqlite3";
import { sql } from "kysely";
import { Engine } from "../../src/engine/engine.ts";
import { PROBES } from "../../src/probes/registry.ts";
import { openStore, type StoreSpec } from "../../src/store/open.ts";
import type { Store } from "../../src/store/types.ts";
import { type RunningProfile, startProfile } from "../lib/cpu-profile.ts";
import { boundLifetime, fail, fromParent, toParent } from "../lib/child-side.ts";
import { type Message } from "../lib/child.ts";
import { countingLog, monitorsConfig, serveProbeThreads } from "../lib/engine-setup.ts";
import { watchPauses } from "../lib/pause-watch.ts";

/** What the engine child is told (JSON in argv[2]). */
export interface EngineRunConfig {
  /** Target base URL (loopback), without a trailing slash; monitor i checks `<baseUrl>/m/<i>`. */
  baseUrl: string;
  /** Several targets instead (processes or ports): monitor i checks `<baseUrls[i % n]>/m/<i>`. */
  baseUrls?: string[];
  /** Monitors. */
  monitors: number;
  /** Check interval of every monitor. */
  intervalMs: number;
  /** SQLite file (its directory is created); used unless `store` is given. */
  dbFile: string;
  /** Another store (PostgreSQL); rows by health are then counted through it before it closes. */
  store?: StoreSpec;
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

/** Rows stored by health, through the store's own connection (PostgreSQL: committed rows, as any client sees them). */
async function storeByHealth(store: Store): Promise<Record<string, number>> {
  const rows = await store.db.selectFrom("results").select(["health", sql<number>`count(*)`.as("n")]).groupBy("health").execute();
  return Object.fromEntries(rows.map((r) => [r.health, Number(r.n)]));
}

/** The scheduler's backlog (runs waiting for a slot), sampled every second between marks. */
function sampleBacklog(engine: Engine) {
  let samples: number[] = [];
  const timer = setInterval(() => samples.push(engine.stats().backlog), 1000);
  timer.unref();
  return {
    take: () => {
      const s = samples;
      samples = [];
      return { backlogMax: s.length ? Math.max(...s) : 0, backlogMean: s.length ? s.reduce((a, b) => a + b, 0) / s.length : 0, backlogSamples: s.length };
    },
    stop: () => clearInterval(timer),
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
  const busyRetries = engine.writer.busyRetries;
  const commits = engine.writer.commits;
  const viaStore = cfg.store ? await storeByHealth(store) : undefined;
  await store.close();
  return { type: "finished", checks, results, droppedResults, busyRetries, commits, stopMs, byHealth: viaStore ?? resultsByHealth(cfg.dbFile), lateness: percentiles(all), logCounts: counts };
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? "{}") as EngineRunConfig;
  boundLifetime(cfg.capMs);
  // The heap growth `upbeat serve` sets for itself.
  tuneHeap();
  const urls = cfg.baseUrls?.length ? cfg.baseUrls : [cfg.baseUrl];
  const config = monitorsConfig(cfg.monitors, (i) => `${urls[i % urls.length] as string}/m/${String(i)}`, cfg.intervalMs);
  const store = await openStore(cfg.store ?? { kind: "sqlite", file: cfg.dbFile });
  const { log, counts } = countingLog("engine-run");
  const startedAt = performance.now();
  const engine = await Engine.start(config, { store, probes: PROBES, probeThreads: serveProbeThreads(), log });
  const startMs = performance.now() - startedAt;
  const tap = tapLateness(engine);
  const backlog = sampleBacklog(engine);
  const pauses = watchPauses();
  await new Promise((r) => setTimeout(r, cfg.warmupMs));
  const all: Float64Array[] = [];
  let profile: RunningProfile | undefined;
  let marks = 0;
  const onMark = async (m: Message) => {
    if (m.type !== "mark") return;
    if (marks++ === 0) {
      tap.take();
      backlog.take();
      pauses.take();
      if (cfg.profilePath) profile = await startProfile(cfg.profilePath, { threads: true });
    }
    const samples = tap.take();
    all.push(samples);
    toParent({ type: "marked", atMs: performance.now(), ...engine.stats(), ...backlog.take(), pauses: pauses.take(), lateness: percentiles([samples]), engineWindow: engine.lateness.summary(), notUp: engine.states().filter((s) => s.status !== "up").length });
  };
  const listener = (m: Message) => void onMark(m).catch(fail);
  process.on("message", listener);
  const finishing = fromParent("finish");
  toParent({ type: "ready", startMs, checks: engine.checks, concurrency: engine.stats().concurrency, probeThreads: engine.stats().probeThreads });
  await finishing;
  process.off("message", listener);
  backlog.stop();
  toParent(await finish(engine, store, cfg, profile, all, counts));
}

main().catch(fail);
