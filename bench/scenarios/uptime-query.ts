/**
 * uptime-query: `store.uptime` over a year of synthetic rollups for 10,000 monitors, on SQLite
 * and (when reachable) PostgreSQL: single monitors, an API page of 1,000, and every monitor.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { StoreSpec } from "../../src/store/open.ts";
import { type Message, startChild } from "../lib/child.ts";
import { benchSchema, dropSchema, PG_URL, pgSpec, pgUnavailable, schemaBytes } from "../lib/pg.ts";
import { fmt, fmtSpread, quantile, spread } from "../lib/stats.ts";
import type { Scenario, ScenarioContext, ScenarioReport } from "../lib/types.ts";
import type { UptimeRunConfig } from "../probers/uptime-store.ts";

// Sizes: the full ones by default, small for a smoke run (--smoke), set when the scenario starts.
let MONITORS = 10_000;
let HOUR_ROWS = 24 * 7;
let DAY_ROWS = 365;
const BATCH_ROWS = 5_000;
const SINGLES = 200;
let PAGE_SIZE = 1_000;
const SEED = 20_261_121;
const CHILD_CAP_MS = 45 * 60_000;
const MIB = 2 ** 20;

const CHILD = fileURLToPath(new URL("../probers/uptime-store.ts", import.meta.url));

/** What one store measured. */
interface StoreResult {
  name: string;
  built: Message;
  done: Message;
  dbMiB: number;
  sizeNote: string;
}

/** Runs the child on a store; `afterBuild` runs between `built` and `go` and returns the database size, bytes. */
async function measure(ctx: ScenarioContext, name: string, spec: StoreSpec, afterBuild: () => Promise<number>, afterClose: () => number | undefined): Promise<Omit<StoreResult, "sizeNote">> {
  const cfg: UptimeRunConfig = { spec, monitors: MONITORS, hourRows: HOUR_ROWS, dayRows: DAY_ROWS, batchRows: BATCH_ROWS, singles: SINGLES, pageSize: PAGE_SIZE, runs: ctx.runs, seed: SEED, capMs: CHILD_CAP_MS };
  const child = startChild(CHILD, { args: [JSON.stringify(cfg)], capMs: CHILD_CAP_MS });
  try {
    const built = await child.waitFor("built", CHILD_CAP_MS);
    ctx.log(`  ${name}: ${Number(built.rows).toLocaleString("en")} rollup rows built in ${fmt(Number(built.buildMs) / 1000, 1)} s`);
    let bytes = await afterBuild();
    child.send({ type: "go" });
    const done = await child.waitFor("done", 10 * 60_000);
    await child.stop();
    bytes = afterClose() ?? bytes;
    const singles = done.singleMs as number[];
    ctx.log(`  ${name}: single p50 ${fmt(quantile(singles, 0.5), 2)} ms, all median ${fmt(spread(done.allMs as number[]).median, 0)} ms, ${fmt(bytes / MIB, 0)} MiB`);
    return { name, built, done, dbMiB: bytes / MIB };
  } finally {
    await child.stop();
  }
}

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

async function sqlite(ctx: ScenarioContext): Promise<StoreResult> {
  const dir = mkdtempSync(join(ctx.tmpDir, "uptime-query-"));
  const file = join(dir, "upbeat.db");
  try {
    const r = await measure(ctx, "sqlite", { kind: "sqlite", file }, async () => fileBytes(file), () => fileBytes(file));
    return { ...r, sizeNote: "file after close (no -wal left)" };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** VACUUM ANALYZE the schema's tables (what autovacuum does after a bulk load), then their total size with indexes. */
function pgSettle(schema: string): Promise<number> {
  return schemaBytes(schema, true);
}

async function postgres(ctx: ScenarioContext): Promise<StoreResult | string> {
  const why = await pgUnavailable();
  if (why) return why;
  const schema = benchSchema("uptime");
  try {
    const r = await measure(ctx, "postgres", pgSpec(schema), () => pgSettle(schema), () => undefined);
    return { ...r, sizeNote: "tables with indexes and TOAST (pg_total_relation_size) after VACUUM ANALYZE" };
  } finally {
    await dropSchema(schema, ctx.log);
  }
}

function row(r: StoreResult): string {
  const s = r.done.singleMs as number[];
  const rows = Number(r.built.rows);
  const cells = [
    r.name,
    rows.toLocaleString("en"),
    `${fmt(Number(r.built.buildMs) / 1000, 0)} (${fmt(rows / (Number(r.built.buildMs) / 1000), 0)} rows/s)`,
    fmt(r.dbMiB, 0),
    `${fmt(quantile(s, 0.5), 2)} / ${fmt(quantile(s, 0.99), 2)} / ${fmt(Math.max(...s), 2)}`,
    fmtSpread(spread(r.done.pageMs as number[]), 0),
    fmtSpread(spread(r.done.allMs as number[]), 0),
    String(r.done.wrongAnswers),
  ];
  return `| ${cells.join(" | ")} |`;
}

async function run(ctx: ScenarioContext): Promise<ScenarioReport> {
  [MONITORS, HOUR_ROWS, DAY_ROWS, PAGE_SIZE] = ctx.smoke ? [300, 24, 30, 100] : [10_000, 24 * 7, 365, 1_000];
  const results: StoreResult[] = [await sqlite(ctx)];
  const pgResult = await postgres(ctx);
  if (typeof pgResult === "string") ctx.log(`  postgres skipped: ${pgResult}`);
  else results.push(pgResult);
  const head = `| Store | Rollup rows | Build s (rate) | DB size (MiB) | Single monitor p50 / p99 / max (ms, ${String(SINGLES)} monitors) | Page of ${PAGE_SIZE.toLocaleString("en")} ids (ms) | All ${MONITORS.toLocaleString("en")} (ms) | Wrong answers |`;
  const table = [head, "|---|---:|---:|---:|---:|---:|---:|---:|", ...results.map(row)].join("\n");
  const sizes = results.map((r) => `${r.name}: ${r.sizeNote}`).join("; ");
  const all = (r: StoreResult) => fmt(spread(r.done.allMs as number[]).median / 1000, 2);
  return {
    setup:
      `${MONITORS.toLocaleString("en")} monitors, each with ${String(HOUR_ROWS)} hour rollups and ${String(DAY_ROWS)} day rollups ending now (10 s checks: 360 per hour, ~2 % of rows with a few failures, a five-bucket latency sketch), ` +
      `written through \`store.syncMonitors\` and \`store.commit\` in batches of ${BATCH_ROWS.toLocaleString("en")} rows, oldest bucket first, in a child process; then in the same process ` +
      `\`store.uptime(now, [id])\` for ${String(SINGLES)} distinct random monitors (after 10 unmeasured), \`store.uptime(now, page)\` for ${String(ctx.runs)} random contiguous pages of ${PAGE_SIZE.toLocaleString("en")} ids (the API's default page; after one unmeasured), ` +
      `and \`store.uptime(now)\` ${String(ctx.runs)} times (after one unmeasured). Wall time around each call; caches warm. Every answer is checked (each period's check count). ` +
      `SQLite is queried as Upbeat leaves it (no ANALYZE). Sizes: ${sizes}. PostgreSQL: ${typeof pgResult === "string" ? `skipped (${pgResult})` : `${PG_URL}, own schema, dropped afterwards`}.`,
    table,
    note:
      `Uptime for all ${MONITORS.toLocaleString("en")} monitors takes ${results.map((r) => `${all(r)} s on ${r.name}`).join(" and ")}; ` +
      `one monitor ${results.map((r) => `${fmt(quantile(r.done.singleMs as number[], 0.5), 1)} ms (p50) on ${r.name}`).join(" and ")}.`,
  };
}

/** The uptime-query scenario. */
export const uptimeQuery: Scenario = {
  name: "uptime-query",
  description: "store.uptime over a year of rollups for 10k monitors: one monitor, a page of 1,000, all (SQLite, and PostgreSQL when reachable)",
  run,
};
