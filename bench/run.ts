/**
 * Benchmark harness: `npm run bench` runs every scenario, `npm run bench -- <name>…` some of them.
 * Flags: `--runs N` (per variant, at least 3), `--profile` (profile each variant once more and
 * summarise), `--duration S` (measured seconds of the scenarios that run for a time, such as
 * engine-capacity; else UPBEAT_BENCH_DURATION_S; else each scenario's default), `--no-record`
 * (print only; do not append to bench/RESULTS.md), `--help`.
 */
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { appendResults, section } from "./lib/results-md.ts";
import type { ScenarioReport } from "./lib/types.ts";
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
  record: boolean;
  help: boolean;
}

function parseDuration(text: string | undefined, from: string): number | undefined {
  if (text === undefined || text === "") return undefined;
  const s = Number(text);
  if (!Number.isFinite(s) || s <= 0) throw new Error(`${from} must be a positive number of seconds, not "${text}"`);
  return s;
}

function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): Args {
  const a: Args = { names: [], runs: MIN_RUNS, profile: false, durationS: parseDuration(env.UPBEAT_BENCH_DURATION_S, "UPBEAT_BENCH_DURATION_S"), record: true, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--runs") a.runs = Number(argv[++i]);
    else if (arg === "--profile") a.profile = true;
    else if (arg === "--duration") a.durationS = parseDuration(argv[++i] ?? "", "--duration");
    else if (arg === "--no-record") a.record = false;
    else if (arg === "--help" || arg === "-h") a.help = true;
    else if (arg.startsWith("-")) throw new Error(`unknown flag ${arg}`);
    else a.names.push(arg);
  }
  if (!Number.isInteger(a.runs) || a.runs < MIN_RUNS) throw new Error(`--runs must be an integer of at least ${MIN_RUNS}`);
  return a;
}

/** The command as the user typed it, for RESULTS.md. */
function commandLine(argv: readonly string[]): string {
  const viaNpm = process.env.npm_lifecycle_event === "bench";
  const rest = argv.join(" ");
  return viaNpm ? `npm run bench${rest ? ` -- ${rest}` : ""}` : `tsx bench/run.ts${rest ? ` ${rest}` : ""}`;
}

function usage(): string {
  return ["usage: npm run bench [-- [scenario…] [--runs N] [--duration S] [--profile] [--no-record]]", "", "scenarios:", ...SCENARIOS.map((s) => `  ${s.name.padEnd(14)} ${s.description}`)].join("\n");
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
  for (const s of selected) {
    log(`bench: ${s.name} (${args.runs} runs per variant${args.profile ? ", then profiles" : ""})`);
    reports.push([s.name, await s.run({ runs: args.runs, profile: args.profile, tmpDir: TMP, log, ...(args.durationS !== undefined ? { durationS: args.durationS } : {}) })]);
  }
  const text = section(date, commandLine(argv), reports);
  console.log(text);
  if (args.record) {
    appendResults(RESULTS, text);
    log(`bench: appended to ${RESULTS}`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
