/**
 * probe-http: fresh-connection HTTP GET probes against a local node:http server, Upbeat's full
 * check path (`runCheck`) against a minimal Node prober, same load, alternating runs.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startChild, type ChildHandle } from "../lib/child.ts";
import { alternate, comparisonTable, type Metric, type Sample } from "../lib/compare.ts";
import { costTable, extraCosts, type ProfileSummary, summariseFile } from "../lib/cpuprofile-summary.ts";
import type { ProberConfig } from "../lib/prober-main.ts";
import { median, fmt } from "../lib/stats.ts";
import type { Scenario, ScenarioContext, ScenarioReport } from "../lib/types.ts";

const TOTAL = 10_000;
const WARMUP = 1_000;
const CONCURRENCY = 50;
const LOOP_CAP_MS = 60_000;
const CHILD_CAP_MS = 3 * 60_000;

const here = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
const TARGET = here("../targets/http-target.ts");
const PROBERS = { upbeat: here("../probers/http-upbeat.ts"), bare: here("../probers/http-bare.ts") } as const;
type VariantName = keyof typeof PROBERS;
/** How each prober said it was built (e.g. which probe registry), for the results. */
const proberInfo = new Set<string>();

const METRICS: Metric[] = [
  { key: "probesPerSec", label: "Probes/s", digits: 0, ratio: true },
  { key: "proberCpuPer10k", label: "Prober CPU-s / 10k (OS)", digits: 2, ratio: true },
  { key: "proberSysPer10k", label: "of which kernel (sys)", digits: 2, ratio: true },
  { key: "selfCpuPer10k", label: "Prober CPU-s / 10k (self)", digits: 2 },
  { key: "targetCpuPer10k", label: "Target CPU-s / 10k (OS)", digits: 2, ratio: true },
  { key: "failed", label: "Failed probes", digits: 0 },
];

async function startTarget(): Promise<{ target: ChildHandle; url: string }> {
  const target = startChild(TARGET, { args: [JSON.stringify({ capMs: CHILD_CAP_MS, maxRequests: 2 * (TOTAL + WARMUP) })], capMs: CHILD_CAP_MS });
  const { port } = await target.waitFor("ready", 30_000);
  return { target, url: `http://127.0.0.1:${String(port)}/` };
}

/** One measured run: a fresh target (fresh port, so no TIME_WAIT carry-over) and a fresh prober. */
async function runOnce(variant: VariantName, profilePath?: string): Promise<Sample> {
  const { target, url } = await startTarget();
  let prober: ChildHandle | undefined;
  try {
    const cfg: ProberConfig = { url, total: TOTAL, warmup: WARMUP, concurrency: CONCURRENCY, loopCapMs: LOOP_CAP_MS, capMs: CHILD_CAP_MS, ...(profilePath ? { profilePath } : {}) };
    prober = startChild(PROBERS[variant], { args: [JSON.stringify(cfg)], capMs: CHILD_CAP_MS });
    const ready = await prober.waitFor("ready", 90_000);
    if (ready.info) proberInfo.add(`${variant}: ${String(ready.info)}`);
    const p0 = prober.cpu();
    const t0 = target.cpu();
    prober.send({ type: "go" });
    const done = await prober.waitFor("done", LOOP_CAP_MS + 30_000);
    const p1 = prober.cpu();
    const t1 = target.cpu();
    const targetCpu = t1.user + t1.sys - t0.user - t0.sys;
    const completed = Number(done.completed);
    const per10k = (s: number) => (s * 10_000) / completed;
    return {
      probesPerSec: completed / (Number(done.wallMs) / 1000),
      proberCpuPer10k: per10k(p1.user + p1.sys - p0.user - p0.sys),
      proberSysPer10k: per10k(p1.sys - p0.sys),
      selfCpuPer10k: per10k(Number(done.selfCpuS)),
      targetCpuPer10k: per10k(targetCpu),
      failed: completed - Number(done.ok),
      completed,
    };
  } finally {
    await prober?.stop();
    await target.stop();
  }
}

async function profiled(ctx: ScenarioContext, v: VariantName, root: string): Promise<{ text: string; sum: ProfileSummary }> {
  const path = join(ctx.tmpDir, `probe-http-${v}-${Date.now()}.cpuprofile`);
  ctx.log(`  profiling ${v} → ${path}`);
  const s = await runOnce(v, path);
  const sum = summariseFile(path, root);
  const text = [
    `**${v}**: ${fmt(s.probesPerSec ?? NaN, 0)} probes/s and ${fmt(s.proberCpuPer10k ?? NaN, 2)} prober CPU-s while profiled; ${fmt(sum.busyMs, 0)} ms busy (non-idle) sampled in the measured loop (\`${path.replace(`${root}/`, "")}\`, git-ignored).`,
    "",
    `Self time by function, ${v} (top 8):`,
    "",
    costTable(sum.byFunction, 8, true),
    "",
  ].join("\n");
  return { text, sum };
}

async function profileSection(ctx: ScenarioContext): Promise<string> {
  const root = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
  const up = await profiled(ctx, "upbeat", root);
  const bare = await profiled(ctx, "bare", root);
  return [
    "#### Profiles (one extra run per variant with the V8 sampling profiler, 1 ms interval; not in the table above)",
    "",
    up.text,
    bare.text,
    "Where upbeat spends more than bare: self ms of upbeat minus bare, by file (top 12; both profiles cover 10,000 probes):",
    "",
    costTable(extraCosts(up.sum.byFile, bare.sum.byFile, up.sum.busyMs), 12, false),
    "",
  ].join("\n");
}

function note(samples: Map<string, Sample[]>): string {
  const m = (v: VariantName, k: string) => median((samples.get(v) ?? []).map((s) => s[k] ?? NaN));
  const failed = [...samples.values()].flat().reduce((n, s) => n + (s.failed ?? 0), 0);
  return (
    `upbeat runs at ${fmt(m("upbeat", "probesPerSec") / m("bare", "probesPerSec"), 2)}× the bare prober's rate ` +
    `and spends ${fmt(m("upbeat", "proberCpuPer10k") / m("bare", "proberCpuPer10k"), 2)}× its CPU per probe` +
    `${failed ? `; ${String(failed)} probes failed (see table)` : "; no probe failed"}.`
  );
}

async function run(ctx: ScenarioContext): Promise<ScenarioReport> {
  const variants = (["upbeat", "bare"] as const).map((name) => ({ name, runOnce: () => runOnce(name) }));
  const samples = await alternate(variants, ctx.runs, ctx.log);
  const profile = ctx.profile ? await profileSection(ctx) : undefined;
  return {
    setup:
      `${TOTAL.toLocaleString("en")} GET probes per run, ${CONCURRENCY} in flight, each on a fresh connection, after ${WARMUP.toLocaleString("en")} unmeasured warm-up probes; ` +
      `target: node:http answering 200 "ok" in its own process on 127.0.0.1; a fresh target and prober process per run. ` +
      `CPU (OS) is utime+stime from /proc/<pid>/stat over the measured loop; (self) is the prober's own process.cpuUsage(). ` +
      `upbeat = \`runCheck(monitor, { probes })\` (${[...proberInfo].join("; ")}); bare = \`http.get(url, { agent: false })\`, body read, status recorded.`,
    table: comparisonTable(samples, METRICS, [["upbeat", "bare"]]),
    note: note(samples),
    ...(profile ? { profile } : {}),
  };
}

/** The probe-http scenario. */
export const probeHttp: Scenario = {
  name: "probe-http",
  description: "10k fresh-connection HTTP GET probes at concurrency 50: Upbeat's runCheck path vs a bare node:http prober",
  run,
};
