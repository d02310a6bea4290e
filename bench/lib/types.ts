/** The contract between the harness (bench/run.ts) and a scenario. */

/** What the harness gives a scenario. */
export interface ScenarioContext {
  /** Runs per variant (at least 3). */
  runs: number;
  /** Also profile the scenario's variants once each and summarise the top costs. */
  profile: boolean;
  /** Measured seconds asked for (`--duration`, UPBEAT_BENCH_DURATION_S), for scenarios that run for a time. */
  durationS?: number;
  /** Scratch directory for profiles and other files (git-ignored). */
  tmpDir: string;
  /** Progress line to the terminal (not to RESULTS.md). */
  log: (line: string) => void;
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
