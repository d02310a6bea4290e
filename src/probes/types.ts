/** The one signature every probe kind implements. */
import type { CheckInputOf, ProbeKind } from "../config/schema/checks.ts";
import type { ProbeOutcome } from "../core/types.ts";

/**
 * An attempt's cancellation: the part of AbortSignal probes use. An AbortSignal is one; the engine
 * passes a lighter one (run.ts), as Node's EventTarget machinery cost about a tenth of a fast
 * probe's CPU.
 */
export interface ProbeSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

/** What a probe gets besides its check: cancellation, the attempt it is, and run-wide values. */
export interface ProbeContext {
  /** Aborted when the attempt's time is up (or the process stops); the probe must end promptly. */
  signal: ProbeSignal;
  /** The attempt's time budget, for reporting. */
  timeoutMs: number;
  /** 1-based attempt number (Cupcake's attempt argument). */
  attempt: number;
  /** Trace id of this run, shared by all its attempts. */
  traceId: string;
  /** Response-time and certificate bounds that apply. */
  thresholds: { minMs?: number; maxMs?: number; degradedAboveMs?: number; certMinDays?: number; certWarnDays?: number };
  /** Epoch milliseconds now (passed in so tests can fix the clock for certificate days). */
  now: () => number;
}

/** A probe: runs one attempt of a check. A failing target is an outcome; it never throws for that. */
export type Probe<K extends ProbeKind> = (check: CheckInputOf<K>, ctx: ProbeContext) => Promise<ProbeOutcome>;

/** One probe per check kind: the compiler refuses a kind without one. */
export type ProbeRegistry = { [K in ProbeKind]: Probe<K> };
