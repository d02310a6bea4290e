/** The target table: checks of measured values against their bounds, and the table `npm run bench` prints at the end. */
import type { TargetCheck, Verdict } from "./types.ts";

/** A check of `value` against a bound; a value that is not finite (not measured) gives n/a. */
export function check(scenario: string, what: string, value: number, o: { op: "≥" | "≤" | "<"; bound: number; measured: string; target: string }): TargetCheck {
  if (!Number.isFinite(value)) return { scenario, what, measured: o.measured, target: o.target, verdict: "n/a" };
  const ok = o.op === "≥" ? value >= o.bound : o.op === "≤" ? value <= o.bound : value < o.bound;
  return { scenario, what, measured: o.measured, target: o.target, verdict: ok ? "met" : "short" };
}

/** A yes/no requirement (every result stored, every answer right). */
export function holds(scenario: string, what: string, ok: boolean | undefined, measured: string, target: string): TargetCheck {
  return { scenario, what, measured, target, verdict: ok === undefined ? "n/a" : ok ? "met" : "short" };
}

/** A row that could not be measured, with the reason. */
export function notAvailable(scenario: string, what: string, why: string, target: string): TargetCheck {
  return { scenario, what, measured: `not available: ${why}`, target, verdict: "n/a" };
}

const SHOWN: Record<Verdict, string> = { met: "met", short: "**short**", "n/a": "n/a" };

/** Markdown table of every check: scenario, what, measured, target, met/short. */
export function targetTable(checks: readonly TargetCheck[]): string {
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  const rows = checks.map((c) => `| ${c.scenario} | ${esc(c.what)} | ${esc(c.measured)} | ${esc(c.target)} | ${SHOWN[c.verdict]} |`);
  return ["| Scenario | What | Measured | Target | Met? |", "|---|---|---|---|---|", ...rows].join("\n");
}
