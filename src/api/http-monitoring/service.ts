/**
 * http-monitoring's targets inside Upbeat: each submitted target becomes a monitor of its own
 * (source `http-monitoring`, kept across restarts and reloads), checked once at submission
 * through the first-check queue and then every interval by the engine; its last check is kept
 * in memory as it happens (the store has it too, a moment later, and after a restart).
 */
import type { Logger } from "pino";
import type { Channel } from "../../alerting/delivery.ts";
import type { HttpMonitoringConfig } from "../../config/http-monitoring.ts";
import type { Monitor } from "../../config/model.ts";
import type { Engine } from "../../engine/engine.ts";
import { errorMessage } from "../../lib/errors.ts";
import { PROBES } from "../../probes/registry.ts";
import { runCheck } from "../../probes/run.ts";
import type { ProbeRegistry } from "../../probes/types.ts";
import type { Store } from "../../store/types.ts";
import { downNotification, type DownTarget, type EmailOutcome, sendThrough } from "./emails.ts";
import { FirstChecks } from "./first-checks.ts";
import { HTTP_MONITORING_SOURCE, type LastCheck, sameTarget, type Target, targetMonitor, targetOf } from "./targets.ts";

/** What the service needs. */
export interface HttpMonitoringDeps {
  /** The engine, once started. */
  engine: () => Engine | undefined;
  /** The store (last results after a restart). */
  store: Store;
  /** Settings in force. */
  settings: () => HttpMonitoringConfig;
  /** Notification channels in force, once alerting runs. */
  channels: () => ReadonlyMap<string, Channel> | undefined;
  /** Log. */
  log: Logger;
  /** Epoch-ms clock. */
  now?: () => number;
  /** Probes (default: Upbeat's). */
  probes?: ProbeRegistry;
}

/** A target and its monitor. */
export interface Tracked {
  /** The monitor. */
  monitor: Monitor;
  /** The target. */
  target: Target;
}

/** What a submission did, per target. */
export interface Submitted extends Tracked {
  /** New, changed (re-created with its new settings) or as it was. */
  change: "added" | "changed" | "unchanged";
}

/** A request the API must refuse, with its status and code. */
export class TargetError extends Error {
  /** Refusal with `statusCode` and a stable `code`. */
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The http-monitoring targets of one Upbeat process. */
export class HttpMonitoring {
  /** First checks of submitted targets. */
  readonly queue: FirstChecks;
  private readonly last = new Map<string, LastCheck>();
  private readonly shutdown = new AbortController();
  private readonly now: () => number;

  /** A service over the engine and store in `d`. */
  constructor(private readonly d: HttpMonitoringDeps) {
    this.now = d.now ?? Date.now;
    const s = d.settings();
    this.queue = new FirstChecks(s.workerThreads, s.queueSize, this.now, (e) => d.log.error({ err: errorMessage(e) }, "http-monitoring first check failed"));
  }

  /** Where the API logs. */
  get log(): Logger {
    return this.d.log;
  }

  /** Keeps the last check of every target as the engine takes it. */
  attach(engine: Engine): void {
    engine.onObservation((o, m) => {
      if (m.source.format !== HTTP_MONITORING_SOURCE) return;
      this.last.set(m.id, { at: o.at, health: o.health, durationMs: o.timings?.totalMs ?? 0, ...(o.facts?.statusCode !== undefined ? { statusCode: o.facts.statusCode } : {}) });
    });
  }

  private engine(): Engine {
    const e = this.d.engine();
    if (!e) throw new TargetError(503, "UPBEAT_NOT_READY", "Upbeat is starting; try again in a moment");
    return e;
  }

  /** Every target, oldest submission first. */
  targets(): Tracked[] {
    const e = this.engine();
    const out: Tracked[] = [];
    for (const id of e.ids(HTTP_MONITORING_SOURCE)) {
      const monitor = e.get(id)?.monitor;
      const target = monitor && targetOf(monitor);
      if (monitor && target) out.push({ monitor, target });
    }
    const key = (t: Tracked) => t.monitor.source.httpMonitoring ?? { submittedAt: 0, position: 0 };
    return out.sort((a, b) => key(a).submittedAt - key(b).submittedAt || key(a).position - key(b).position);
  }

  /** Creates (or re-creates, when changed) a monitor per target and queues its first check. */
  async submit(targets: readonly Target[]): Promise<Submitted[]> {
    const e = this.engine();
    const s = this.d.settings();
    const at = this.now();
    const monitors = targets.map((t, i) => targetMonitor(t, s, at, i));
    const unique = [...new Map(monitors.map((m) => [m.id, m])).values()];
    const known = new Set(e.ids(HTTP_MONITORING_SOURCE));
    const adding = unique.filter((m) => !known.has(m.id)).length;
    if (known.size + adding > s.maxTargets) throw new TargetError(409, "UPBEAT_HTTP_MONITORING_FULL", `this would make ${known.size + adding} targets; httpMonitoring.maxTargets allows ${s.maxTargets}`);
    const out: Submitted[] = [];
    for (const m of unique) {
      const cur = e.get(m.id)?.monitor;
      const target = targetOf(m) as Target;
      if (cur && sameTarget(cur, m)) {
        out.push({ monitor: cur, target, change: "unchanged" });
        continue;
      }
      if (cur) await e.delete(m.id);
      this.last.delete(m.id);
      await e.create(m);
      out.push({ monitor: m, target, change: cur ? "changed" : "added" });
      this.d.log.info({ monitor: m.id, endpoint: target.endpoint, change: cur ? "changed" : "added" }, "http-monitoring target submitted");
    }
    void this.feed(out.filter((t) => t.change !== "unchanged").map((t) => t.monitor.id));
    return out;
  }

  /** Hands first checks to the queue in the background, waiting for room when it is full (the answer to the submission does not wait). */
  private async feed(ids: readonly string[]): Promise<void> {
    for (const id of ids) await this.queue.put(() => this.firstCheck(id));
  }

  private async firstCheck(id: string): Promise<void> {
    const e = this.d.engine();
    const m = e?.get(id)?.monitor;
    if (!e || !m || this.shutdown.signal.aborted) return;
    const o = await runCheck(m, { probes: this.d.probes ?? PROBES, signal: this.shutdown.signal, now: this.now, region: "local" });
    // Shutdown cuts a check short: that says nothing about the target.
    if (!this.shutdown.signal.aborted) e.observe(o);
  }

  /** Removes the target of an endpoint; false when there is none. */
  async remove(id: string): Promise<boolean> {
    this.last.delete(id);
    return this.engine().delete(id);
  }

  /** The last check of each target (memory first, then the store), by monitor id. */
  async lastChecks(ids: readonly string[]): Promise<Map<string, LastCheck>> {
    const out = new Map<string, LastCheck>();
    const missing = ids.filter((id) => {
      const l = this.last.get(id);
      if (l) out.set(id, l);
      return !l;
    });
    for (const id of missing) {
      const r = (await this.d.store.getMonitor(id))?.lastResult;
      if (r) out.set(id, { at: r.at, health: r.health, durationMs: r.durationMs, ...(r.statusCode !== undefined ? { statusCode: r.statusCode } : {}) });
    }
    return out;
  }

  /** Sends one message naming every target down now through the e-mail channels; what each channel did (none when nothing is down). */
  async sendDownEmails(): Promise<{ down: number; outcomes: EmailOutcome[] }> {
    const e = this.engine();
    const s = this.d.settings();
    const channels = this.d.channels();
    const names = s.emailChannels ?? [...(channels?.values() ?? [])].filter((c) => c.kind === "email").map((c) => c.name);
    if (!names.length) throw new TargetError(503, "UPBEAT_NO_EMAIL_CHANNEL", "no e-mail channel is configured: add a channel of type email, or name channels in httpMonitoring.emailChannels");
    const tracked = this.targets();
    const last = await this.lastChecks(tracked.map((t) => t.monitor.id));
    const down: DownTarget[] = [];
    for (const t of tracked) {
      const state = e.get(t.monitor.id)?.state;
      const l = last.get(t.monitor.id);
      if (state?.status === "down") down.push({ ...t, state, ...(l ? { last: l } : {}) });
    }
    if (!down.length) return { down: 0, outcomes: [] };
    const outcomes = await sendThrough(names, channels, downNotification(down, this.now()), this.now);
    this.d.log.info({ down: down.length, channels: outcomes }, "http-monitoring down notifications sent");
    return { down: down.length, outcomes };
  }

  /** Stops first checks (shutdown). */
  stop(): void {
    this.shutdown.abort(new Error("shutting down"));
    this.queue.stop();
  }
}
