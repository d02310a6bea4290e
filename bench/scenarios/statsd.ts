/**
 * statsd: Lovebeat beat lines over UDP into `upbeat serve` (and into a bare node:dgram receiver
 * for comparison) at rising rates, 1 and 10 lines per datagram over 10,000 services; the highest
 * rate with < 0.1 % loss, the lines/s it means, and the receiver's CPU per million lines.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ChildHandle, startChild } from "../lib/child.ts";
import { alternate, comparisonTable, type Metric, type Sample } from "../lib/compare.ts";
import { profileTables, summariseFile, threadProfileTables } from "../lib/cpuprofile-summary.ts";
import { fmt, fmtSpread, median, spread } from "../lib/stats.ts";
import { type LoopDelay, type Receiver, type ReceiverName, type StatsdCounts, startReceiver } from "../lib/statsd-receivers.ts";
import { check } from "../lib/targets.ts";
import type { Scenario, ScenarioContext, ScenarioReport, TargetCheck } from "../lib/types.ts";
import { udpStats } from "../lib/udp-stats.ts";
import type { StatsdSendConfig } from "../probers/statsd-send.ts";

// 10,000 services by default, 1,000 for a smoke run (--smoke), set when the scenario starts.
let SERVICES = 10_000;
const LINE_COUNTS = [1, 10] as const;
/** Asked datagrams/s per step, by lines per datagram. */
const STEPS: Record<number, number[]> = {
  1: [10_000, 25_000, 50_000, 75_000, 100_000, 150_000, 200_000, 300_000, 400_000],
  10: [10_000, 20_000, 30_000, 50_000, 75_000, 100_000, 150_000, 200_000, 300_000],
};
const LOSS_LIMIT = 0.001;
/** A ramp ends after this many failing steps in a row (one can be a hiccup of a shared machine). */
const FAILS_TO_STOP = 2;
const DEFAULT_STEP_S = 3;
/** A smoke run (--smoke) takes the first steps of each ramp only, for a second each. */
const SMOKE_STEPS = 2;
const SMOKE_STEP_S = 1;
let smokeRun = false;
const stepsOf = (lines: number): number[] => (STEPS[lines] ?? []).slice(0, smokeRun ? SMOKE_STEPS : undefined);
const CAP_MS = 30 * 60_000;
const SENDER = fileURLToPath(new URL("../probers/statsd-send.ts", import.meta.url));
const VARIANTS: readonly ReceiverName[] = ["upbeat", "bare"];

/** One step of a ramp. */
interface StepFigures {
  lines: number;
  asked: number;
  sentPerSec: number;
  lossDatagrams: number;
  lossLines: number;
  linesPerSec: number;
  serverCpuS: number;
  serverCpuPerSec: number;
  cpuPerMLines: number;
  senderCpuPerSec: number;
  loop: LoopDelay;
  kernelDrops: number;
  rejected: number;
  pass: boolean;
}

/** Steps of every run, by variant. */
const stepLog = new Map<ReceiverName, StepFigures[][]>();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls the counters until every sent datagram is counted or the count stops moving (300 ms). */
async function settle(rcv: Receiver, expected: number): Promise<StatsdCounts> {
  let c = await rcv.counts();
  let still = 0;
  for (let i = 0; i < 100 && c.datagrams < expected && still < 3; i++) {
    await sleep(100);
    const next = await rcv.counts();
    still = next.datagrams === c.datagrams ? still + 1 : 0;
    c = next;
  }
  return c;
}

async function measureStep(rcv: Receiver, sender: ChildHandle, asked: number, lines: number, stepS: number): Promise<StepFigures> {
  const c0 = await rcv.counts();
  await rcv.loop();
  const cpu0 = rcv.cpu();
  const k0 = udpStats();
  sender.send({ type: "step", rate: asked, lines, durationMs: stepS * 1000 });
  const st = await sender.waitFor("stepped", stepS * 1000 + 30_000);
  const c1 = await settle(rcv, c0.datagrams + Number(st.datagrams));
  const cpu1 = rcv.cpu();
  const loop = await rcv.loop();
  const k1 = udpStats();
  const wallS = Number(st.wallMs) / 1000;
  const received = c1.datagrams - c0.datagrams;
  const receivedLines = c1.lines - c0.lines;
  const serverCpuS = cpu1.user + cpu1.sys - cpu0.user - cpu0.sys;
  const lossDatagrams = 1 - received / Number(st.datagrams);
  const lossLines = 1 - receivedLines / Number(st.lines);
  const rejected = c1.rejected - c0.rejected;
  return {
    lines,
    asked,
    sentPerSec: Number(st.datagrams) / wallS,
    lossDatagrams,
    lossLines,
    linesPerSec: receivedLines / wallS,
    serverCpuS,
    serverCpuPerSec: serverCpuS / wallS,
    cpuPerMLines: (serverCpuS * 1e6) / receivedLines,
    senderCpuPerSec: Number(st.selfCpuS) / wallS,
    loop,
    kernelDrops: k1.rcvbufErrors - k0.rcvbufErrors,
    rejected,
    pass: lossDatagrams < LOSS_LIMIT && lossLines < LOSS_LIMIT && rejected === 0,
  };
}

/** One beat per service so every Lovebeat service exists (created on its first beat), then a short unmeasured warm-up. */
async function prime(rcv: Receiver, sender: ChildHandle): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    sender.send({ type: "step", rate: 20_000, lines: 1, durationMs: (SERVICES / 20_000) * 1000 });
    await sender.waitFor("stepped", 60_000);
    for (let i = 0; i < 600; i++) {
      const c = await rcv.counts();
      if (Number.isNaN(c.monitors) || (c.monitors >= SERVICES && c.pendingWrites === 0)) {
        let sent = c.datagrams;
        for (const [rate, lines] of [[25_000, 1], [10_000, 10]] as const) {
          sender.send({ type: "step", rate, lines, durationMs: 1500 });
          sent += Number((await sender.waitFor("stepped", 60_000)).datagrams);
        }
        // What the warm-up left in the socket buffer must not count in the first step.
        await settle(rcv, sent);
        return;
      }
      await sleep(100);
    }
  }
  throw new Error(`statsd: the receiver did not create ${String(SERVICES)} services`);
}

async function ramp(rcv: Receiver, sender: ChildHandle, lines: number, stepS: number, log: (s: string) => void): Promise<StepFigures[]> {
  const out: StepFigures[] = [];
  let fails = 0;
  for (const asked of stepsOf(lines)) {
    const s = await measureStep(rcv, sender, asked, lines, stepS);
    out.push(s);
    log(`    ${String(lines)} line(s) × ${asked.toLocaleString("en")}/s: sent ${fmt(s.sentPerSec, 0)}/s, loss ${fmt(s.lossLines * 100, 3)} %, ${fmt(s.serverCpuPerSec, 2)} CPU-s/s, loop max ${fmt(s.loop.maxMs, 0)} ms (GC ${fmt(s.loop.gcMaxMs, 0)} ms), kernel drops ${String(s.kernelDrops)}`);
    fails = s.pass ? 0 : fails + 1;
    // Past the sender's reach the steps would repeat the last one.
    if (fails >= FAILS_TO_STOP || s.sentPerSec < 0.9 * asked) break;
  }
  return out;
}

/** The highest passing step (by datagrams actually sent per second). */
function best(steps: readonly StepFigures[]): StepFigures | undefined {
  return steps.filter((s) => s.pass).sort((a, b) => b.sentPerSec - a.sentPerSec)[0];
}

async function runOnce(ctx: ScenarioContext, name: ReceiverName, stepS: number, profilePath?: string): Promise<Sample> {
  const rcv = await startReceiver(name, ctx.tmpDir, CAP_MS);
  let sender: ChildHandle | undefined;
  try {
    const cfg: StatsdSendConfig = { port: rcv.port, services: SERVICES, capMs: CAP_MS };
    sender = startChild(SENDER, { args: [JSON.stringify(cfg)], capMs: CAP_MS });
    await sender.waitFor("ready", 60_000);
    await prime(rcv, sender);
    if (profilePath) await rcv.profileStart?.(profilePath);
    const sample: Sample = {};
    const steps: StepFigures[] = [];
    for (const lines of LINE_COUNTS) {
      const r = await ramp(rcv, sender, lines, stepS, ctx.log);
      steps.push(...r);
      const b = best(r);
      sample[`dgps${String(lines)}`] = b?.sentPerSec ?? 0;
      sample[`lps${String(lines)}`] = b?.linesPerSec ?? 0;
      sample[`cpuPerM${String(lines)}`] = b?.cpuPerMLines ?? Number.NaN;
    }
    if (profilePath) await rcv.profileStop?.();
    else stepLog.set(name, [...(stepLog.get(name) ?? []), steps]);
    return sample;
  } finally {
    await sender?.stop();
    await rcv.stop();
  }
}

const METRICS: Metric[] = LINE_COUNTS.flatMap((l) => [
  { key: `dgps${String(l)}`, label: `${String(l)} line${l > 1 ? "s" : ""}: datagrams/s, < 0.1 % loss`, digits: 0, ratio: true },
  { key: `lps${String(l)}`, label: `${String(l)} line${l > 1 ? "s" : ""}: lines/s received there`, digits: 0, ratio: true },
  { key: `cpuPerM${String(l)}`, label: `${String(l)} line${l > 1 ? "s" : ""}: receiver CPU-s / 1M lines there`, digits: 2, ratio: true },
]);

const cell = (xs: number[], d: number, all: number) => (xs.length ? `${fmtSpread(spread(xs), d)}${xs.length < all ? ` [${String(xs.length)} runs]` : ""}` : "—");

/** Every step any run reached: median (min–max) over the runs that reached it. */
function stepTable(): string {
  const head = `| Lines/datagram | Asked datagrams/s | ${VARIANTS.map((v) => `${v}: sent/s | ${v}: loss % | ${v}: CPU-s/s | ${v}: loop max / GC max ms | ${v}: kernel drops`).join(" | ")} |`;
  const rule = `|---:|---:|${VARIANTS.map(() => "---:|---:|---:|---:|---:").join("|")}|`;
  const rows: string[] = [];
  for (const lines of LINE_COUNTS) {
    for (const asked of stepsOf(lines)) {
      const cells = VARIANTS.map((v) => {
        const runs = stepLog.get(v) ?? [];
        const hit = runs.flatMap((r) => r.filter((s) => s.lines === lines && s.asked === asked));
        const n = runs.length;
        return [cell(hit.map((s) => s.sentPerSec), 0, n), cell(hit.map((s) => s.lossLines * 100), 3, n), cell(hit.map((s) => s.serverCpuPerSec), 2, n), `${cell(hit.map((s) => s.loop.maxMs), 0, n)} / ${cell(hit.map((s) => s.loop.gcMaxMs), 0, n)}`, cell(hit.map((s) => s.kernelDrops), 0, n)].join(" | ");
      });
      if (cells.every((c) => c.startsWith("—"))) continue;
      rows.push(`| ${String(lines)} | ${asked.toLocaleString("en")} | ${cells.join(" | ")} |`);
    }
  }
  return [head, rule, ...rows].join("\n");
}

async function profileSection(ctx: ScenarioContext, stepS: number): Promise<string> {
  const root = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
  const path = join(ctx.tmpDir, `statsd-upbeat-${String(Date.now())}.cpuprofile`);
  ctx.log(`  profiling upbeat → ${path}`);
  const s = await runOnce(ctx, "upbeat", stepS, path);
  const sum = summariseFile(path, root);
  return [
    "#### Profile (one extra upbeat run, V8 sampling profiler at 1 ms in the server's main thread over both ramps, after priming; not in the tables above)",
    "",
    `Highest rates with < 0.1 % loss while profiled: ${fmt(s.dgps1 ?? NaN, 0)} datagrams/s at 1 line, ${fmt(s.dgps10 ?? NaN, 0)} at 10 lines; ${fmt(sum.busyMs, 0)} ms busy (non-idle) sampled (\`${path.replace(`${root}/`, "")}\`, git-ignored).`,
    "",
    ...profileTables(sum),
    ...threadProfileTables(path, root),
  ].join("\n");
}

function note(samples: Map<string, Sample[]>): string {
  const m = (v: ReceiverName, k: string) => median((samples.get(v) ?? []).map((s) => s[k] ?? NaN));
  const lossy = (stepLog.get("upbeat") ?? []).flat().filter((s) => !s.pass);
  const stall = lossy.length ? median(lossy.map((s) => s.loop.maxMs)) : Number.NaN;
  const gc = lossy.length ? median(lossy.map((s) => s.loop.gcMaxMs)) : Number.NaN;
  return (
    `Upbeat kept loss under 0.1 % up to ${fmt(m("upbeat", "dgps1"), 0)} datagrams/s at 1 line (target ≥ 150,000) and ${fmt(m("upbeat", "lps10"), 0)} lines/s at 10 lines per datagram (target ≥ 1,000,000); ` +
    `the bare receiver on the same sender up to ${fmt(m("bare", "dgps1"), 0)} datagrams/s and ${fmt(m("bare", "lps10"), 0)} lines/s. ` +
    `Upbeat spent ${fmt(m("upbeat", "cpuPerM1"), 2)} CPU-s per million lines at 1 line and ${fmt(m("upbeat", "cpuPerM10"), 2)} at 10 (bare: ${fmt(m("bare", "cpuPerM1"), 2)} and ${fmt(m("bare", "cpuPerM10"), 2)})` +
    `${lossy.length ? `; in Upbeat's lossy steps its event loop was blocked up to ${fmt(stall, 0)} ms (median of the step maxima; longest GC pause ${fmt(gc, 0)} ms), and it used ${fmt(median(lossy.map((s) => s.serverCpuPerSec)), 2)} CPU-s/s (1.00 is all a single-threaded receiver gets), against a receive buffer that holds about 10,000 one-line or 6,500 ten-line datagrams` : ""}.`
  );
}

function targets(samples: Map<string, Sample[]>): TargetCheck[] {
  const m = (k: string) => median((samples.get("upbeat") ?? []).map((s) => s[k] ?? NaN));
  return [
    check("statsd", "datagrams/s at 1 line, < 0.1 % loss", m("dgps1"), { op: "≥", bound: 150_000, measured: `${fmt(m("dgps1"), 0)}/s`, target: "≥ 150k/s" }),
    check("statsd", "lines/s at 10 lines per datagram, < 0.1 % loss", m("lps10"), { op: "≥", bound: 1_000_000, measured: `${fmt(m("lps10"), 0)}/s`, target: "≥ 1M/s" }),
  ];
}

async function run(ctx: ScenarioContext): Promise<ScenarioReport> {
  smokeRun = ctx.smoke;
  SERVICES = ctx.smoke ? 1_000 : 10_000;
  const stepS = ctx.durationS ?? (ctx.smoke ? SMOKE_STEP_S : DEFAULT_STEP_S);
  stepLog.clear();
  const variants = VARIANTS.map((name) => ({ name, runOnce: () => runOnce(ctx, name, stepS) }));
  const samples = await alternate(variants, ctx.runs, ctx.log);
  const profile = ctx.profile ? await profileSection(ctx, stepS) : undefined;
  return {
    setup:
      `Receivers: \`upbeat serve\` (statsd on UDP 127.0.0.1, empty configuration, SQLite in bench/.tmp, logs at warn; counters from \`/readyz\`) and a bare node:dgram socket (same 4 MiB receive buffer, decodes and splits lines, nothing else); a fresh receiver per run. ` +
      `Sender: one Node process, one connected UDP socket, beat lines \`bench-<i>.beat:1|c\` for ${SERVICES.toLocaleString("en")} services in turn, paced on a 1 ms timer. ` +
      `Each run first sends one beat per service (Upbeat creates the ${SERVICES.toLocaleString("en")} Lovebeat services) and 3 s of unmeasured warm-up, then ramps 1 line per datagram (${stepsOf(1).map((r) => `${String(r / 1000)}k`).join(", ")} datagrams/s) and 10 lines (${stepsOf(10).map((r) => `${String(r / 1000)}k`).join(", ")}), ` +
      `${fmt(stepS, 0)} s per step; a ramp ends after ${String(FAILS_TO_STOP)} failing steps in a row or when the sender falls 10 % short. Counters are read before a step and after it once they stop moving; loss = 1 − received/sent (lines; datagrams alike); a step passes under 0.1 % loss with no rejected line. ` +
      `Receiver CPU is utime+stime from /proc over the step and its settling; "loop max" is the longest event-loop delay in the receiver over the step (perf_hooks, 10 ms resolution; in Upbeat through bench/lib/tether.ts) and "GC max" its longest garbage-collector pause; kernel drops are the machine's UDP RcvbufErrors (/proc/net/snmp) over the step. ` +
      `Upbeat applies at most one beat per service per second (Lovebeat's rule), so past 10,000 lines/s most lines are parsed and counted but change nothing. Other work (tests, builds) may have been running on the machine.`,
    table: [comparisonTable(samples, METRICS, [["upbeat", "bare"]]), "", "Every step reached (median (min–max) over the runs that reached it; loss in % of lines):", "", stepTable()].join("\n"),
    note: note(samples),
    targets: targets(samples),
    ...(profile ? { profile } : {}),
  };
}

/** The statsd scenario. */
export const statsd: Scenario = {
  name: "statsd",
  description: "Lovebeat statsd over UDP into upbeat serve vs a bare dgram socket: highest rate with < 0.1 % loss at 1 and 10 lines per datagram (--duration: seconds per step, default 3)",
  run,
};
