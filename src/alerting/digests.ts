/**
 * Sends digests on their schedules: Cupcake's summary (at start, then every
 * SUMMARY_SLEEP_SECONDS) and the native `digests:` (cron in a time zone). Deadlines live in one
 * scheduler. A digest is queued in the deliveries table under a key unique to (digest, time,
 * channel), so it survives a restart, is retried like any notification and never goes twice;
 * then the delivery loop is woken.
 */
import type { Logger } from "pino";
import type { CupcakeEnv } from "../config/cupcake-env.ts";
import type { DigestConfig, Monitor, UpbeatConfig } from "../config/model.ts";
import type { MonitorState } from "../core/monitor-state.ts";
import { compileCron } from "../heartbeats/cron.ts";
import { errorMessage } from "../lib/errors.ts";
import type { Notification } from "../notifiers/types.ts";
import { Scheduler, type SchedulerClock, systemClock } from "../scheduler/scheduler.ts";
import { type CupcakeActive, type DeliveryRecord, emptyBatch, type Store, type WriteBatch } from "../store/types.ts";
import { cupcakeEndpoints, cupcakeSummaryText, summaryChannels, summaryLines, summaryNotification } from "./cupcake-summary.ts";
import { DIGEST_SPAN_MS, renderDigest } from "./daily-digest.ts";

/** What digests need from the running engine. */
export interface DigestEngine {
  /** Every monitor's live state. */
  states(): MonitorState[];
  /** A monitor and its state. */
  get(id: string): { monitor: Monitor; state: MonitorState } | undefined;
  /** Closes a monitor's open incident without a notice; false when none was open. */
  closeIncident(id: string): boolean;
  /** The engine's writer (rows deleted from `active` go in order with its other writes). */
  writer: { add(b: Partial<WriteBatch>): void; durable(): Promise<void> };
}

/** What the digests run from. */
export interface DigestOptions {
  /** Where deliveries are queued and facts read. */
  store: Store;
  /** Log. */
  log: Logger;
  /** Wakes the delivery loop after something was queued. */
  kick: () => void;
  /** Cupcake's summary settings. */
  cupcake: Pick<CupcakeEnv, "summaryEnabled" | "summarySleepSeconds" | "removeUnknownActives">;
  /** Clock and timers (a fake in tests). */
  clock?: SchedulerClock;
}

const SUMMARY = "cupcake-summary";
const keyOf = (k: readonly string[]): string => k.join("\u0000");

/** The digests of one process. */
export class Digests {
  private readonly scheduler: Scheduler;
  private readonly clock: SchedulerClock;
  private config: UpbeatConfig = { monitors: [], groups: [], files: [] };
  private engine: DigestEngine | undefined;
  private readonly running = new Set<Promise<void>>();
  private armed = new Set<string>();

  constructor(private readonly o: DigestOptions) {
    this.clock = o.clock ?? systemClock;
    this.scheduler = new Scheduler({ concurrency: 1, clock: this.clock });
  }

  /** Takes the configuration and arms the schedules; Cupcake's summary goes at once, before anything is probed (as Cupcake did). */
  async start(config: UpbeatConfig): Promise<void> {
    this.config = config;
    if (this.o.cupcake.summaryEnabled) {
      const now = this.clock.now();
      await this.summary(now).catch((e: unknown) => this.o.log.error({ err: errorMessage(e) }, "Cupcake summary failed"));
      this.armSummary(now + this.o.cupcake.summarySleepSeconds * 1000);
    }
    this.armDigests();
  }

  /** The running engine, once it is there (facts of native digests; forgetting Cupcake incidents). */
  attach(engine: DigestEngine): void {
    this.engine = engine;
  }

  /** Applies a reloaded configuration: channels, endpoints and digests as they are now. */
  setConfig(config: UpbeatConfig): void {
    this.config = config;
    this.armDigests();
  }

  /** Resolves when no digest is being made. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  /** Stops the schedules and waits for a digest being made. */
  async stop(): Promise<void> {
    await this.scheduler.stop(0);
    await Promise.allSettled([...this.running]);
  }

  private track(work: () => Promise<void>, what: string): void {
    const p = work()
      .catch((e: unknown) => this.o.log.error({ digest: what, err: errorMessage(e) }, "digest failed"))
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  /** Queues a notification for channels and wakes the delivery loop. */
  private async queue(n: Notification, channels: readonly string[], at: number): Promise<void> {
    const rows: DeliveryRecord[] = channels.map((channel) => {
      const key = `${n.idempotencyKey}:${channel}`;
      // A group key of its own: a digest is never merged with anything else queued for the channel.
      return { key, channel, groupKey: `digest|${n.idempotencyKey}`, payload: { ...n, idempotencyKey: key }, notBefore: at };
    });
    await this.o.store.enqueueDeliveries(rows, [], at);
    this.o.kick();
  }

  /** Makes Cupcake's summary, removes unknown rows when asked, and queues it. */
  private async summary(at: number): Promise<void> {
    const endpoints = cupcakeEndpoints(this.config);
    const lines = summaryLines(await this.o.store.cupcakeActives(), endpoints.enabled, this.o.cupcake.removeUnknownActives);
    const removing = lines.filter((l) => l.removing).map((l) => l.row);
    if (removing.length) await this.forget(removing);
    const text = cupcakeSummaryText(endpoints.count, lines);
    const channels = summaryChannels(this.config);
    if (channels.length) await this.queue(summaryNotification(text, endpoints.count, lines.length, at), channels, at);
    else this.o.log.warn("SUMMARY_ENABLED is set but no alert group summary has alerts; the summary goes nowhere");
    this.o.log.info({ endpoints: endpoints.count, alerts: lines.length, removed: removing.length, channels }, "Cupcake summary made");
  }

  /** Arms the summary at `at`; each one arms the next before it is made, so a failed one does not stop the others. */
  private armSummary(at: number): void {
    this.scheduler.setDeadline(SUMMARY, at, () => {
      this.armSummary(at + this.o.cupcake.summarySleepSeconds * 1000);
      this.track(() => this.summary(at), SUMMARY);
    });
  }

  /** Deletes `active` rows; a row of a running monitor closes its incident too (without a notice). */
  private async forget(rows: CupcakeActive[]): Promise<void> {
    const e = this.engine;
    if (!e) {
      await this.o.store.commit({ ...emptyBatch(), activeDeletes: rows.map((r) => r.key) });
      return;
    }
    const ids = new Map(this.config.monitors.filter((m) => m.source.cupcakeKey).map((m) => [keyOf(m.source.cupcakeKey as string[]), m.id]));
    const rest = rows.filter((r) => {
      const id = ids.get(keyOf(r.key));
      return !(id !== undefined && e.closeIncident(id));
    });
    if (rest.length) e.writer.add({ activeDeletes: rest.map((r) => r.key) });
    await e.writer.durable();
  }

  /** (Re)arms every native digest at its next time; digests no longer configured are disarmed. */
  private armDigests(): void {
    const now = this.clock.now();
    const wanted = new Set<string>();
    for (const d of this.config.digests ?? []) {
      const id = `digest:${d.name}`;
      wanted.add(id);
      this.arm(id, d, now);
    }
    for (const id of this.armed) if (!wanted.has(id)) this.scheduler.clearDeadline(id);
    this.armed = wanted;
  }

  private arm(id: string, d: DigestConfig, after: number): void {
    const cron = compileCron(d.cron, d.timezone);
    const at = "error" in cron ? undefined : cron.next(after);
    if (at === undefined) return;
    this.scheduler.setDeadline(id, at, () => {
      this.track(() => this.digest(d, at), d.name);
      this.arm(id, d, at);
    });
  }

  /** Makes and queues one native digest. */
  private async digest(d: DigestConfig, at: number): Promise<void> {
    const e = this.engine;
    if (!e) return;
    const monitors = e.states().flatMap((s) => e.get(s.monitorId) ?? []);
    const [incidents, uptime] = await Promise.all([this.o.store.incidents({ since: at - DIGEST_SPAN_MS, limit: 5000 }), this.o.store.uptime(at)]);
    const day = new Map([...uptime].map(([id, p]) => [id, p["24h"]]));
    const n = renderDigest(d, { at, monitors, incidents, uptime: day });
    await this.queue(n, d.channels, at);
    this.o.log.info({ digest: d.name, channels: d.channels }, "digest queued");
  }
}

/** Digest channels that name no channel (errors, with the digest's file and path). */
export function digestChannelProblems(config: UpbeatConfig, known: ReadonlySet<string>): Array<{ severity: "error"; file: string; path: string; message: string }> {
  return (config.digests ?? []).flatMap((d) => d.channels.flatMap((c, i) => (known.has(c) ? [] : [{ severity: "error" as const, file: d.file, path: `${d.path}.channels[${i}]`, message: `no channel named "${c}"` }])));
}
