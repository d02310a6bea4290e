/** Building probe outcomes the same way in every probe. */
import type { FailureKind, PhaseTimings, ProbeFacts, ProbeOutcome, ProbePhase, AssertionResult } from "../core/types.ts";
import { verdict } from "../core/verdict.ts";
import { errorCode, errorMessage } from "../lib/errors.ts";

/** An outcome for a target that failed before it could be judged (refused, timed out, TLS error…). */
export function failed(phase: ProbePhase, failure: FailureKind, reason: string, timings: PhaseTimings, facts: ProbeFacts = {}, assertions: AssertionResult[] = []): ProbeOutcome {
  return { ok: false, health: "down", phase, failure, reason, timings, assertions, facts };
}

/** An outcome judged by its assertions. */
export function judged(timings: PhaseTimings, facts: ProbeFacts, assertions: AssertionResult[]): ProbeOutcome {
  const v = verdict(assertions);
  return { ...v, ...(v.ok ? {} : { phase: "assert" as const, failure: "assertion" as const }), timings, assertions, facts };
}

/** Classifies a socket-level error (or an abort) into a failure kind and a readable reason. */
export function classify(err: unknown, aborted: boolean, phase: ProbePhase, timeoutMs: number): { failure: FailureKind; reason: string } {
  if (aborted) return { failure: "timeout", reason: `timed out after ${timeoutMs}ms during ${phase}` };
  const code = errorCode(err) ?? "";
  const msg = errorMessage(err);
  if (code === "ECONNREFUSED") return { failure: "refused", reason: `connection refused (${msg})` };
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "ENODATA") return { failure: "dns", reason: `name resolution failed (${msg})` };
  if (code === "ECONNRESET" || code === "EPIPE") return { failure: "reset", reason: `connection reset (${msg})` };
  if (code === "ETIMEDOUT") return { failure: "timeout", reason: msg };
  if (/^ERR_SSL|^ERR_TLS|CERT|SSL/.test(code) || /SSL|TLS|certificate/i.test(msg)) return { failure: "tls", reason: `TLS error (${msg})` };
  if (code.startsWith("HPE_") || code === "ERR_INVALID_HTTP_RESPONSE") return { failure: "protocol", reason: `invalid response (${msg})` };
  return { failure: "error", reason: msg };
}

/** Milliseconds since `start` (a `performance.now()` reading), to 0.01 ms. */
export function since(start: number): number {
  return Math.round((performance.now() - start) * 100) / 100;
}
