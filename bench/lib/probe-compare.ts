/**
 * The probe comparisons (probe-http, probe-tcp): fresh-connection probes of a local target by
 * Upbeat's whole engine, by Debian's blackbox_exporter driven through `/probe`, and by a bare
 * Node prober for reference, in the same invocation, alternating runs; probes/s and CPU-seconds
 * per probe of the process that probes, and the ratios against blackbox_exporter.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { EngineProbeConfig } from "../probers/engine-probe.ts";
import { type BlackboxHandle, blackboxVersion, ensureBlackbox, probeUrl, startBlackbox } from "./blackbox.ts";
import { type ChildHandle, type Message, startChild } from "./child.ts";
import { alternate, comparisonTable, type Metric, type Sample } from "./compare.ts";
import { profileTables, summariseFile, threadProfileTables } from "./cpuprofile-summary.ts";
import type { ProcCpu } from "./proc-cpu.ts";
import type { ProberConfig } from "./prober-main.ts";
import { fmt, median } from "./stats.ts";
import { check, holds } from "./targets.ts";
import type { Scenario, ScenarioContext, ScenarioReport, TargetCheck } from "./types.ts";

/** What is probed. */
export type ProbeKind = "http" | "tcp";
type VariantName = "upbeat" | "blackbox" | "bare";

/** Counts of one scenario run. */
interface Sizes {
  /** Measured probes per run. */
  total: number;
  /** Unmeasured probes before them. */
  warmup: number;
  /** Monitors in the engine. */
  monitors: number;
  /** Their interval: short enough that checks always wait for a slot. */
  intervalMs: number;
}

const FULL: Sizes = { total: 10_000, warmup: 1_000, monitors: 5_000, intervalMs: 500 };
const SMOKE: Sizes = { total: 500, warmup: 100, monitors: 300, intervalMs: 100 };
/** Probes in flight, for every variant (the engine's concurrency; the load generator's and the bare prober's). */
const CONCURRENCY = 50;
const LOOP_CAP_MS = 60_000;
const CHILD_CAP_MS = 4 * 60_000;

const here = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
const TARGETS: Record<ProbeKind, string> = { http: here("../targets/http-target.ts"), tcp: here("../targets/tcp-target.ts") };
const BARE: Record<ProbeKind, string> = { http: here("../probers/http-bare.ts"), tcp: here("../probers/tcp-bare.ts") };
const ENGINE = here("../probers/engine-probe.ts");
const LOADGEN = here("../probers/blackbox-load.ts");
const MODULE: Record<ProbeKind, "http_2xx" | "tcp_connect"> = { http: "http_2xx", tcp: "tcp_connect" };

/** The processes of one run: who is told `go` and says `done`, and whose CPU is the prober's. */
interface Rig {
  driver: ChildHandle;
  prober: { cpu(): ProcCpu };
  loadgen?: ChildHandle;
  stop(): Promise<void>;
}

async function startTarget(kind: ProbeKind, sizes: Sizes): Promise<{ target: ChildHandle; port: number }> {
  const max = 3 * (sizes.total + sizes.warmup) + 10 * CONCURRENCY;
  const target = startChild(TARGETS[kind], { args: [JSON.stringify({ capMs: CHILD_CAP_MS, maxRequests: max, maxConnections: max })], capMs: CHILD_CAP_MS });
  const { port } = await target.waitFor("ready", 30_000);
  return { target, port: Number(port) };
}

function proberConfig(url: string, sizes: Sizes, profilePath?: string): ProberConfig {
  return { url, total: sizes.total, warmup: sizes.warmup, concurrency: CONCURRENCY, loopCapMs: LOOP_CAP_MS, capMs: CHILD_CAP_MS, ...(profilePath ? { profilePath } : {}) };
}

async function rig(ctx: ScenarioContext, kind: ProbeKind, v: VariantName, port: number, sizes: Sizes, dir: string, profilePath?: string): Promise<Rig> {
  const host = `127.0.0.1:${String(port)}`;
  if (v === "upbeat") {
    const cfg: EngineProbeConfig = { target: kind === "http" ? `http://${host}` : `tcp://${host}`, monitors: sizes.monitors, intervalMs: sizes.intervalMs, concurrency: CONCURRENCY, total: sizes.total, warmup: sizes.warmup, loopCapMs: LOOP_CAP_MS, capMs: CHILD_CAP_MS, dbFile: join(dir, "upbeat.db"), ...(profilePath ? { profilePath } : {}) };
    const driver = startChild(ENGINE, { args: [JSON.stringify(cfg)], capMs: CHILD_CAP_MS });
    return { driver, prober: driver, stop: () => driver.stop() };
  }
  if (v === "bare") {
    const driver = startChild(BARE[kind], { args: [JSON.stringify(proberConfig(kind === "http" ? `http://${host}/` : `tcp://${host}`, sizes))], capMs: CHILD_CAP_MS });
    return { driver, prober: driver, stop: () => driver.stop() };
  }
  const bb: BlackboxHandle = await startBlackbox(ensureBlackbox(ctx.log), dir, CHILD_CAP_MS);
  let loadgen: ChildHandle | undefined;
  try {
    loadgen = startChild(LOADGEN, { args: [JSON.stringify(proberConfig(probeUrl(bb, kind === "http" ? `http://${host}/` : host, MODULE[kind]), sizes))], capMs: CHILD_CAP_MS });
  } catch (e) {
    await bb.stop();
    throw e;
  }
  const lg = loadgen;
  return { driver: lg, prober: bb, loadgen: lg, stop: async () => void (await Promise.all([lg.stop(), bb.stop()])) };
}

const cpuS = (c: ProcCpu) => c.user + c.sys;

/** One measured run: a fresh target (fresh port, no TIME_WAIT carry-over) and fresh probing processes. */
async function runOnce(ctx: ScenarioContext, kind: ProbeKind, v: VariantName, sizes: Sizes, profilePath?: string): Promise<Sample> {
  const dir = mkdtempSync(join(ctx.tmpDir, `probe-${kind}-${v}-`));
  const { target, port } = await startTarget(kind, sizes);
  let r: Rig | undefined;
  try {
    r = await rig(ctx, kind, v, port, sizes, dir, profilePath);
    await r.driver.waitFor("ready", 3 * 60_000);
    const p0 = r.prober.cpu();
    const t0 = target.cpu();
    const l0 = r.loadgen?.cpu();
    r.driver.send({ type: "go" });
    const done = await r.driver.waitFor("done", LOOP_CAP_MS + 30_000);
    const p1 = r.prober.cpu();
    const t1 = target.cpu();
    const l1 = r.loadgen?.cpu();
    let finished: Message | undefined;
    if (v === "upbeat") {
      r.driver.send({ type: "finish" });
      finished = await r.driver.waitFor("finished", 60_000);
    }
    const completed = Number(done.completed);
    const per10k = (s: number) => (s * 10_000) / completed;
    return {
      probesPerSec: completed / (Number(done.wallMs) / 1000),
      proberCpuPer10k: per10k(cpuS(p1) - cpuS(p0)),
      proberSysPer10k: per10k(p1.sys - p0.sys),
      loadgenCpuPer10k: l0 && l1 ? per10k(cpuS(l1) - cpuS(l0)) : Number.NaN,
      targetCpuPer10k: per10k(cpuS(t1) - cpuS(t0)),
      failed: completed - Number(done.ok),
      unstored: finished ? Number(finished.checks) - Number(finished.results) + Number(finished.droppedResults) : Number.NaN,
      completed,
    };
  } finally {
    await r?.stop();
    await target.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const METRICS: Metric[] = [
  { key: "probesPerSec", label: "Probes/s", digits: 0, ratio: true },
  { key: "proberCpuPer10k", label: "Probing process CPU-s / 10k (OS)", digits: 2, ratio: true },
  { key: "proberSysPer10k", label: "of which kernel (sys)", digits: 2, ratio: true },
  { key: "loadgenCpuPer10k", label: "Load generator CPU-s / 10k", digits: 2 },
  { key: "targetCpuPer10k", label: "Target CPU-s / 10k", digits: 2, ratio: true },
  { key: "failed", label: "Failed probes", digits: 0 },
  { key: "unstored", label: "Checks without a result row", digits: 0 },
];

const medianOf = (samples: Map<string, Sample[]>, v: VariantName, k: string) => median((samples.get(v) ?? []).map((s) => s[k] ?? Number.NaN));

function ratios(samples: Map<string, Sample[]>) {
  return {
    rate: medianOf(samples, "upbeat", "probesPerSec") / medianOf(samples, "blackbox", "probesPerSec"),
    cpu: medianOf(samples, "upbeat", "proberCpuPer10k") / medianOf(samples, "blackbox", "proberCpuPer10k"),
    bareRate: medianOf(samples, "bare", "probesPerSec") / medianOf(samples, "blackbox", "probesPerSec"),
    bareCpu: medianOf(samples, "bare", "proberCpuPer10k") / medianOf(samples, "blackbox", "proberCpuPer10k"),
  };
}

function targets(name: string, kind: ProbeKind, samples: Map<string, Sample[]>): TargetCheck[] {
  const r = ratios(samples);
  const unstored = (samples.get("upbeat") ?? []).reduce((n, s) => n + (s.unstored ?? 0), 0);
  const rows = [check(name, "probes/s, upbeat / blackbox_exporter", r.rate, { op: "≥", bound: kind === "http" ? 1.1 : 2, measured: `${fmt(r.rate, 2)}×`, target: kind === "http" ? "≥ 1.1×" : "≥ 2×" })];
  if (kind === "http") rows.push(check(name, "CPU-s per probe, upbeat / blackbox_exporter", r.cpu, { op: "≤", bound: 0.5, measured: `${fmt(r.cpu, 2)}×`, target: "≤ 0.5×" }));
  rows.push(holds(name, "every check stored (upbeat)", unstored === 0, unstored === 0 ? "yes" : `${String(unstored)} missing`, "every check"));
  return rows;
}

function note(samples: Map<string, Sample[]>): string {
  const r = ratios(samples);
  const failed = [...samples.values()].flat().reduce((n, s) => n + (s.failed ?? 0), 0);
  return (
    `Upbeat's engine probes at ${fmt(r.rate, 2)}× blackbox_exporter's rate and spends ${fmt(r.cpu, 2)}× its CPU per probe ` +
    `(the bare Node prober: ${fmt(r.bareRate, 2)}× and ${fmt(r.bareCpu, 2)}×)${failed ? `; ${String(failed)} probes failed (see table)` : "; no probe failed"}.`
  );
}

async function profileSection(ctx: ScenarioContext, name: string, kind: ProbeKind, sizes: Sizes): Promise<string> {
  const root = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
  const path = join(ctx.tmpDir, `${name}-upbeat-${String(Date.now())}.cpuprofile`);
  ctx.log(`  profiling upbeat → ${path}`);
  const s = await runOnce(ctx, kind, "upbeat", sizes, path);
  const sum = summariseFile(path, root);
  return [
    "#### Profile (one extra upbeat run, V8 sampling profiler at 1 ms in the engine process over the measured probes; not in the table above)",
    "",
    `${fmt(s.probesPerSec ?? Number.NaN, 0)} probes/s and ${fmt(s.proberCpuPer10k ?? Number.NaN, 2)} CPU-s / 10k while profiled; ${fmt(sum.busyMs, 0)} ms busy (non-idle) sampled (\`${path.replace(`${root}/`, "")}\`, git-ignored).`,
    "",
    ...profileTables(sum),
    ...threadProfileTables(path, root),
  ].join("\n");
}

function setup(kind: ProbeKind, sizes: Sizes, version: string, runs: number): string {
  const n = (x: number) => x.toLocaleString("en");
  const what = kind === "http" ? 'GET of a node:http server answering 200 "ok"' : "TCP connect to a node:net server that closes when the client does";
  return (
    `${n(sizes.total)} measured probes per run after ${n(sizes.warmup)} unmeasured, ${String(CONCURRENCY)} in flight, each on a fresh connection (${what}, its own process on 127.0.0.1, a fresh one per run); ${String(runs)} runs per variant, alternating. ` +
    `upbeat = the whole engine in its own process: \`Engine.start\` with the project's probes, concurrency ${String(CONCURRENCY)}, SQLite (WAL) in bench/.tmp, ${n(sizes.monitors)} ${kind.toUpperCase()} monitors at a ${String(sizes.intervalMs)} ms interval so checks always wait for a slot; every check goes through the scheduler, the probe and its assertions, the state machine and the batched store write (result row, state, rollups), and after the run \`engine.stop()\` and \`store.countResults()\` must equal the checks. ` +
    `blackbox = Debian's prometheus-blackbox-exporter (${version}), module \`${MODULE[kind]}\` (as Debian ships it, timeout 10s), driven through \`GET /probe?target=…&module=${MODULE[kind]}\` by a Node load generator in another process (keep-alive to the exporter, body checked for \`probe_success 1\`); the exporter dials the target afresh for every probe. ` +
    `bare = the least a Node prober does (${kind === "http" ? "`http.get(url, { agent: false })`, body read" : "`net.connect`, closed once connected"}), for reference. ` +
    `CPU is utime+stime from /proc/<pid>/stat over the measured stretch: "probing process" is the engine, the exporter (all its threads) or the bare prober; the load generator is apart (it plays Prometheus). ` +
    `The engine's figures include its batched writes; a commit pending at the end of the stretch is balanced by the one pending at its start.`
  );
}

/** A probe comparison scenario for one kind. */
export function probeScenario(name: string, kind: ProbeKind, description: string): Scenario {
  return {
    name,
    description,
    run: async (ctx: ScenarioContext): Promise<ScenarioReport> => {
      const sizes = ctx.smoke ? SMOKE : FULL;
      const version = blackboxVersion(ensureBlackbox(ctx.log));
      const variants = (["upbeat", "blackbox", "bare"] as const).map((v) => ({ name: v, runOnce: () => runOnce(ctx, kind, v, sizes) }));
      const samples = await alternate(variants, ctx.runs, ctx.log);
      const profile = ctx.profile ? await profileSection(ctx, name, kind, sizes) : undefined;
      return {
        setup: setup(kind, sizes, version, ctx.runs),
        table: comparisonTable(samples, METRICS, [
          ["upbeat", "blackbox"],
          ["bare", "blackbox"],
        ]),
        note: note(samples),
        targets: targets(name, kind, samples),
        ...(profile ? { profile } : {}),
      };
    },
  };
}
