/**
 * dashboard: `upbeat serve` with 10,000 HTTP monitors and a year of rollups: the dashboard's
 * first load (index.html, its files and `/api/v1/dashboard`, compressed as a browser asks: time
 * and bytes), and a public status page (`/pages/<slug>`) under wrk, with the render cache on
 * (the default) and off, alternating servers.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Message, startChild } from "../lib/child.ts";
import { alternate, comparisonTable, type Metric, type Sample } from "../lib/compare.ts";
import { firstLoad } from "../lib/first-load.ts";
import { startServe } from "../lib/serve.ts";
import { fmt, fmtSpread, median, spread } from "../lib/stats.ts";
import { check, notAvailable } from "../lib/targets.ts";
import type { Scenario, ScenarioContext, ScenarioReport, TargetCheck } from "../lib/types.ts";
import { ensureStatusPage, ensureWebBuilt, statusSettingsSupported } from "../lib/web-setup.ts";
import { ensureWrk, runWrk, writeWrkScript } from "../lib/wrk.ts";
import type { DashboardSeedConfig } from "../probers/dashboard-seed.ts";

const FULL = { monitors: 10_000, groups: 100, dayRows: 365, hourRows: 168, pageMonitors: 100, wrkS: 10 };
const SMOKE = { monitors: 500, groups: 10, dayRows: 30, hourRows: 48, pageMonitors: 20, wrkS: 2 };
type Plan = typeof FULL;
type Variant = "cached" | "uncached";
const SLUG = "bench";
const PER_SECTION = 20;
const CONNECTIONS = 50;
const THREADS = 2;
const WARMUP_S = 2;
const FIRST_LOAD_LIMIT_MS = 1000;
const FIRST_LOAD_LIMIT_BYTES = 1e6;
const CACHED_LIMIT_RPS = 5000;
const CAP_MS = 20 * 60_000;
const DATA_PATH = "/api/v1/dashboard";
const here = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
const TARGET = here("../targets/http-target.ts");
const SEED = here("../probers/dashboard-seed.ts");

/** Monitors in groups of equal size, a 1 h interval (so probing stays out of the way), on a local target. */
function groupsYaml(plan: Plan, targetBase: string): string {
  const lines = ["groups:"];
  const per = Math.ceil(plan.monitors / plan.groups);
  const gw = String(plan.groups - 1).length;
  const mw = String(plan.monitors - 1).length;
  for (let g = 0; g < plan.groups; g++) {
    lines.push(`  - name: g${String(g).padStart(gw, "0")}`, "    interval: 1h", "    monitors:");
    for (let i = g * per; i < Math.min(plan.monitors, (g + 1) * per); i++) lines.push(`      - { name: m${String(i).padStart(mw, "0")}, url: "${targetBase}/m/${String(i)}" }`);
  }
  return `${lines.join("\n")}\n`;
}

function serveYaml(groups: string, v: Variant, settings: boolean): string {
  // Without the rate limit's opt-out every wrk request past 600 a minute would be a 429.
  return settings ? `statusPages:\n  rateLimit: false\n${v === "uncached" ? "  cacheTtl: 0\n" : ""}${groups}` : groups;
}

/** What the scenario learnt about the server, beyond the samples. */
interface Findings {
  loadUnavailable?: string;
  pageUnavailable?: string;
  loads: Array<{ totalMs: number; bytes: number; requests: number; dataMs: number; dataBytes: number; dataRawBytes: number }>;
}

async function runOnce(ctx: ScenarioContext, v: Variant, o: { plan: Plan; dir: string; groups: string; settings: boolean; ids: string[]; wrk: string; script: string; f: Findings }): Promise<Sample> {
  const configFile = join(o.dir, `serve-${v}.yaml`);
  writeFileSync(configFile, serveYaml(o.groups, v, o.settings));
  const key = randomBytes(24).toString("hex");
  const auth = { authorization: `Bearer ${key}` };
  const serve = await startServe({ dataDir: join(o.dir, "data"), configFile, statsd: false, capMs: CAP_MS, readyTimeoutMs: 10 * 60_000, env: { UPBEAT_ADMIN_API_KEY: key, UPBEAT_ADMIN_PASSWORD: randomBytes(12).toString("hex") } });
  try {
    const load = await firstLoad(serve.baseUrl, DATA_PATH, auth);
    const data = load.requests[load.requests.length - 1];
    if (load.unavailable) o.f.loadUnavailable = load.unavailable;
    else o.f.loads.push({ totalMs: load.totalMs, bytes: load.bytes, requests: load.requests.length, dataMs: data?.ms ?? Number.NaN, dataBytes: data?.bytes ?? Number.NaN, dataRawBytes: data?.body.length ?? Number.NaN });
    ctx.log(`  ${v}: first load ${load.unavailable ? `not available (${load.unavailable})` : `${fmt(load.totalMs, 0)} ms, ${fmt(load.bytes / 1024, 0)} KiB in ${String(load.requests.length)} requests`}`);
    const why = await ensureStatusPage(serve.baseUrl, auth, SLUG, o.ids.slice(0, o.plan.pageMonitors), PER_SECTION);
    if (why) {
      o.f.pageUnavailable = why;
      return { reqPerSec: Number.NaN };
    }
    const run = (seconds: number) => runWrk({ wrk: o.wrk, url: serve.baseUrl, script: o.script, threads: THREADS, connections: CONNECTIONS, seconds, headers: ["Accept-Encoding: gzip"] });
    await run(WARMUP_S);
    const c0 = serve.cpu();
    const w = await run(o.plan.wrkS);
    const c1 = serve.cpu();
    const cpu = c1.user + c1.sys - c0.user - c0.sys;
    return { reqPerSec: w.requestsPerSec, p50Ms: w.p50Ms, p99Ms: w.p99Ms, non2xx: w.non2xx, socketErrors: w.socketErrors, serverCpuPerSec: cpu / w.seconds, serverCpuPer10k: (cpu * 10_000) / w.requests, wrkCpuPerSec: w.wrkCpuS / w.seconds };
  } finally {
    await serve.stop();
  }
}

const METRICS: Metric[] = [
  { key: "reqPerSec", label: "Status page req/s", digits: 0, ratio: true },
  { key: "p50Ms", label: "p50 (ms)", digits: 2, ratio: true },
  { key: "p99Ms", label: "p99 (ms)", digits: 2, ratio: true },
  { key: "non2xx", label: "Non-2xx", digits: 0 },
  { key: "socketErrors", label: "Socket errors", digits: 0 },
  { key: "serverCpuPerSec", label: "Server CPU-s/s", digits: 2 },
  { key: "serverCpuPer10k", label: "Server CPU-s / 10k", digits: 3, ratio: true },
  { key: "wrkCpuPerSec", label: "wrk CPU-s/s", digits: 2 },
];

function loadTable(f: Findings): string {
  if (!f.loads.length) return `First load: not available (${f.loadUnavailable ?? "no server start measured it"}).`;
  const s = (pick: (l: Findings["loads"][number]) => number, d: number) => fmtSpread(spread(f.loads.map(pick)), d);
  return [
    "| First load (empty browser cache) | Server starts | Total (ms) | Bytes transferred (KiB) | Requests | `/api/v1/dashboard` (ms) | its bytes transferred / decoded (KiB) |",
    "|---|---:|---:|---:|---:|---:|---:|",
    `| index.html + files + data | ${String(f.loads.length)} | ${s((l) => l.totalMs, 0)} | ${s((l) => l.bytes / 1024, 0)} | ${s((l) => l.requests, 0)} | ${s((l) => l.dataMs, 0)} | ${s((l) => l.dataBytes / 1024, 0)} / ${s((l) => l.dataRawBytes / 1024, 0)} |`,
  ].join("\n");
}

function targetsOf(f: Findings, samples: Map<string, Sample[]>): TargetCheck[] {
  const out: TargetCheck[] = [];
  if (!f.loads.length) {
    const why = f.loadUnavailable ?? "not measured";
    out.push(notAvailable("dashboard", "first load time", why, "< 1 s"), notAvailable("dashboard", "first load bytes", why, "< 1 MB"));
  } else {
    const ms = median(f.loads.map((l) => l.totalMs));
    const bytes = median(f.loads.map((l) => l.bytes));
    out.push(check("dashboard", "first load time (median)", ms, { op: "<", bound: FIRST_LOAD_LIMIT_MS, measured: `${fmt(ms, 0)} ms`, target: "< 1 s" }));
    out.push(check("dashboard", "first load bytes (median)", bytes, { op: "<", bound: FIRST_LOAD_LIMIT_BYTES, measured: `${fmt(bytes / 1024, 0)} KiB`, target: "< 1 MB" }));
  }
  const rps = median((samples.get("cached") ?? []).map((s) => s.reqPerSec ?? Number.NaN));
  if (f.pageUnavailable || !Number.isFinite(rps)) out.push(notAvailable("dashboard", "status page, cached, req/s", f.pageUnavailable ?? "not measured", "≥ 5k req/s"));
  else out.push(check("dashboard", "status page, cached, req/s", rps, { op: "≥", bound: CACHED_LIMIT_RPS, measured: `${fmt(rps, 0)} req/s`, target: "≥ 5k req/s" }));
  return out;
}

async function seed(ctx: ScenarioContext, plan: Plan, dir: string, groups: string): Promise<Message> {
  const seedFile = join(dir, "monitors.yaml");
  writeFileSync(seedFile, groups);
  const cfg: DashboardSeedConfig = { dbFile: join(dir, "data", "upbeat.db"), configFile: seedFile, seed: 20_261_121, dayRows: plan.dayRows, hourRows: plan.hourRows, batchRows: 5000, capMs: CAP_MS };
  const child = startChild(SEED, { args: [JSON.stringify(cfg)], capMs: CAP_MS });
  try {
    const seeded = await child.waitFor("seeded", CAP_MS);
    ctx.log(`  seeded ${Number(seeded.monitors).toLocaleString("en")} monitors, ${Number(seeded.rows).toLocaleString("en")} rollup rows in ${fmt(Number(seeded.seedMs) / 1000, 0)} s`);
    return seeded;
  } finally {
    await child.stop();
  }
}

async function run(ctx: ScenarioContext): Promise<ScenarioReport> {
  const plan: Plan = { ...(ctx.smoke ? SMOKE : FULL), ...(ctx.monitors ? { monitors: ctx.monitors } : {}) };
  const web = ensureWebBuilt(ctx.log);
  const settings = statusSettingsSupported();
  const wrk = ensureWrk(ctx.log);
  const dir = mkdtempSync(join(ctx.tmpDir, "dashboard-"));
  const target = startChild(TARGET, { args: [JSON.stringify({ capMs: CAP_MS * 3, maxRequests: 10 * plan.monitors })], capMs: CAP_MS * 3 });
  try {
    const port = Number((await target.waitFor("ready", 30_000)).port);
    const groups = groupsYaml(plan, `http://127.0.0.1:${String(port)}`);
    const seeded = await seed(ctx, plan, dir, groups);
    const script = join(dir, "page.lua");
    writeWrkScript(script, [`/pages/${SLUG}`]);
    const f: Findings = { loads: [] };
    const o = { plan, dir, groups, settings, ids: seeded.ids as string[], wrk, script, f };
    const names: Variant[] = settings ? ["cached", "uncached"] : ["cached"];
    const samples = await alternate(names.map((v) => ({ name: v, runOnce: () => runOnce(ctx, v, o) })), ctx.runs, ctx.log);
    const pageTable = f.pageUnavailable ? `Status page: not available (${f.pageUnavailable}).` : comparisonTable(samples, METRICS, settings ? [["cached", "uncached"]] : []);
    const n = (x: number) => x.toLocaleString("en");
    return {
      setup:
        `\`upbeat serve\` (SQLite in bench/.tmp, logs at warn, statsd off) with ${n(plan.monitors)} HTTP monitors in ${String(plan.groups)} groups (interval 1h, on a local node:http target, so probing stays out of the way), seeded before the first start with ${String(plan.dayRows)} day and ${String(plan.hourRows)} hour rollups each (${n(Number(seeded.rows))} rows, written through \`store.commit\`) and an up state with a last result; dashboard files: ${web}. ` +
        `A fresh server per run on the same data, alternating the status page's render cache on (the default TTL) and off (\`statusPages.cacheTtl: 0\`)${settings ? "; `statusPages.rateLimit: false` so wrk is not limited" : "; this build has no `statusPages` settings, so only the default (cached) is run"}. ` +
        `First load, right after each start: \`GET /\`, then every script and stylesheet it links (6 connections, keep-alive), then \`GET ${DATA_PATH}\` with an admin API key (\`UPBEAT_ADMIN_API_KEY\`), each with \`Accept-Encoding: gzip, deflate, br\`; bytes are as transferred (headers and compressed bodies); no rendering, no requests the page's script makes besides the data. ` +
        `Status page: \`POST /api/v1/status-pages\` makes \`/pages/${SLUG}\` with ${String(plan.pageMonitors)} monitors in sections of ${String(PER_SECTION)}; \`wrk -t ${String(THREADS)} -c ${String(CONNECTIONS)} -d ${String(plan.wrkS)}s --latency -H "Accept-Encoding: gzip"\` after ${String(WARMUP_S)} s of the same unmeasured; server CPU from /proc over the measured run. wrk, the server and the kernel share the machine's cores.`,
      table: [loadTable(f), "", pageTable].join("\n"),
      note:
        `${f.loads.length ? `First load ${fmt(median(f.loads.map((l) => l.totalMs)), 0)} ms and ${fmt(median(f.loads.map((l) => l.bytes)) / 1024, 0)} KiB (targets < 1 s, < 1 MB)` : `First load not available: ${f.loadUnavailable ?? "?"}`}; ` +
        `${f.pageUnavailable ? `status page not available: ${f.pageUnavailable}` : `status page ${fmt(median((samples.get("cached") ?? []).map((s) => s.reqPerSec ?? Number.NaN)), 0)} req/s cached (target ≥ 5,000)${settings ? `, ${fmt(median((samples.get("uncached") ?? []).map((s) => s.reqPerSec ?? Number.NaN)), 0)} uncached` : ""}`}.`,
      targets: targetsOf(f, samples),
    };
  } finally {
    await target.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The dashboard scenario. */
export const dashboard: Scenario = {
  name: "dashboard",
  description: "10k monitors with a year of rollups in upbeat serve: dashboard first load (time, bytes, gzip) and a status page under wrk, cached and uncached",
  run,
};
