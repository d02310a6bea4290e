/**
 * Probes through the whole engine at full speed, as its own process: N monitors of one kind
 * (HTTP `<target>/m/<i>`, or TCP `tcp://host:port`) on an interval short enough that checks are
 * always waiting, so the engine runs `concurrency` at a time back to back, each through the
 * scheduler, the probe, assertions, the state machine and the batched store write (SQLite), as
 * `upbeat serve` runs them. Speaks the prober protocol (bench/lib/prober-main.ts): `ready` after
 * `warmup` checks, `go`, `done` after `total` more; then `finish` stops the engine and says
 * whether every check became a result row. Args: JSON `EngineProbeConfig`.
 */
import { tuneHeap } from "../../src/lib/heap.ts";
import { Engine } from "../../src/engine/engine.ts";
import { PROBES } from "../../src/probes/registry.ts";
import { openStore } from "../../src/store/open.ts";
import { boundLifetime, fail, fromParent, toParent } from "../lib/child-side.ts";
import { type RunningProfile, startProfile } from "../lib/cpu-profile.ts";
import { countingLog, monitorsConfig, serveProbeThreads } from "../lib/engine-setup.ts";

/** What the engine prober is told (JSON in argv[2]). */
export interface EngineProbeConfig {
  /** `http://127.0.0.1:<port>` (monitor i checks `/m/<i>`) or `tcp://127.0.0.1:<port>` (every monitor). */
  target: string;
  /** Monitors. */
  monitors: number;
  /** Interval of every monitor (short: checks queue up). */
  intervalMs: number;
  /** Checks in flight (the engine's concurrency). */
  concurrency: number;
  /** Checks in the measured stretch. */
  total: number;
  /** Checks before it, not measured. */
  warmup: number;
  /** Wall-time cap of the warm-up and of the measured stretch. */
  loopCapMs: number;
  /** Lifetime cap of the process. */
  capMs: number;
  /** SQLite file. */
  dbFile: string;
  /** Write a CPU profile of the measured stretch here. */
  profilePath?: string;
}

/** Counts observations; `until(n)` resolves once n more have come (or at the deadline). */
function counter(engine: Engine) {
  let seen = 0;
  let ok = 0;
  let wake: { at: number; resolve: () => void } | undefined;
  engine.onObservation((o) => {
    seen++;
    if (o.health === "up") ok++;
    if (wake && seen >= wake.at) {
      wake.resolve();
      wake = undefined;
    }
  });
  return {
    get seen() {
      return seen;
    },
    get ok() {
      return ok;
    },
    until: (more: number, capMs: number) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(done, capMs);
        function done() {
          clearTimeout(t);
          wake = undefined;
          resolve();
        }
        wake = { at: seen + more, resolve: done };
      }),
  };
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? "{}") as EngineProbeConfig;
  boundLifetime(cfg.capMs);
  // The heap growth `upbeat serve` sets for itself.
  tuneHeap();
  const urlOf = cfg.target.startsWith("tcp:") ? () => cfg.target : (i: number) => `${cfg.target}/m/${String(i)}`;
  const config = monitorsConfig(cfg.monitors, urlOf, cfg.intervalMs);
  const store = await openStore({ kind: "sqlite", file: cfg.dbFile });
  const { log, counts } = countingLog("engine-probe");
  const engine = await Engine.start(config, { store, probes: PROBES, probeThreads: serveProbeThreads(), log, concurrency: cfg.concurrency });
  const c = counter(engine);
  await c.until(cfg.warmup, cfg.loopCapMs);
  const go = fromParent("go");
  toParent({ type: "ready", warmupOk: c.ok, info: `Engine.start with PROBES, ${String(engine.stats().probeThreads)} probe threads, concurrency ${String(cfg.concurrency)}, SQLite` });
  await go;
  const profile: RunningProfile | undefined = cfg.profilePath ? await startProfile(cfg.profilePath, { threads: true }) : undefined;
  const seen0 = c.seen;
  const ok0 = c.ok;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await c.until(cfg.total, cfg.loopCapMs);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const completed = c.seen - seen0;
  const ok = c.ok - ok0;
  await profile?.stop();
  const finish = fromParent("finish");
  toParent({ type: "done", completed, ok, wallMs, selfCpuS: (cpu.user + cpu.system) / 1e6, backlog: engine.stats().backlog });
  await finish;
  await engine.stop();
  const results = await store.countResults();
  toParent({ type: "finished", checks: engine.checks, results, droppedResults: engine.writer.droppedResults, logCounts: counts });
  await store.close();
}

main().catch(fail);
