/**
 * alerts: 1,000 monitors go down in one tick, then recover in one tick; how long until a local
 * webhook receiver (its own process) has each one's notification, whether every one arrived exactly
 * once, and the engine's CPU. Per-monitor messages (the monitors' own `alerts`) against a route
 * grouping by `group` (10 groups of 100), alternating.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ChildHandle, type Message, startChild } from "../lib/child.ts";
import { alternate, comparisonTable, type Metric, type Sample } from "../lib/compare.ts";
import { profileTables, summariseFile, threadProfileTables } from "../lib/cpuprofile-summary.ts";
import type { ProcCpu } from "../lib/proc-cpu.ts";
import { fmt, median, quantile } from "../lib/stats.ts";
import type { Scenario, ScenarioContext, ScenarioReport } from "../lib/types.ts";
import type { AlertsRunConfig, AlertsVariant, FlipFigures } from "../probers/alerts-run.ts";
import type { Received } from "../targets/alert-receiver.ts";

// Sizes: 10 groups of 100 by default, 5 of 20 for a smoke run (--smoke), set when the scenario starts.
let GROUPS = 10;
let PER_GROUP = 100;
let MONITORS = GROUPS * PER_GROUP;
const WARM = 10;
const GROUP_INTERVAL = "1s";
/** After the last expected arrival: time for late doubles and the engine's last writes. */
const SETTLE_MS = 1500;
/** Longest a flip may take to arrive in full. */
const PHASE_CAP_MS = 60_000;
const CHILD_CAP_MS = 4 * 60_000;
const here = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
const RECEIVER = here("../targets/alert-receiver.ts");
const ENGINE = here("../probers/alerts-run.ts");
/** A way of routing the notifications. */
interface Variant {
  /** Short name for files and errors. */
  id: string;
  /** Own `alerts` or the route. */
  routing: AlertsVariant;
  /** The route's `groupWait` (routed only). */
  groupWait: string;
  /** Name in the tables. */
  label: string;
}
const VARIANTS: readonly Variant[] = [
  { id: "own", routing: "own", groupWait: "0s", label: "own alerts (per monitor)" },
  { id: "grouped-0s", routing: "routed", groupWait: "0s", label: "route groupBy [group], groupWait 0s" },
  { id: "grouped-100ms", routing: "routed", groupWait: "100ms", label: "route groupBy [group], groupWait 100ms" },
];
const PHASES = [
  { key: "down", health: "down", kind: "incident.opened" },
  { key: "up", health: "up", kind: "incident.resolved" },
] as const;
type Phase = (typeof PHASES)[number];

const cpuS = (c: ProcCpu) => c.user + c.sys;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" / ");

/** One flip as the harness saw it. */
interface FlipResult {
  at: number;
  complete: boolean;
  engineCpu: number;
  receiverCpu: number;
  figures: FlipFigures & Message;
}

/** Flips `set` to `health` and waits until the receiver has every one of them (or the cap). */
async function flip(engine: ChildHandle, receiver: ChildHandle, set: "warm" | "measured", p: Phase): Promise<FlipResult> {
  const count = set === "warm" ? WARM : MONITORS;
  receiver.send({ type: "expect", kind: p.kind, prefix: set === "warm" ? "warm/" : "g", count });
  const e0 = engine.cpu();
  const r0 = receiver.cpu();
  engine.send({ type: "flip", set, health: p.health });
  const flipped = await engine.waitFor("flipped", 30_000);
  const complete = await receiver.waitFor("complete", PHASE_CAP_MS).then(
    () => true,
    () => false,
  );
  await sleep(SETTLE_MS);
  const e1 = engine.cpu();
  const r1 = receiver.cpu();
  engine.send({ type: "flip-figures" });
  const figures = (await engine.waitFor("flip-figures", 30_000)) as FlipFigures & Message;
  return { at: Number(flipped.at), complete, engineCpu: cpuS(e1) - cpuS(e0), receiverCpu: cpuS(r1) - cpuS(r0), figures };
}

/** The measured phase's figures from the receiver's records; throws when one monitor's notification was lost or doubled. */
function phaseSample(variant: string, p: Phase, f: FlipResult, records: readonly Received[], measured: readonly string[]): Sample {
  const mine = records.filter((r) => r.kind === p.kind && r.ids.some((id) => id.startsWith("g")));
  const arrivals = new Map<string, number[]>(measured.map((id) => [id, []]));
  for (const r of mine) for (const id of r.ids) arrivals.get(id)?.push(r.atMs);
  const lost = [...arrivals].filter(([, a]) => a.length === 0).map(([id]) => id);
  const doubled = [...arrivals].filter(([, a]) => a.length > 1).map(([id]) => id);
  if (lost.length || doubled.length || !f.complete) {
    throw new Error(`alerts ${variant} ${p.key}: ${String(lost.length)} of ${String(MONITORS)} notifications lost (${lost.slice(0, 5).join(", ")}), ${String(doubled.length)} doubled (${doubled.slice(0, 5).join(", ")})${f.complete ? "" : `, not all arrived within ${String(PHASE_CAP_MS / 1000)} s`}`);
  }
  const lat = [...arrivals.values()].map((a) => (a[0] as number) - f.at);
  const s: Sample = {
    msgs: mine.length,
    minSize: Math.min(...mine.map((r) => r.ids.length)),
    maxSize: Math.max(...mine.map((r) => r.ids.length)),
    first: Math.min(...lat),
    p50: quantile(lat, 0.5),
    p99: quantile(lat, 0.99),
    max: Math.max(...lat),
    once: measured.length - lost.length - doubled.length,
    handedMax: f.figures.handedMax,
    queuedP50: f.figures.queuedP50,
    queuedMax: f.figures.queuedMax,
    cpu: f.engineCpu,
    recvCpu: f.receiverCpu,
  };
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [`${p.key}.${k}`, v]));
}

/** Every request's Idempotency-Key must be present and unique over the whole run. */
function checkKeys(variant: string, records: readonly Received[]): void {
  const keys = new Map<string, number>();
  for (const r of records) keys.set(r.key, (keys.get(r.key) ?? 0) + 1);
  const bad = [...keys].filter(([k, n]) => !k || n > 1);
  if (bad.length) throw new Error(`alerts ${variant}: ${String(bad.length)} Idempotency-Keys missing or repeated: ${bad.slice(0, 5).map(([k, n]) => `${k || "(none)"} ×${String(n)}`).join(", ")}`);
}

/** Checks the store after the engine stopped: every delivery done, no effect left pending. */
function checkStore(variant: string, fin: Message): void {
  const d = fin.deliveries as Record<string, number>;
  const expected = 2 * (MONITORS + WARM);
  const done = d.done ?? 0;
  const other = Object.entries(d).filter(([s]) => s !== "done");
  if (done !== expected || other.length || Number(fin.outboxPending) !== 0) {
    throw new Error(`alerts ${variant}: deliveries ${JSON.stringify(d)} (expected ${String(expected)} done), ${String(fin.outboxPending)} outbox rows pending`);
  }
}

/** One run: a fresh receiver, a fresh engine and database; warm-up flips, then the measured down and up. */
async function runOnce(ctx: ScenarioContext, v: Variant, profilePath?: string): Promise<Sample> {
  const variant = v.id;
  const dir = mkdtempSync(join(ctx.tmpDir, "alerts-"));
  const receiver = startChild(RECEIVER, { args: [JSON.stringify({ capMs: CHILD_CAP_MS, maxRequests: 20_000 })], capMs: CHILD_CAP_MS });
  let engine: ChildHandle | undefined;
  try {
    const { port } = await receiver.waitFor("ready", 30_000);
    const cfg: AlertsRunConfig = { variant: v.routing, groups: GROUPS, perGroup: PER_GROUP, warm: WARM, hookUrl: `http://127.0.0.1:${String(port)}/hook`, groupWait: v.groupWait, groupInterval: GROUP_INTERVAL, dbFile: join(dir, "upbeat.db"), capMs: CHILD_CAP_MS, ...(profilePath ? { profilePath } : {}) };
    engine = startChild(ENGINE, { args: [JSON.stringify(cfg)], capMs: CHILD_CAP_MS });
    const measured = (await engine.waitFor("ready", 90_000)).measured as string[];
    for (const p of PHASES) if (!(await flip(engine, receiver, "warm", p)).complete) throw new Error(`alerts ${variant}: warm-up ${p.key} did not arrive`);
    const flips: FlipResult[] = [];
    for (const p of PHASES) flips.push(await flip(engine, receiver, "measured", p));
    receiver.send({ type: "collect" });
    const records = (await receiver.waitFor("collected", 30_000)).records as Received[];
    engine.send({ type: "finish" });
    const fin = await engine.waitFor("finished", 60_000);
    const sample = Object.assign({}, ...PHASES.map((p, i) => phaseSample(variant, p, flips[i] as FlipResult, records, measured))) as Sample;
    checkKeys(variant, records);
    checkStore(variant, fin);
    return sample;
  } finally {
    await engine?.stop();
    await receiver.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function metrics(phase: string): Metric[] {
  const m = (key: string, label: string, digits: number): Metric => ({ key: `${phase}.${key}`, label, digits });
  return [
    m("msgs", "Messages received", 0),
    m("minSize", "Monitors per message: fewest", 0),
    m("maxSize", "most", 0),
    m("once", `Arrived once (of ${MONITORS.toLocaleString("en")})`, 0),
    m("first", "First (ms)", 0),
    m("p50", "p50 (ms)", 0),
    m("p99", "p99 (ms)", 0),
    m("max", "max = last arrival (ms)", 0),
    m("handedMax", "Engine: all effects handed (ms)", 0),
    m("queuedMax", "Engine: all deliveries queued (ms)", 0),
    m("cpu", "Engine CPU-s (OS)", 2),
    m("recvCpu", "Receiver CPU-s (OS)", 2),
  ];
}

async function profileSection(ctx: ScenarioContext, root: string): Promise<string> {
  const parts: string[] = [];
  for (const v of VARIANTS) {
    const path = join(ctx.tmpDir, `alerts-${v.id}-${String(Date.now())}.cpuprofile`);
    ctx.log(`  profiling ${v.id} → ${path}`);
    const s = await runOnce(ctx, v, path);
    const sum = summariseFile(path, root);
    parts.push(
      `#### Profile: ${v.label} (one extra run, the engine process sampled at 1 ms from the measured down flip to the end of the recoveries; not in the tables above)`,
      "",
      `While profiled: down p50 ${fmt(s["down.p50"] ?? NaN, 0)} / p99 ${fmt(s["down.p99"] ?? NaN, 0)} / max ${fmt(s["down.max"] ?? NaN, 0)} ms, up p99 ${fmt(s["up.p99"] ?? NaN, 0)} ms; ${fmt(sum.busyMs, 0)} ms busy (non-idle) sampled (\`${path.replace(`${root}/`, "")}\`, git-ignored).`,
      "",
      ...profileTables(sum),
      ...threadProfileTables(path, root),
    );
  }
  return parts.join("\n");
}

function note(samples: Map<string, Sample[]>, med: (id: string, k: string) => number): string {
  const phase = (id: string, k: string) => `p50 ${fmt(med(id, `${k}.p50`), 0)} / p99 ${fmt(med(id, `${k}.p99`), 0)} / last ${fmt(med(id, `${k}.max`), 0)} ms in ${fmt(med(id, `${k}.msgs`), 0)} messages (engine ${fmt(med(id, `${k}.cpu`), 2)} CPU-s)`;
  const lines = VARIANTS.map((v) => `${v.label}: down ${phase(v.id, "down")}, recovery ${phase(v.id, "up")}`);
  const zero = VARIANTS.find((v) => v.id === "grouped-0s");
  const alone = (samples.get(zero?.label ?? "") ?? []).flatMap((s) => PHASES.map((p) => s[`${p.key}.minSize`] ?? NaN)).filter((n) => n === 1).length;
  return (
    `Every one of the ${MONITORS.toLocaleString("en")} notifications arrived exactly once in every run, down and recovery, with unique Idempotency-Keys, every delivery row done. Medians over the runs: ${lines.join("; ")}.` +
    (alone ? ` With groupWait 0s, ${String(alone)} of the ${String(2 * (samples.get(zero?.label ?? "")?.length ?? 0))} flips sent some group's first monitor alone: the rest of a group came in a second message.` : "")
  );
}

async function run(ctx: ScenarioContext): Promise<ScenarioReport> {
  [GROUPS, PER_GROUP] = ctx.smoke ? [5, 20] : [10, 100];
  MONITORS = GROUPS * PER_GROUP;
  const root = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
  const loadBefore = loadavg();
  ctx.log(`  load average before: ${loadBefore}`);
  const variants = VARIANTS.map((v) => ({ name: v.label, runOnce: () => runOnce(ctx, v) }));
  const samples = await alternate(variants, ctx.runs, ctx.log);
  const loadAfter = loadavg();
  ctx.log(`  load average after: ${loadAfter}`);
  const profile = ctx.profile ? await profileSection(ctx, root) : undefined;
  const med = (id: string, k: string) => median((samples.get(VARIANTS.find((v) => v.id === id)?.label ?? "") ?? []).map((s) => s[k] ?? NaN));
  const table = PHASES.map((p) => [`${p.key === "down" ? "Down" : "Recovery"}: ${MONITORS.toLocaleString("en")} monitors ${p.key} in one tick → \`${p.kind}\` at the receiver (latency = receive time − the observations' \`at\`):`, "", comparisonTable(samples, metrics(p.key), [])].join("\n")).join("\n\n");
  return {
    setup:
      `${MONITORS.toLocaleString("en")} heartbeat monitors (period 1h, grace 0s; ${String(GROUPS)} groups of ${String(PER_GROUP)}) loaded with \`loadText\`, \`Engine.start\` with its defaults (flush 200 ms) and a fresh SQLite file in bench/.tmp, \`new Alerting(store, resolveAlerting(config, NOTIFIERS).alerting, …)\` with the default delivery options, its \`handler\` as the engine's effects (with a tap noting when each incident effect was handed over and queued) and \`reminderIntervalFor\` as its reminders, as \`upbeat serve\` wires them; in its own process. ` +
      `One \`webhook\` channel posts to a node:http receiver in another process (keep-alive on), which records Date.now() when each body has fully arrived and the \`monitors[].id\` in it. ` +
      `Variants, alternating, a fresh engine, database and receiver per run: **own alerts** = every monitor has \`alerts: [hook]\` (one message per monitor, no grouping: the monitor's own channels get \`groupWait\` 0); **route** = no own alerts, the root route \`{ channels: [hook], groupBy: [group], groupWait: 0s or 100ms, groupInterval: ${GROUP_INTERVAL} }\`. ` +
      `Each run: all monitors up (no notification), then ${String(WARM)} warm-up monitors down and up (unmeasured), then all ${MONITORS.toLocaleString("en")} measured ones get \`engine.observe({ health: "down", at, source: "heartbeat" })\` with one \`at\` in one loop, and once every one arrived and ${String(SETTLE_MS)} ms more passed, the same with \`health: "up"\`. ` +
      `A run fails (and the scenario with it) if a monitor's notification is lost or arrives twice, an Idempotency-Key is missing or repeats, or after \`engine.stop()\` a delivery row is not \`done\` or an outbox row is pending. ` +
      `CPU-s are utime+stime from /proc of the engine and receiver processes from just before the flip to ${String(SETTLE_MS)} ms after the last arrival. Load average (1/5/15 min) before: ${loadBefore}; after: ${loadAfter} (2 cores; other developers' tests may have been running).`,
    table,
    note: note(samples, med),
    ...(profile ? { profile } : {}),
  };
}

/** The alerts scenario. */
export const alerts: Scenario = {
  name: "alerts",
  description: "1,000 monitors down then up in one tick → webhook receiver in another process: p50/p99/max per monitor, all arrived once; per-monitor vs grouped",
  run,
};
