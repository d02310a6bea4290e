/** One run of a monitor's check: its attempts, retries and timeouts, ending in one observation. */
import { randomUUID } from "node:crypto";
import type { Monitor, MonitorSettings } from "../config/model.ts";
import { cupcakeActual } from "../core/cupcake.ts";
import type { AttemptRecord, Observation, ProbeOutcome } from "../core/types.ts";
import { errorMessage } from "../lib/errors.ts";
import type { ProbeContext, ProbeRegistry, ProbeSignal } from "./types.ts";

/** The part of a monitor a run reads: what a probe thread keeps of each monitor it runs. */
export type RunnableMonitor = Pick<Monitor, "id" | "kind" | "check"> & { settings: Pick<MonitorSettings, "timeoutMs" | "retries" | "retryDelayMs" | "retryMode" | "thresholds" | "retryStatuses"> };

/** A monitor cut down to what a run reads. */
export function runnable(m: RunnableMonitor): RunnableMonitor {
  const { timeoutMs, retries, retryDelayMs, retryMode, thresholds, retryStatuses } = m.settings;
  return { id: m.id, kind: m.kind, check: m.check, settings: { timeoutMs, retries, retryDelayMs, retryMode, thresholds, ...(retryStatuses ? { retryStatuses } : {}) } };
}

/** What a run needs from outside. */
export interface RunOptions {
  /** The probes by kind. */
  probes: ProbeRegistry;
  /** Stops the whole run (shutdown). */
  signal?: AbortSignal;
  /** Epoch-ms clock. */
  now?: () => number;
  /** Region name recorded in the observation. */
  region?: string;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

/** An attempt's cancellation without EventTarget: a flag, a reason and a short list of listeners. */
class AttemptSignal implements ProbeSignal {
  aborted = false;
  reason: unknown = undefined;
  private listeners: Array<() => void> = [];

  addEventListener(_type: "abort", listener: () => void): void {
    if (!this.aborted) this.listeners.push(listener);
  }

  removeEventListener(_type: "abort", listener: () => void): void {
    const i = this.listeners.indexOf(listener);
    if (i >= 0) this.listeners.splice(i, 1);
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const ls = this.listeners;
    this.listeners = [];
    for (const l of ls) l();
  }
}

/** The attempts in flight under each shutdown signal, aborted with it: one listener per signal, not one per attempt. */
const inFlight = new WeakMap<AbortSignal, Set<AttemptSignal>>();

function attemptsUnder(shutdown: AbortSignal): Set<AttemptSignal> {
  let set = inFlight.get(shutdown);
  if (!set) {
    const attempts = new Set<AttemptSignal>();
    shutdown.addEventListener("abort", () => {
      for (const a of attempts) a.abort(shutdown.reason);
      attempts.clear();
    }, { once: true });
    inFlight.set(shutdown, attempts);
    set = attempts;
  }
  return set;
}

/**
 * An attempt's signal: aborted by its own timer or by the run's shutdown signal. Neither
 * AbortSignal.any/timeout (on Node 20 they keep an entry on the long-lived shutdown signal per
 * call: a leak in a server) nor an AbortController per attempt (Node's EventTarget machinery, with
 * http.request's own watcher on top, was about a tenth of a fast probe's CPU; bench/RESULTS.md).
 */
function attemptSignal(timeoutMs: number, shutdown: AbortSignal | undefined): { signal: ProbeSignal; done: () => void } {
  const signal = new AttemptSignal();
  if (shutdown?.aborted) {
    signal.abort(shutdown.reason);
    return { signal, done: () => {} };
  }
  const timer = setTimeout(() => signal.abort(new Error(`timed out after ${timeoutMs}ms`)), timeoutMs);
  const under = shutdown ? attemptsUnder(shutdown) : undefined;
  under?.add(signal);
  return {
    signal,
    done: () => {
      clearTimeout(timer);
      under?.delete(signal);
    },
  };
}

/** Runs one attempt with its own deadline; a probe bug becomes a failed outcome, not a crash. */
async function attemptOnce(monitor: RunnableMonitor, attempt: number, traceId: string, opts: RunOptions): Promise<AttemptRecord> {
  const now = opts.now ?? Date.now;
  const { signal, done } = attemptSignal(monitor.settings.timeoutMs, opts.signal);
  const ctx: ProbeContext = { signal, timeoutMs: monitor.settings.timeoutMs, attempt, traceId, thresholds: monitor.settings.thresholds, now };
  const startedAt = now();
  let outcome: ProbeOutcome;
  try {
    if (monitor.kind === "heartbeat") throw new Error("a heartbeat is not probed; it waits for check-ins");
    const probe = opts.probes[monitor.kind] as (c: unknown, x: ProbeContext) => Promise<ProbeOutcome>;
    outcome = await probe(monitor.check, ctx);
  } catch (err) {
    outcome = { ok: false, health: "down", phase: "setup", failure: "error", reason: `probe error: ${errorMessage(err)}`, timings: { totalMs: now() - startedAt }, assertions: [], facts: {} };
  } finally {
    done();
  }
  return { attempt, startedAt, ...outcome };
}

/** Upbeat's rule: up to 1 + retries attempts, stopping at the first good one, waiting with backoff. */
async function standardAttempts(monitor: RunnableMonitor, traceId: string, opts: RunOptions): Promise<AttemptRecord[]> {
  const out: AttemptRecord[] = [];
  const { retries, retryDelayMs } = monitor.settings;
  for (let n = 1; n <= retries + 1; n++) {
    const a = await attemptOnce(monitor, n, traceId, opts);
    out.push(a);
    if (a.ok || opts.signal?.aborted) break;
    // http-monitoring's rule (urllib3's status_forcelist): an answer with another status is final.
    const status = a.facts.statusCode;
    if (monitor.settings.retryStatuses && status !== undefined && !monitor.settings.retryStatuses.includes(status)) break;
    if (n <= retries) await sleep(retryDelayMs * 2 ** (n - 1), opts.signal);
    if (opts.signal?.aborted) break;
  }
  return out;
}

/**
 * Cupcake's two rules (compat §1.4): `retry` N gives up to N+1 immediate attempts with the same
 * attempt number; when only one was made and it was a TIMEOUT, the cycle is tried again, up to
 * four times in all, with attempt numbers 1–4.
 */
async function cupcakeAttempts(monitor: RunnableMonitor, traceId: string, opts: RunOptions): Promise<AttemptRecord[]> {
  const out: AttemptRecord[] = [];
  const kind = monitor.kind === "tcp" ? "tcp" : "http";
  for (let outer = 1; outer <= 4; outer++) {
    let inner = 0;
    let last: AttemptRecord | undefined;
    while (inner <= monitor.settings.retries) {
      last = await attemptOnce(monitor, outer, traceId, opts);
      out.push(last);
      inner++;
      if (last.ok || opts.signal?.aborted) break;
    }
    if (!last || inner > 1 || opts.signal?.aborted || cupcakeActual(kind, last) !== "TIMEOUT") break;
  }
  return out;
}

/** Runs a monitor's check once, with its retries, and returns the observation it makes. */
export async function runCheck(monitor: RunnableMonitor, opts: RunOptions): Promise<Observation> {
  const traceId = randomUUID();
  const attempts = monitor.settings.retryMode === "cupcake" ? await cupcakeAttempts(monitor, traceId, opts) : await standardAttempts(monitor, traceId, opts);
  const last = attempts[attempts.length - 1] as AttemptRecord;
  const now = opts.now ?? Date.now;
  return {
    monitorId: monitor.id,
    at: now(),
    health: last.health,
    source: "probe",
    region: opts.region ?? "local",
    ...(last.phase ? { phase: last.phase } : {}),
    ...(last.failure ? { failure: last.failure } : {}),
    ...(last.reason ? { reason: last.reason } : {}),
    timings: last.timings,
    assertions: last.assertions,
    facts: last.facts,
    attempts,
  };
}
