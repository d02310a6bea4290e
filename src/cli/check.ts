/** `upbeat check <url|file>…`: probe once, print each result, exit 0 when all pass. */
import { formatProblem, hasErrors } from "../config/problems.ts";
import { mapPool } from "../lib/pool.ts";
import { runCheck } from "../probes/run.ts";
import type { ProbeRegistry } from "../probes/types.ts";
import { makeStyle, renderResult, resultJson } from "./render.ts";
import { monitorsFor, type UrlOptions } from "./targets.ts";

/** Options of `upbeat check`. */
export interface CheckOptions extends UrlOptions {
  /** Print JSON. */
  json?: boolean;
  /** Checks run at once. */
  concurrency?: number;
  /** Include paused monitors. */
  all?: boolean;
}

/** What the command needs from the process. */
export interface CheckIo {
  /** Environment (for config interpolation). */
  env: Readonly<Record<string, string | undefined>>;
  /** Standard output writer. */
  out: (s: string) => void;
  /** Standard error writer. */
  err: (s: string) => void;
  /** Colour output. */
  color: boolean;
  /** The probes. */
  probes: ProbeRegistry;
  /** Stops in-flight checks. */
  signal?: AbortSignal;
}

/** Runs the command; returns the exit code (0 all pass, 1 a failure, 2 bad input). */
export async function checkCommand(targets: string[], o: CheckOptions, io: CheckIo): Promise<number> {
  const { monitors, problems } = await monitorsFor(targets, o, io.env);
  for (const p of problems) io.err(formatProblem(p));
  if (hasErrors(problems)) return 2;
  const selected = monitors.filter((m) => o.all || !m.settings.paused);
  if (!selected.length) {
    io.err("nothing to check: no targets, or every monitor is paused (use --all)");
    return 2;
  }
  const style = makeStyle(io.color && !o.json);
  const results = await mapPool(selected, o.concurrency ?? 8, async (m) => ({ m, obs: await runCheck(m, { probes: io.probes, signal: io.signal }) }));
  // Printed in the order given, not the order finished, so output is stable.
  if (!o.json) for (const { m, obs } of results) io.out(`${renderResult(m, obs, style)}\n`);
  if (o.json) io.out(`${JSON.stringify(results.map(({ m, obs }) => resultJson(m, obs)), null, 2)}\n`);
  const failedCount = results.filter((r) => r.obs.health === "down").length;
  if (!o.json && results.length > 1) io.out(style.dim(`${results.length - failedCount} of ${results.length} passed\n`));
  return failedCount ? 1 : 0;
}
