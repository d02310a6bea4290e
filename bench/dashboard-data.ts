/**
 * The dashboard's first load at 10,000 monitors with a year of rollups (365 day rows and 7 days of
 * hour rows per monitor, 5.3 million rows) in a SQLite file: bytes on the wire and time of
 * `GET /api/v1/dashboard` (and of a few pages and filters), plus the built page's own files,
 * over real HTTP on loopback; first with the store alone (a server still starting), then with
 * the engine running those 10,000 monitors (heartbeats due in a day: nothing else to do).
 * Prints; asserts nothing. `npx tsx bench/dashboard-data.ts`.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import BetterSqlite3 from "better-sqlite3";
import pino from "pino";
import { openAccess } from "../src/api/access.ts";
import { buildApp } from "../src/api/app.ts";
import { dashboardPlugin } from "../src/api/dashboard-routes.ts";
import { LiveEvents } from "../src/api/live-events.ts";
import { loadText } from "../src/config/load.ts";
import type { UpbeatConfig } from "../src/config/model.ts";
import { Engine } from "../src/engine/engine.ts";
import { PROBES } from "../src/probes/registry.ts";
import { openStore } from "../src/store/open.ts";
import { BUCKET_MS, bucketStart } from "../src/store/rollups.ts";

const MONITORS = 10_000;
const DAYS = 365;
const HOURS = 24 * 7;
const RUNS = 15;
const STATES = ["up", "up", "up", "up", "up", "up", "up", "up", "up", "up", "up", "up", "up", "up", "up", "up", "up", "degraded", "down", "paused"];

const log = pino({ level: "silent" });

/** 10,000 heartbeat monitors in 50 teams × 4 environments, due once a day. */
function config(): UpbeatConfig {
  const lines = ["groups:"];
  for (let t = 0; t < 50; t++) {
    lines.push(`  - { id: team-${String(t).padStart(2, "0")}, name: Team ${t}, groups: [`);
    for (let e = 0; e < 4; e++) {
      const mons = [];
      for (let i = t + e * 50; i < MONITORS; i += 200) mons.push(`{ id: service-${String(i).padStart(5, "0")}, name: service-${String(i).padStart(5, "0")}, type: heartbeat, period: 1d, grace: 1h, labels: { env: env-${e} } }`);
      lines.push(`      { id: env-${e}, name: env-${e}, monitors: [${mons.join(", ")}] },`);
    }
    lines.push("    ] }");
  }
  const { config, problems } = loadText("bench.yaml", lines.join("\n"), { env: {} });
  if (problems.some((p) => p.severity === "error")) throw new Error(JSON.stringify(problems.slice(0, 3)));
  return config;
}

/** Builds the database: monitors, states with a last result, and rollups (straight SQL, one transaction). */
async function build(file: string, now: number, cfg: UpbeatConfig): Promise<void> {
  const store = await openStore({ kind: "sqlite", file });
  await store.syncMonitors(cfg.monitors.map((m) => ({ id: m.id, name: m.name, kind: m.kind, groupPath: m.groupPath, source: "native", definition: { settings: { labels: m.settings.labels } } })), now - 400 * BUCKET_MS.day);
  await store.close();
  const db = new BetterSqlite3(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  const seqs = db.prepare("SELECT seq, id FROM monitors").all() as Array<{ seq: number; id: string }>;
  const state = db.prepare("INSERT INTO monitor_state (monitor_seq, status, since, failures, successes, last_incident_number, last_reminder_at, last_result_at, last_result, updated_at) VALUES (?, ?, ?, 0, 0, 0, NULL, ?, ?, ?)");
  const hour = db.prepare("INSERT INTO rollup_hour (monitor_seq, bucket, checks, failures, degraded, down_ms, lat_count, lat_sum, lat_min, lat_max, sketch) VALUES (?, ?, 60, ?, 0, ?, 60, ?, 20, 400, '')");
  const day = db.prepare("INSERT INTO rollup_day (monitor_seq, bucket, checks, failures, degraded, down_ms, lat_count, lat_sum, lat_min, lat_max, sketch) VALUES (?, ?, 1440, ?, 0, ?, 1440, ?, 20, 400, '')");
  const h0 = bucketStart("hour", now) - (HOURS - 1) * BUCKET_MS.hour;
  const d0 = bucketStart("day", now) - (DAYS - 1) * BUCKET_MS.day;
  db.transaction(() => {
    for (const { seq, id } of seqs) {
      const status = STATES[seq % STATES.length] as string;
      const last = { monitorId: id, at: now - 20_000, health: status === "down" ? "down" : "up", durationMs: 40 + (seq % 200), region: "local", ...(status === "down" ? { reason: "status: expected 2xx, got 503", statusCode: 503 } : { statusCode: 200 }) };
      state.run(seq, status, now - (seq % 1000) * 60_000, last.at, JSON.stringify(last), now);
      for (let i = 0; i < HOURS; i++) {
        const f = (seq * 31 + i) % 97 === 0 ? 3 : 0;
        hour.run(seq, h0 + i * BUCKET_MS.hour, f, f * 60_000, 60 * 80);
      }
      for (let i = 0; i < DAYS; i++) {
        const f = (seq * 7 + i) % 53 === 0 ? 12 : 0;
        day.run(seq, d0 + i * BUCKET_MS.day, f, f * 60_000, 1440 * 80);
      }
    }
  })();
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
}

/** One GET over a real socket: bytes on the wire (headers and body as sent) and milliseconds. */
function fetchRaw(port: number, path: string, encoding: string): Promise<{ bytes: number; bodyBytes: number; ms: number; status: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get({ host: "127.0.0.1", port, path, headers: { "accept-encoding": encoding }, agent: false }, (res) => {
      let body = 0;
      res.on("data", (c: Buffer) => (body += c.length));
      res.on("end", () => {
        const head = Object.entries(res.headers).reduce((n, [k, v]) => n + k.length + String(v).length + 4, 20);
        resolve({ bytes: head + body, bodyBytes: body, ms: performance.now() - t0, status: res.statusCode ?? 0 });
      });
    });
    req.on("error", reject);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

/** The page's own files as a browser fetches them on a first visit (brotli copies). */
function pageFiles(): Array<{ file: string; bytes: number }> {
  const dist = fileURLToPath(new URL("../web/dist/", import.meta.url));
  const index = readFileSync(join(dist, "index.html"), "utf8");
  const named = [...index.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1] as string);
  return ["index.html", ...named].map((f) => {
    const br = join(dist, `${f}.br`);
    const size = (p: string) => statSync(p, { throwIfNoEntry: false })?.size;
    return { file: f, bytes: size(br) ?? size(join(dist, f)) ?? 0 };
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "upbeat-dash-bench-"));
  const file = join(dir, "upbeat.db");
  const now = Date.now();
  const cfg = config();
  try {
    const t0 = performance.now();
    await build(file, now, cfg);
    console.log(`built ${MONITORS} monitors, ${(MONITORS * (DAYS + HOURS)).toLocaleString("en")} rollup rows in ${((performance.now() - t0) / 1000).toFixed(0)} s (${(statSync(file).size / 2 ** 20).toFixed(0)} MiB)`);
    const store = await openStore({ kind: "sqlite", file });
    await measure(store, undefined, "store alone (while the engine starts)");
    const engine = await Engine.start(cfg, { store, probes: PROBES, log });
    await measure(store, engine, `engine running ${engine.stats().monitors} monitors`);
    await engine.stop(0);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The requests against one app. */
async function measure(store: Awaited<ReturnType<typeof openStore>>, engine: Engine | undefined, title: string): Promise<void> {
  const app = buildApp({ access: openAccess("viewer"), store, engine: () => engine, ready: () => true, log });
  await app.register((s) => dashboardPlugin(s, { store, engine: () => engine, events: new LiveEvents(), now: Date.now }));
  await app.listen({ host: "127.0.0.1", port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  console.log(`\n${title}:`);
  const cases: Array<[string, string, string]> = [
    ["first screen", "/api/v1/dashboard", "br"],
    ["first screen (gzip)", "/api/v1/dashboard", "gzip"],
    ["first screen (identity)", "/api/v1/dashboard", "identity"],
    ["page at 5,000", "/api/v1/dashboard/rows?offset=5000&limit=100", "br"],
    ["down only", "/api/v1/dashboard/rows?state=down", "br"],
    ["search", "/api/v1/dashboard/rows?q=service-0042", "br"],
    ["label filter", "/api/v1/dashboard/rows?label=env%3Denv-2&sort=latency", "br"],
    ["one group", "/api/v1/dashboard/rows?group=Team%207%2Fenv-3", "br"],
    ["monitor page", `/api/v1/dashboard/monitor?id=${encodeURIComponent("service-00157")}`, "br"],
  ];
  console.log("\n| Request | Status | On the wire | Body | First (ms) | Median of 15 (ms) |\n|---|---|---|---|---|---|");
  for (const [name, path, enc] of cases) {
    const first = await fetchRaw(port, path, enc);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push((await fetchRaw(port, path, enc)).ms);
    console.log(`| ${name} \`${path}\` (${enc}) | ${first.status} | ${kb(first.bytes)} | ${kb(first.bodyBytes)} | ${first.ms.toFixed(0)} | ${median(times).toFixed(0)} |`);
  }
  const files = pageFiles();
  const data = await fetchRaw(port, "/api/v1/dashboard", "br");
  const total = files.reduce((n, f) => n + f.bytes, 0) + data.bytes;
  console.log(`page files (brotli): ${files.map((f) => `${f.file} ${kb(f.bytes)}`).join(", ")}`);
  console.log(`first load: page files ${kb(files.reduce((n, f) => n + f.bytes, 0))} + data ${kb(data.bytes)} = ${kb(total)} (the chart's code and uPlot load with the first monitor page: ${kb(readdirSync(fileURLToPath(new URL("../web/dist/assets/", import.meta.url))).filter((f) => f.startsWith("latency-chart") && f.endsWith(".br")).reduce((n, f) => n + statSync(fileURLToPath(new URL(`../web/dist/assets/${f}`, import.meta.url))).size, 0))})`);
  await app.close();
}

await main();
