/**
 * Seeds the database `upbeat serve` will open for the dashboard scenario: the configuration's
 * monitors (same ids, through `store.syncMonitors` with the engine's own `monitorRecord`), a
 * year of day rollups and a week of hour rollups each (bench/lib/synthetic-rollups.ts), and a
 * state per monitor (up, with a last result) so the listing shows what a running server shows.
 * Says `seeded`. Args: JSON `DashboardSeedConfig`.
 */
import { readFileSync } from "node:fs";
import { loadText } from "../../src/config/load.ts";
import { monitorRecord } from "../../src/engine/records.ts";
import { openStore } from "../../src/store/open.ts";
import { emptyBatch, type WriteBatch } from "../../src/store/types.ts";
import { boundLifetime, fail, toParent } from "../lib/child-side.ts";
import { build, type RollupPlan, rng } from "../lib/synthetic-rollups.ts";

/** What the seed child is told (JSON in argv[2]). */
export interface DashboardSeedConfig extends RollupPlan {
  /** SQLite file (`<data>/upbeat.db`). */
  dbFile: string;
  /** The monitors' configuration file (as serve will load it, without sections serve alone reads). */
  configFile: string;
  /** Lifetime cap of the process. */
  capMs: number;
}

const DAY_MS = 86_400_000;

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? "{}") as DashboardSeedConfig;
  boundLifetime(cfg.capMs);
  const { config, problems } = loadText(cfg.configFile, readFileSync(cfg.configFile, "utf8"), { env: {} });
  const errors = problems.filter((p) => p.severity === "error");
  if (errors.length) throw new Error(`bad dashboard config: ${JSON.stringify(errors.slice(0, 3))}`);
  const t0 = performance.now();
  const now = Date.now();
  const store = await openStore({ kind: "sqlite", file: cfg.dbFile });
  const bySeq = await store.syncMonitors(config.monitors.map(monitorRecord), now - cfg.dayRows * DAY_MS);
  const seqs = config.monitors.map((m) => bySeq.get(m.id) as number);
  const rows = await build(store, cfg, seqs, now);
  const rand = rng(cfg.seed + 7);
  const states: WriteBatch["states"] = config.monitors.map((m, i) => {
    const at = now - Math.floor(rand() * 3_600_000);
    return {
      seq: seqs[i] as number,
      state: { monitorId: m.id, status: "up", since: now - cfg.dayRows * DAY_MS, failures: 0, successes: 1, lastIncidentNumber: 0 },
      lastResult: { monitorId: m.id, at, health: "up", durationMs: Math.round((20 + rand() * 180) * 100) / 100, region: "local", statusCode: 200 },
    };
  });
  await store.commit({ ...emptyBatch(), states });
  await store.close();
  // The first monitors' ids, for the status page's sections.
  toParent({ type: "seeded", monitors: seqs.length, rows, seedMs: performance.now() - t0, ids: config.monitors.slice(0, 1000).map((m) => m.id) });
}

main().catch(fail);
