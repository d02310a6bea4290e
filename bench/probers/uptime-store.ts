/**
 * Uptime queries over a year of synthetic history, as its own process: builds N monitors with
 * 7 days of hour rollups and 365 days of day rollups through the store's own `syncMonitors` and
 * `commit`, says `built`, waits for `go`, then times `store.uptime(now, [id])` for single
 * monitors, for an API page of ids, and `store.uptime(now)` for all. Args: JSON `UptimeRunConfig`.
 */
import { openStore, type StoreSpec } from "../../src/store/open.ts";
import { type PeriodStats, type Store, UPTIME_PERIODS, type UptimePeriod } from "../../src/store/types.ts";
import { boundLifetime, fail, fromParent, toParent } from "../lib/child-side.ts";
import { build, CHECKS_PER_HOUR, rng } from "../lib/synthetic-rollups.ts";

/** What the uptime child is told (JSON in argv[2]). */
export interface UptimeRunConfig {
  /** Where the store lives. */
  spec: StoreSpec;
  /** Monitors. */
  monitors: number;
  /** Hour rows per monitor (ending with the current hour). */
  hourRows: number;
  /** Day rows per monitor (ending with the current day). */
  dayRows: number;
  /** Rollup rows per `commit`. */
  batchRows: number;
  /** Single-monitor queries timed (distinct random monitors). */
  singles: number;
  /** Ids in the page query (the API's default page). */
  pageSize: number;
  /** Timed runs of the page and the all-monitors query. */
  runs: number;
  /** Seed of the random choices. */
  seed: number;
  /** Lifetime cap of the process. */
  capMs: number;
}

const idOf = (i: number, width: number) => `m${String(i).padStart(width, "0")}`;

/** Checks each period should count (every row has the same count). */
function expectedChecks(cfg: UptimeRunConfig): Record<UptimePeriod, number> {
  const hours = (n: number) => Math.min(n, cfg.hourRows) * CHECKS_PER_HOUR;
  const days = (n: number) => Math.min(n, cfg.dayRows) * CHECKS_PER_HOUR * 24;
  return { "24h": hours(24), "7d": hours(24 * 7), "30d": days(30), "90d": days(90), "365d": days(365) };
}

/** Monitors whose answer is missing or counts the wrong number of checks. */
function wrong(got: Map<string, Record<UptimePeriod, PeriodStats>>, ids: readonly string[], want: Record<UptimePeriod, number>): number {
  let bad = 0;
  for (const id of ids) {
    const r = got.get(id);
    if (!r || UPTIME_PERIODS.some((p) => r[p].checks !== want[p] || r[p].uptimePct === null)) bad++;
  }
  return bad;
}

async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const v = await f();
  return [performance.now() - t0, v];
}

async function queries(store: Store, cfg: UptimeRunConfig, ids: string[], now: number) {
  const rand = rng(cfg.seed + 1);
  const want = expectedChecks(cfg);
  const pick = () => ids[Math.floor(rand() * ids.length)] as string;
  let bad = 0;
  for (let i = 0; i < 10; i++) await store.uptime(now, [pick()]);
  const chosen = new Set<string>();
  while (chosen.size < Math.min(cfg.singles, ids.length)) chosen.add(pick());
  const singleMs: number[] = [];
  for (const id of chosen) {
    const [ms, got] = await timed(() => store.uptime(now, [id]));
    singleMs.push(ms);
    bad += wrong(got, [id], want);
  }
  const pageMs: number[] = [];
  for (let r = 0; r <= cfg.runs; r++) {
    const from = Math.floor(rand() * Math.max(1, ids.length - cfg.pageSize));
    const page = ids.slice(from, from + cfg.pageSize);
    const [ms, got] = await timed(() => store.uptime(now, page));
    if (r > 0) pageMs.push(ms); // the first is a warm-up
    bad += wrong(got, page, want);
  }
  const allMs: number[] = [];
  for (let r = 0; r <= cfg.runs; r++) {
    const [ms, got] = await timed(() => store.uptime(now));
    if (r > 0) allMs.push(ms);
    bad += wrong(got, ids, want) + (got.size === ids.length ? 0 : 1);
  }
  return { singleMs, pageMs, allMs, wrongAnswers: bad };
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? "{}") as UptimeRunConfig;
  boundLifetime(cfg.capMs);
  const store = await openStore(cfg.spec);
  const width = String(cfg.monitors - 1).length;
  const ids = Array.from({ length: cfg.monitors }, (_, i) => idOf(i, width));
  const now = Date.now();
  const t0 = performance.now();
  const records = ids.map((id) => ({ id, name: id, kind: "http", groupPath: [], source: "native", definition: { check: { type: "http", url: `http://127.0.0.1/${id}` } } }));
  const bySeq = await store.syncMonitors(records, now);
  const seqs = ids.map((id) => bySeq.get(id) as number);
  const rows = await build(store, cfg, seqs, now);
  const buildMs = performance.now() - t0;
  const go = fromParent("go");
  toParent({ type: "built", rows, buildMs });
  await go;
  const figures = await queries(store, cfg, ids, now);
  await store.close();
  toParent({ type: "done", ...figures });
}

main().catch(fail);
