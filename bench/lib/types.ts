/** The contract between the harness (bench/run.ts) and a scenario. */

/** What the harness gives a scenario. */
export interface ScenarioContext {
  /** Runs per variant (at least 3). */
  runs: number;
  /** Also profile the scenario's variants once each and summarise the top costs. */
  profile: boolean;
  /** Measured seconds asked for (`--duration`, `--minutes`, UPBEAT_BENCH_DURATION_S), for scenarios that run for a time. */
  durationS?: number;
  /** Monitors asked for (`--monitors`, UPBEAT_BENCH_MONITORS), for scenarios built on a count of monitors. */
  monitors?: number;
  /** Check interval asked for, seconds (`--interval`, UPBEAT_BENCH_INTERVAL_S), for scenarios with monitors on an interval. */
  intervalS?: number;
  /** Simulated days asked for (`--days`, UPBEAT_BENCH_DAYS), for scenarios that simulate history. */
  days?: number;
  /** Smoke run (`--smoke`): tiny sizes and short times, to prove a scenario works; figures mean nothing and are not recorded. */
  smoke: boolean;
  /** Scratch directory for profiles and other files (git-ignored). */
  tmpDir: string;
  /** Progress line to the terminal (not to RESULTS.md). */
  log: (line: string) => void;
}

/** Whether a measured value meets its target: met, short, or not measurable in this run (a route missing, a store unreachable). */
export type Verdict = "met" | "short" | "n/a";

/** One row of the target table, as a scenario measured it. */
export interface TargetCheck {
  /** The scenario (the row), e.g. `probe-http`. */
  scenario: string;
  /** What is compared, e.g. `probes/s vs blackbox_exporter`. */
  what: string;
  /** The measured value, with its unit. */
  measured: string;
  /** The target, e.g. `≥ 1.1×`. */
  target: string;
  /** Met, short, or n/a. */
  verdict: Verdict;
}

/** What a scenario hands back for RESULTS.md. */
export interface ScenarioReport {
  /** One line: what was measured and how (counts, concurrency, warm-up). */
  setup: string;
  /** Markdown table(s) of the results. */
  table: string;
  /** One-line reading of the results. */
  note: string;
  /** Markdown with profile summaries, when profiling was asked for. */
  profile?: string;
  /** Its rows of the target table (printed together at the end of `npm run bench`). */
  targets?: TargetCheck[];
}

/** A benchmark scenario: starts its own targets, measures, stops everything it started. */
export interface Scenario {
  /** Name used on the command line (`npm run bench -- <name>`). */
  name: string;
  /** One line for `--help` and README. */
  description: string;
  /** Runs the scenario. */
  run(ctx: ScenarioContext): Promise<ScenarioReport>;
}
