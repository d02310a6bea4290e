/** Turning assertion results into a verdict: pure, shared by every probe kind. */
import type { AssertionResult, Health } from "./types.ts";

/** Response-time bounds (ms). */
export interface TimeBounds {
  /** Down below this. */
  minMs?: number;
  /** Down above this. */
  maxMs?: number;
  /** Degraded above this. */
  degradedAboveMs?: number;
}

/** Assertions for the response-time bounds that are set (Cupcake's strict `<` / `>` comparisons). */
export function responseTimeAssertions(elapsedMs: number, b: TimeBounds): AssertionResult[] {
  const ms = Math.round(elapsedMs);
  const out: AssertionResult[] = [];
  if (b.minMs !== undefined) out.push({ name: "response time min", ok: !(ms < b.minMs), severity: "down", expected: `>= ${b.minMs}ms`, actual: `${ms}ms` });
  if (b.maxMs !== undefined) out.push({ name: "response time max", ok: !(ms > b.maxMs), severity: "down", expected: `<= ${b.maxMs}ms`, actual: `${ms}ms` });
  if (b.degradedAboveMs !== undefined) {
    out.push({ name: "response time degraded", ok: !(ms > b.degradedAboveMs), severity: "degraded", expected: `<= ${b.degradedAboveMs}ms`, actual: `${ms}ms` });
  }
  return out;
}

/** The verdict of a set of assertions: down if a `down` one failed, degraded if a `degraded` one did. */
export function verdict(assertions: readonly AssertionResult[]): { ok: boolean; health: Health; reason?: string } {
  const down = assertions.find((a) => !a.ok && a.severity === "down");
  if (down) return { ok: false, health: "down", reason: failureText(down) };
  const degraded = assertions.find((a) => !a.ok && a.severity === "degraded");
  if (degraded) return { ok: true, health: "degraded", reason: failureText(degraded) };
  return { ok: true, health: "up" };
}

/** One failed assertion in words: `status: expected 2xx, got 503`. */
export function failureText(a: AssertionResult): string {
  return `${a.name}: expected ${a.expected}, got ${a.actual}`;
}
