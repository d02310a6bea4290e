/** A probe context for tests. */
import type { ProbeContext } from "../../src/probes/types.ts";

/** A context with a fresh timeout and the given overrides. */
export function ctx(timeoutMs = 2000, over: Partial<ProbeContext> = {}): ProbeContext {
  return { signal: AbortSignal.timeout(timeoutMs), timeoutMs, attempt: 1, traceId: "trace-1", thresholds: {}, now: Date.now, ...over };
}
