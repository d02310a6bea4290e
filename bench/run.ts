/**
 * Benchmark harness: `npm run bench` runs every scenario, `npm run bench -- <name>…` some of them.
 * Flags: `--runs N` (per variant, at least 3), `--profile` (profile each variant once more and
 * summarise), `--duration S` or `--minutes M` (measured time of the scenarios that run for a time,
 * such as capacity; else UPBEAT_BENCH_DURATION_S; else each scenario's default), `--monitors N`
 * and `--interval S` (capacity scenarios; else UPBEAT_BENCH_MONITORS, UPBEAT_BENCH_INTERVAL_S),
 * `--days D` (simulated days of storage; else UPBEAT_BENCH_DAYS),
 * `--smoke` (tiny sizes and short times to prove the scenarios work; implies `--no-record`),
 * `--no-record` (print only; do not append to bench/RESULTS.md), `--help`. At the end it prints
 * the issue's target table: each scenario's measured values against their targets.
 */
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { appendResults, section } from "./lib/results-md.ts";
import { targetTable } from "./lib/targets.ts";
import type { ScenarioReport, TargetCheck } from "./lib/types.ts";
import { SCENARIOS } from "./scenarios/index.ts";

const MIN_RUNS = 3;
const RESULTS = fileURLToPath(new URL("./RESULTS.md", import.meta.url));
const TMP = fileURLToPath(new URL("./.tmp", import.meta.url));

interface Args {
  names: string[];
  runs: number;
  profile: boolean;
  /** Measured seconds for time-based scenarios; undefined: the scenario's default. */
  durationS: number | undefined;
  /** Monitors for scenarios built on a count of them; undefined: the scenario's default. */
  monitors: number | undefined;
  /** Check interval, seconds; undefined: the scenario's default. */
  intervalS: number | undefined;
  /** Simulated days; undefined: the scenario's default. */
  days: number | undefined;
  smoke: boolean;
  record: boolean;
  help: boolean;
}

function parsePositive(text: string | undefined, from: string, unit: string, integer = false): number | undefined {
  if (text === undefined || text === "") return undefined;
  const s = Number(text);
  if (!Number.isFinite(s) || s <= 0 || (integer && !Number.isInteger(s))) throw new Error(`${from} must be a positive ${integer ? "integer" : "number"} (${unit}), not "${text}"`);
  return s;
}

function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): Args {
  const a: Args = {
    names: [],
    runs: MIN_RUNS,
    profile: false,
    durationS: parsePositive(env.UPBEAT_BENCH_DURATION_S, "UPBEAT_BENCH_DURATION_S", "seconds"),
    monitors: parsePositive(env.UPBEAT_BENCH_MONITORS, "UPBEAT_BENCH_MONITORS", "monitors", true),
    intervalS: parsePositive(env.UPBEAT_BENCH_INTERVAL_S, "UPBEAT_BENCH_INTERVAL_S", "seconds"),
    days: parsePositive(env.UPBEAT_BENCH_DAYS, "UPBEAT_BENCH_DAYS", "days", true),
    smoke: false,
    record: true,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--runs") a.runs = Number(argv[++i]);
    else if (arg === "--profile") a.profile = true;
    else if (arg === "--duration") a.durationS = parsePositive(argv[++i] ?? "", "--duration", "seconds");
    else if (arg === "--minutes") a.durationS = 60 * (parsePositive(argv[++i] ?? "", "--minutes", "minutes") ?? 0);
    else if (arg === "--monitors") a.monitors = parsePositive(argv[++i] ?? "", "--monitors", "monitors", true);
    else if (arg === "--interval") a.intervalS = parsePositive(argv[++i] ?? "", "--interval", "seconds");
    else if (arg === "--days") a.days = parsePositive(argv[++i] ?? "", "--days", "days", true);
    else if (arg === "--smoke") a.smoke = true;
    else if (arg === "--no-record") a.record = false;
    else if (arg === "--help" || arg === "-h") a.help = true;
    else if (arg.startsWith("-")) throw new Error(`unknown flag ${arg}`);
    else a.names.push(arg);
  }
  if (!Number.isInteger(a.runs) || a.runs < MIN_RUNS) throw new Error(`--runs must be an integer of at least ${MIN_RUNS}`);
  if (a.smoke) a.record = false;
  return a;
}

/** The command as the user typed it, for RESULTS.md. */
function commandLine(argv: readonly string[]): string {
  const viaNpm = process.env.npm_lifecycle_event === "bench";
  const rest = argv.join(" ");
  return viaNpm ? `npm run bench${rest ? ` -- ${rest}` : ""}` : `tsx bench/run.ts${rest ? ` ${rest}` : ""}`;
}

function usage(): string {
  return [
    "usage: npm run bench [-- [scenario…] [--runs N] [--duration S | --minutes M] [--monitors N] [--interval S] [--days D] [--profile] [--smoke] [--no-record]]",
    "",
    "scenarios:",
    ...SCENARIOS.map((s) => `  ${s.name.padEnd(16)} ${s.description}`),
  ].join("\n");
}

/** A scenario that failed: its section says why, and its rows of the target table say it was not measured. */
function failedReport(name: string, err: unknown): ScenarioReport {
  const why = err instanceof Error ? err.message : String(err);
  return { setup: "The scenario failed before it could report.", table: `\`\`\`\n${why}\n\`\`\``, note: "failed; no figures.", targets: [{ scenario: name, what: "the scenario ran", measured: `failed: ${why.split("\n")[0] ?? ""}`, target: "runs to the end", verdict: "short" }] };
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, process.env);
  if (args.help) {
    console.log(usage());
    return 0;
  }
  const unknown = args.names.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(", ")}\n${usage()}`);
  const selected = args.names.length ? SCENARIOS.filter((s) => args.names.includes(s.name)) : SCENARIOS;
  mkdirSync(TMP, { recursive: true });
  const date = new Date();
  const reports: Array<[string, ScenarioReport]> = [];
  const log = (line: string) => process.stderr.write(`${line}\n`);
  let failures = 0;
  for (const s of selected) {
    log(`bench: ${s.name} (${args.runs} runs per variant${args.profile ? ", then profiles" : ""}${args.smoke ? ", SMOKE: tiny sizes, figures mean nothing" : ""})`);
    const ctx = {
      runs: args.runs,
      profile: args.profile,
      smoke: args.smoke,
      tmpDir: TMP,
      log,
      ...(args.durationS !== undefined ? { durationS: args.durationS } : {}),
      ...(args.monitors !== undefined ? { monitors: args.monitors } : {}),
      ...(args.intervalS !== undefined ? { intervalS: args.intervalS } : {}),
      ...(args.days !== undefined ? { days: args.days } : {}),
    };
    try {
      reports.push([s.name, await s.run(ctx)]);
    } catch (err) {
      failures++;
      log(`bench: ${s.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      reports.push([s.name, failedReport(s.name, err)]);
    }
  }
  const checks: TargetCheck[] = reports.flatMap(([, r]) => r.targets ?? []);
  const text = section(date, commandLine(argv), reports, checks, args.smoke);
  console.log(text);
  if (args.record) {
    appendResults(RESULTS, text);
    log(`bench: appended to ${RESULTS}`);
  } else log(`bench: not recorded${args.smoke ? " (smoke run)" : " (--no-record)"}`);
  if (checks.length) console.log(`\n${args.smoke ? "Targets (SMOKE run: tiny sizes, figures mean nothing)" : "Targets"}\n\n${targetTable(checks)}\n`);
  return failures ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
