/**
 * Simulated history in the real store, as its own process: N HTTP monitors checked every minute
 * for D days, oldest first, written through the engine's own BatchWriter (result rows, minute /
 * hour / day rollups, states) and `store.commit`, from observations of the same shape as the
 * engine's (taken from real checks of a local server and of a closed port), with the engine's
 * prune loop and default retention run on the simulated clock. Then `store.uptime` is timed for
 * single monitors and for all. Says `built` (the harness reads the file), waits for `go`, says
 * `done`. Args: JSON `StorageSimConfig`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "kysely";
import type { Monitor } from "../../src/config/model.ts";
import { resolveSettings } from "../../src/config/settings.ts";
import { initialState } from "../../src/core/monitor-state.ts";
import type { Observation } from "../../src/core/types.ts";
import { resultRecord, stateWrite } from "../../src/engine/records.ts";
import { BatchWriter } from "../../src/engine/writer.ts";
import { PROBES } from "../../src/probes/registry.ts";
import { runCheck } from "../../src/probes/run.ts";
import { openStore } from "../../src/store/open.ts";
import { DEFAULT_RETENTION, type Store, UPTIME_PERIODS } from "../../src/store/types.ts";
import { boundLifetime, fail, fromParent, toParent } from "../lib/child-side.ts";
import { countingLog } from "../lib/engine-setup.ts";
import { quantile } from "../lib/stats.ts";
import { rng } from "../lib/synthetic-rollups.ts";

/** What the storage child is told (JSON in argv[2]). */
export interface StorageSimConfig {
  /** SQLite file. */
  dbFile: string;
  /** Monitors. */
  monitors: number;
  /** Simulated days, ending now. */
  days: number;
  /** Share of checks that fail (spread at random). */
  downShare: number;
  /** Single-monitor uptime queries timed. */
  singles: number;
  /** All-monitor uptime queries timed. */
  allRuns: number;
  /** Seed of the random choices. */
  seed: number;
  /** Lifetime cap of the process. */
  capMs: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** Simulated minutes per commit (the engine commits every 200 ms; the rows are the same, fewer transactions). */
const MINUTES_PER_COMMIT = 10;

function monitorFor(id: string, url: string): Monitor {
  return { id, name: id, kind: "http", check: { type: "http", name: id, url }, groupPath: [], settings: resolveSettings({ timeout: "2s" }), source: { format: "native" } };
}

/** One real good observation (a local server answering 200) and one real failure (a closed port), as templates. */
async function templates(): Promise<{ up: Observation; down: Observation }> {
  const server = http.createServer((_q, s) => s.end("ok"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  try {
    const up = await runCheck(monitorFor("t-up", `http://127.0.0.1:${String(port)}/`), { probes: PROBES });
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const down = await runCheck(monitorFor("t-down", `http://127.0.0.1:${String(deadPort)}/`), { probes: PROBES });
    if (up.health !== "up" || down.health !== "down") throw new Error(`template checks came out ${up.health} and ${down.health}`);
    return { up, down };
  } finally {
    server.close();
  }
}

/** The engine's prune loop (src/engine/engine.ts) for the minutes since the last one: rounds of 2,000 rows per kind until a round deletes fewer (the engine also stops at 2 s a minute; the simulation allows 20 rounds a minute, more than the rows that arrive need). */
async function prune(store: Store, now: number, minutes: number, times: number[]): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < 20 * minutes; i++) {
    const t0 = performance.now();
    const n = await store.prune(now, DEFAULT_RETENTION, 2000);
    times.push(performance.now() - t0);
    deleted += n;
    if (n < 2000) break;
  }
  return deleted;
}

async function simulate(store: Store, cfg: StorageSimConfig, seqs: number[], ids: string[], end: number) {
  const t = await templates();
  const { log } = countingLog("storage-sim");
  const writer = new BatchWriter({ store, flushMs: 2 ** 30, maxBatch: Number.MAX_SAFE_INTEGER, log });
  const rand = rng(cfg.seed);
  const start = end - cfg.days * DAY_MS;
  const phase = seqs.map((_, i) => Math.floor((i / seqs.length) * MINUTE_MS));
  const pruneMs: number[] = [];
  let checks = 0;
  let deleted = 0;
  let lastPrune = start;
  for (let m = 0; m < cfg.days * 1440; m++) {
    const minute = start + m * MINUTE_MS;
    for (let i = 0; i < seqs.length; i++) {
      const at = minute + (phase[i] as number);
      const down = rand() < cfg.downShare;
      const tpl = down ? t.down : t.up;
      const totalMs = Math.round((tpl.timings?.totalMs ?? 1) * (0.5 + rand()) * 100) / 100;
      const o: Observation = { ...tpl, monitorId: ids[i] as string, at, timings: { ...tpl.timings, totalMs } };
      writer.add({ results: [resultRecord(seqs[i] as number, o)] });
      writer.sample(seqs[i] as number, at, { health: o.health, ...(down ? {} : { latencyMs: totalMs }), downMs: down ? MINUTE_MS : 0 });
      if (m % 60 === 59) writer.add({ states: [stateWrite(seqs[i] as number, { ...initialState(ids[i] as string, start), status: "up" }, o)] });
      checks++;
    }
    if (m % MINUTES_PER_COMMIT === MINUTES_PER_COMMIT - 1) await writer.flush();
    const now = minute + MINUTE_MS;
    if (now - lastPrune >= HOUR_MS) {
      deleted += await prune(store, now, (now - lastPrune) / MINUTE_MS, pruneMs);
      lastPrune = now;
    }
    if (m % 1440 === 1439) process.stderr.write(`  storage: simulated day ${String((m + 1) / 1440)}/${String(cfg.days)}, ${checks.toLocaleString("en")} checks, ${deleted.toLocaleString("en")} rows pruned\n`);
  }
  await writer.close();
  deleted += await prune(store, end, (end - lastPrune) / MINUTE_MS + 1, pruneMs);
  return { checks, deleted, pruneMs };
}

async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const v = await f();
  return [performance.now() - t0, v];
}

/** Times the queries; every answer must count the checks the simulation wrote in each period. */
async function queries(store: Store, cfg: StorageSimConfig, ids: string[], now: number) {
  const rand = rng(cfg.seed + 1);
  const want365 = cfg.days * 1440;
  let wrong = 0;
  const pick = () => ids[Math.floor(rand() * ids.length)] as string;
  for (let i = 0; i < 10; i++) await store.uptime(now, [pick()]);
  const singleMs: number[] = [];
  for (let i = 0; i < cfg.singles; i++) {
    const id = pick();
    const [ms, got] = await timed(() => store.uptime(now, [id]));
    singleMs.push(ms);
    if (got.get(id)?.["365d"].checks !== want365) wrong++;
  }
  const allMs: number[] = [];
  for (let r = 0; r <= cfg.allRuns; r++) {
    const [ms, got] = await timed(() => store.uptime(now));
    if (r > 0) allMs.push(ms);
    if (got.size !== ids.length || ids.some((id) => got.get(id)?.["365d"].checks !== want365 || UPTIME_PERIODS.some((p) => got.get(id)?.[p].uptimePct === null))) wrong++;
  }
  return { singleMs, allMs, wrong, singleP50: quantile(singleMs, 0.5), singleP99: quantile(singleMs, 0.99), allP50: quantile(allMs, 0.5), allP99: quantile(allMs, 0.99) };
}

async function rowCounts(store: Store): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ["results", "rollup_minute", "rollup_hour", "rollup_day", "monitor_state"] as const) {
    const r = await store.db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirst();
    out[t] = Number(r?.n ?? 0);
  }
  return out;
}

/** Bytes on disk per table and index (SQLite's dbstat), largest first. */
async function tableBytes(store: Store): Promise<Array<[string, number]>> {
  const r = await sql<{ name: string; bytes: number }>`SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC`.execute(store.db);
  return r.rows.map((x) => [x.name, Number(x.bytes)]);
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? "{}") as StorageSimConfig;
  boundLifetime(cfg.capMs);
  const store = await openStore({ kind: "sqlite", file: cfg.dbFile });
  const width = String(cfg.monitors - 1).length;
  const ids = Array.from({ length: cfg.monitors }, (_, i) => `m${String(i).padStart(width, "0")}`);
  const end = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
  const start = end - cfg.days * DAY_MS;
  const records = ids.map((id) => ({ id, name: id, kind: "http", groupPath: [], source: "native", definition: { check: { type: "http", url: `http://127.0.0.1/${id}` } } }));
  const bySeq = await store.syncMonitors(records, start);
  const seqs = ids.map((id) => bySeq.get(id) as number);
  const t0 = performance.now();
  const sim = await simulate(store, cfg, seqs, ids, end);
  const buildMs = performance.now() - t0;
  const rows = await rowCounts(store);
  const bytes = await tableBytes(store);
  const go = fromParent("go");
  toParent({ type: "built", buildMs, checks: sim.checks, deleted: sim.deleted, rows, bytes, pruneP50: quantile(sim.pruneMs, 0.5), pruneMax: Math.max(0, ...sim.pruneMs), pruneCalls: sim.pruneMs.length });
  await go;
  const q = await queries(store, cfg, ids, end);
  await store.close();
  toParent({ type: "done", ...q });
}

main().catch(fail);
