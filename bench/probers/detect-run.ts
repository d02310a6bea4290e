/**
 * Missed-deadline detection in the whole engine, as its own process: N heartbeat monitors (grace
 * 0) loaded with `loadText`, `Engine.start` with a SQLite store and an effects handler that
 * timestamps every `state.changed` to down it is handed (where a notification would go to a
 * channel). After start every service is pinged once, then a pinger keeps checking in each service
 * every half period, on its own phase. The harness drives windows: `silence` stops pinging a random
 * share of the still-pinged services (their deadline read with `heartbeats.view(id).deadlineAt`),
 * `collect` reports how late each down came; `finish` stops the engine and counts what was stored.
 * Args: JSON `DetectRunConfig`.
 */
import { tuneHeap } from "../../src/lib/heap.ts";
import BetterSqlite3 from "better-sqlite3";
import pino from "pino";
import { loadText } from "../../src/config/load.ts";
import type { UpbeatConfig } from "../../src/config/model.ts";
import { Engine } from "../../src/engine/engine.ts";
import { PROBES } from "../../src/probes/registry.ts";
import { openStore } from "../../src/store/open.ts";
import type { OutboxRecord } from "../../src/store/types.ts";
import { boundLifetime, fail, fromParent, toParent } from "../lib/child-side.ts";
import type { Message } from "../lib/child.ts";
import { type RunningProfile, startProfile } from "../lib/cpu-profile.ts";
import { watchPauses } from "../lib/pause-watch.ts";
import { quantile } from "../lib/stats.ts";

/** What the detect child is told (JSON in argv[2]). */
export interface DetectRunConfig {
  /** Heartbeat monitors. */
  monitors: number;
  /** Period of every heartbeat (grace 0). */
  periodMs: number;
  /** Time between two check-ins of a service that is still pinged (below the period). */
  cycleMs: number;
  /** Share of the still-pinged services silenced by each `silence`. */
  silentShare: number;
  /** Seed of the random choice of silent services. */
  seed: number;
  /** SQLite file (its directory is created). */
  dbFile: string;
  /** Lifetime cap of the process. */
  capMs: number;
  /** Profile from the first `silence` to `finish`. */
  profilePath?: string;
}

/** How late the downs of one window's silent services came, ms after their deadline. */
export interface DetectFigures {
  /** Services silenced. */
  silenced: number;
  /** Of them, brought down (a `state.changed` to down handed to the effects handler). */
  detected: number;
  /** Deadline → handed to the effects handler: p50, p99, max. */
  p50: number;
  /** 99th percentile. */
  p99: number;
  /** Largest. */
  max: number;
  /** Deadline → the observation's time (the scheduler's part): p99 and max. */
  observedP99: number;
  /** Largest. */
  observedMax: number;
  /** Downs handed before the deadline (must be 0). */
  early: number;
}

/** Memory after a full GC (the child runs with --expose-gc): what is live, not garbage waiting. */
const mem = () => {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, externalBytes: m.external };
};

/** Stretches longer than `overMs` when a 20 ms interval timer could not run, with when they ended (epoch ms); `take()` returns and resets. */
function watchStalls(overMs: number): { take(): Array<{ at: number; ms: number }> } {
  let out: Array<{ at: number; ms: number }> = [];
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    if (now - last - 20 > overMs) out.push({ at: Date.now(), ms: now - last - 20 });
    last = now;
  }, 20).unref();
  return {
    take: () => {
      const r = out;
      out = [];
      return r;
    },
  };
}

/** mulberry32: a small seeded generator, so every invocation silences the same services. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function configFor(cfg: DetectRunConfig, ids: string[]): UpbeatConfig {
  const lines = ["monitors:"];
  for (const id of ids) lines.push(`  - { name: ${id}, type: heartbeat, period: ${String(cfg.periodMs)}ms, grace: 0s }`);
  const { config, problems } = loadText("detect.yaml", lines.join("\n"), { env: {} });
  const errors = problems.filter((p) => p.severity === "error");
  if (errors.length) throw new Error(`bad bench config: ${JSON.stringify(errors.slice(0, 3))}`);
  return config;
}

/** Per service: when it went silent, its deadline then, and when its down was handed over. */
class Ledger {
  readonly silentAt: Float64Array;
  readonly deadline: Float64Array;
  readonly handedAt: Float64Array;
  readonly observedAt: Float64Array;
  /** Downs of services that were still pinged, once the windows began. */
  falseDowns = 0;
  /** Downs before the first window (a service not pinged within a period of its creation). */
  warmupDowns = 0;
  /** Set at the first `silence`. */
  measuring = false;
  downs = 0;
  incidents = 0;
  effects = 0;

  constructor(n: number) {
    this.silentAt = new Float64Array(n).fill(Number.NaN);
    this.deadline = new Float64Array(n).fill(Number.NaN);
    this.handedAt = new Float64Array(n).fill(Number.NaN);
    this.observedAt = new Float64Array(n).fill(Number.NaN);
  }

  /** The effects handler's part: timestamp downs as they are handed over. */
  onEffect(record: OutboxRecord): void {
    this.effects++;
    if (record.type === "incident.opened") this.incidents++;
    if (record.type !== "state.changed" || (record.payload as { to?: string }).to !== "down") return;
    const now = Date.now();
    const i = Number(record.monitorId.slice(3));
    this.downs++;
    if (!this.measuring) return void this.warmupDowns++;
    if (Number.isNaN(this.silentAt[i] as number)) return void this.falseDowns++;
    if (Number.isNaN(this.handedAt[i] as number)) {
      this.handedAt[i] = now;
      this.observedAt[i] = record.at;
    }
  }

  figures(members: readonly number[]): DetectFigures {
    const hit = members.filter((i) => !Number.isNaN(this.handedAt[i] as number));
    const handed = hit.map((i) => (this.handedAt[i] as number) - (this.deadline[i] as number));
    const observed = hit.map((i) => (this.observedAt[i] as number) - (this.deadline[i] as number));
    return {
      silenced: members.length,
      detected: hit.length,
      p50: quantile(handed, 0.5),
      p99: quantile(handed, 0.99),
      max: handed.length ? Math.max(...handed) : Number.NaN,
      observedP99: quantile(observed, 0.99),
      observedMax: observed.length ? Math.max(...observed) : Number.NaN,
      early: handed.filter((d) => d < 0).length,
    };
  }
}

/** Checks in every service that is not silent every `cycleMs`, service i at phase i/N of the cycle; bounded by `stop()` and the process cap. */
function startPinger(engine: Engine, ids: string[], ledger: Ledger, cycleMs: number) {
  const n = ids.length;
  const t0 = performance.now();
  let done = 0;
  let pings = 0;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const due = Math.floor(((performance.now() - t0) / cycleMs) * n);
    for (; done < due; done++) {
      const i = done % n;
      if (!Number.isNaN(ledger.silentAt[i] as number)) continue;
      engine.heartbeats.ping(ids[i] as string, { type: "success", at: Date.now() });
      pings++;
    }
    timer = setTimeout(tick, 5);
  };
  tick();
  return { pings: () => pings, stop: () => clearTimeout(timer) };
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? "{}") as DetectRunConfig;
  boundLifetime(cfg.capMs);
  // The heap growth `upbeat serve` sets for itself.
  tuneHeap();
  const before = mem();
  const width = String(cfg.monitors - 1).length;
  const ids = Array.from({ length: cfg.monitors }, (_, i) => `hb-${String(i).padStart(width, "0")}`);
  const ledger = new Ledger(cfg.monitors);
  let t = performance.now();
  const config = configFor(cfg, ids);
  const loadMs = performance.now() - t;
  const loaded = mem();
  const store = await openStore({ kind: "sqlite", file: cfg.dbFile });
  const log = pino({ level: "warn" });
  t = performance.now();
  const engine = await Engine.start(config, { store, probes: PROBES, log, effects: async ({ record }) => ledger.onEffect(record) });
  const startMs = performance.now() - t;
  const started = mem();
  // First check-in of every service at once (in slices, so the writer gets turns), then the spread cycle.
  t = performance.now();
  for (let i = 0; i < ids.length; i++) {
    engine.heartbeats.ping(ids[i] as string, { type: "success", at: Date.now() });
    if (i % 5000 === 4999) await new Promise((r) => setImmediate(r));
  }
  const burstMs = performance.now() - t;
  const pinger = startPinger(engine, ids, ledger, cfg.cycleMs);
  await new Promise((r) => setTimeout(r, cfg.cycleMs));
  await engine.writer.durable();
  const after = mem();
  const pauses = watchPauses();
  const stalls = watchStalls(250);
  const pick = random(cfg.seed);
  let profile: RunningProfile | undefined;
  const windows: number[][] = [];
  const onMessage = async (m: Message) => {
    if (m.type === "silence") {
      if (cfg.profilePath && !profile) profile = await startProfile(cfg.profilePath, { threads: true });
      ledger.measuring = true;
      pauses.take();
      stalls.take();
      const pinged = ids.map((_, i) => i).filter((i) => Number.isNaN(ledger.silentAt[i] as number));
      const count = Math.min(pinged.length, Math.round(cfg.monitors * cfg.silentShare));
      // A partial Fisher–Yates shuffle: the first `count` are a uniform random choice.
      for (let k = 0; k < count; k++) {
        const j = k + Math.floor(pick() * (pinged.length - k));
        [pinged[k], pinged[j]] = [pinged[j] as number, pinged[k] as number];
      }
      const chosen = pinged.slice(0, count);
      const now = Date.now();
      for (const i of chosen) {
        ledger.silentAt[i] = now;
        ledger.deadline[i] = engine.heartbeats.view(ids[i] as string)?.deadlineAt ?? Number.NaN;
      }
      windows.push(chosen);
      toParent({ type: "silenced", count: chosen.length, pings: pinger.pings(), atMs: performance.now() });
    } else if (m.type === "collect") {
      const members = windows[windows.length - 1] ?? [];
      const figures = { ...ledger.figures(members), falseDowns: ledger.falseDowns, downs: ledger.downs, pings: pinger.pings(), atMs: performance.now(), pauses: pauses.take(), stalls: stalls.take(), stats: engine.stats() };
      // After the window's figures: the GC pause falls where no deadline of the next window is near.
      toParent({ type: "collected", ...figures, mem: mem() });
    }
  };
  const listener = (m: Message) => void onMessage(m).catch(fail);
  process.on("message", listener);
  const finishing = fromParent("finish");
  toParent({ type: "ready", loadMs, startMs, burstMs, before, loaded, started, after, warmupDowns: ledger.warmupDowns, stats: engine.stats() });
  await finishing;
  process.off("message", listener);
  pinger.stop();
  await profile?.stop();
  const all = ledger.figures(windows.flat());
  t = performance.now();
  await engine.stop();
  const stopMs = performance.now() - t;
  await store.close();
  const db = new BetterSqlite3(cfg.dbFile, { readonly: true });
  const incidentsStored = (db.prepare("SELECT count(*) AS n FROM incidents").get() as { n: number }).n;
  db.close();
  toParent({ type: "finished", all, falseDowns: ledger.falseDowns, warmupDowns: ledger.warmupDowns, downs: ledger.downs, incidentsHanded: ledger.incidents, incidentsStored, effects: ledger.effects, stopMs });
}

main().catch(fail);
