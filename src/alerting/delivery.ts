/**
 * Delivers queued notifications: each channel on its own (a slow or broken channel never delays
 * another), what one channel has due for one group sent as one message, retries with exponential
 * backoff and jitter on retryable failures (honouring `Retry-After`), dead after the last try.
 */
import type { Logger } from "pino";
import { errorMessage } from "../lib/errors.ts";
import type { DeliveryResult, Notification, Notifier } from "../notifiers/types.ts";
import type { Store, StoredDelivery } from "../store/types.ts";
import { combine } from "./render.ts";
import { redactResult } from "./secrets.ts";

/** A configured channel ready to send. */
export interface Channel {
  /** Name routes refer to. */
  name: string;
  /** Kind (`slack`, `webhook`, …). */
  kind: string;
  /** Settings for the notifier. */
  settings: unknown;
  /** The notifier of its kind. */
  notifier: Notifier<unknown>;
}

/** Checked just before a delivery goes: a reason to hold or suppress it instead, or nothing. */
export type Gate = (d: StoredDelivery) => { initial: "held" | "suppressed"; note: string } | undefined;

/** Delivery tuning. */
export interface DeliveryOptions {
  /** Attempts before a delivery is dead. */
  maxAttempts?: number;
  /** First retry delay (ms); doubles per attempt. */
  baseDelayMs?: number;
  /** Longest retry delay (ms). */
  maxDelayMs?: number;
  /** Time allowed for one attempt (ms). */
  timeoutMs?: number;
  /** How often due deliveries are looked for when nothing wakes the loop (ms). */
  pollMs?: number;
  /** Random source for jitter (tests fix it). */
  random?: () => number;
  /** Last check before sending. */
  gate?: Gate;
  /** Messages in flight at once per channel (each to a different group). */
  perChannel?: number;
}

/** Counters for metrics. */
export interface DeliveryCounters {
  /** Messages delivered. */
  sent: number;
  /** Attempts that failed. */
  failedAttempts: number;
  /** Deliveries given up. */
  dead: number;
}

/** The delivery loop. */
export class Deliverer {
  private readonly busy = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = 0;
  private stopped = false;
  private readonly inFlight = new Set<Promise<void>>();
  private ticking: Promise<void> | undefined;
  /** Counters. */
  readonly counters: DeliveryCounters = { sent: 0, failedAttempts: 0, dead: 0 };
  /** The same counters per channel (metrics). */
  readonly channelCounters = new Map<string, DeliveryCounters>();
  private readonly o: Required<Omit<DeliveryOptions, "gate">> & Pick<DeliveryOptions, "gate">;

  constructor(
    private readonly store: Store,
    private channels: Map<string, Channel>,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    o: DeliveryOptions = {},
  ) {
    this.o = { maxAttempts: 8, baseDelayMs: 1000, maxDelayMs: 300_000, timeoutMs: 10_000, pollMs: 500, random: Math.random, perChannel: 4, ...o };
  }

  /** Replaces the channels (configuration reload). */
  setChannels(channels: Map<string, Channel>): void {
    this.channels = channels;
  }

  /** The channels in force (for the API and `notify test`). */
  currentChannels(): ReadonlyMap<string, Channel> {
    return this.channels;
  }

  /** Starts looking for due deliveries. */
  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** Looks for due deliveries now (after something was queued). */
  kick(delayMs = 0): void {
    if (this.stopped) return;
    const at = Date.now() + delayMs;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    if (this.ticking) return;
    this.ticking = this.scan().catch((e: unknown) => this.log.error({ err: errorMessage(e) }, "delivery scan failed"));
    await this.ticking;
    this.ticking = undefined;
    if (!this.stopped && !this.timer) this.kick(this.o.pollMs);
  }

  private async scan(): Promise<void> {
    const now = this.now();
    const pending = await this.store.dueDeliveries(Number.MAX_SAFE_INTEGER, 2000);
    const byGroup = new Map<string, StoredDelivery[]>();
    for (const d of pending) {
      if (this.busy.has(d.channel)) continue;
      const stop = this.o.gate?.(d);
      if (stop) {
        await this.store.markDeliveries([d.id], { status: stop.initial, at: now, error: stop.note, attempt: false });
        continue;
      }
      const k = `${d.channel}\u0000${d.groupKey}`;
      byGroup.set(k, [...(byGroup.get(k) ?? []), d]);
    }
    const perChannel = new Map<string, StoredDelivery[][]>();
    for (const rows of byGroup.values()) {
      const batch = nextBatch(rows, now);
      if (!batch.length) continue;
      const ch = (batch[0] as StoredDelivery).channel;
      perChannel.set(ch, [...(perChannel.get(ch) ?? []), batch]);
    }
    for (const [name, batches] of perChannel) {
      this.busy.add(name);
      const p = this.runChannel(name, batches).finally(() => {
        this.busy.delete(name);
        this.inFlight.delete(p);
        this.kick();
      });
      this.inFlight.add(p);
    }
  }

  /**
   * Sends one channel's batches, a few at a time: each batch is a different group (one per group
   * per scan), so order within a group, and so per monitor, is kept.
   */
  private async runChannel(name: string, batches: StoredDelivery[][]): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (next < batches.length && !this.stopped) {
        const batch = batches[next++] as StoredDelivery[];
        await this.sendBatch(name, batch).catch((e: unknown) => this.log.error({ channel: name, err: errorMessage(e) }, "delivery failed unexpectedly"));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.perChannel, batches.length) }, lane));
  }

  private async sendBatch(name: string, batch: StoredDelivery[]): Promise<void> {
    const ids = batch.map((d) => d.id);
    const channel = this.channels.get(name);
    if (!channel) {
      await this.store.markDeliveries(ids, { status: "dead", at: this.now(), error: `channel "${name}" is not configured` });
      this.counters.dead += ids.length;
      return;
    }
    const n = combine(batch.map((d) => d.payload as Notification));
    const signal = AbortSignal.timeout(this.o.timeoutMs);
    let r: DeliveryResult;
    try {
      r = await channel.notifier.send(channel.settings, n, { signal, now: this.now });
    } catch (e) {
      r = { ok: false, retryable: true, error: `channel error: ${errorMessage(e)}` };
    }
    // The error is logged and stored as last_error: the channel's secrets never get that far.
    r = redactResult(channel, r);
    const at = this.now();
    const per = this.channelCounters.get(name) ?? { sent: 0, failedAttempts: 0, dead: 0 };
    this.channelCounters.set(name, per);
    if (r.ok) {
      this.counters.sent++;
      per.sent++;
      await this.store.markDeliveries(ids, { status: "done", at });
      return;
    }
    this.counters.failedAttempts++;
    per.failedAttempts++;
    const attempts = Math.max(...batch.map((d) => d.attempts)) + 1;
    if (!r.retryable || attempts >= this.o.maxAttempts) {
      this.counters.dead += ids.length;
      per.dead += ids.length;
      this.log.warn({ channel: name, kind: channel.kind, attempts, err: r.error }, "notification given up");
      await this.store.markDeliveries(ids, { status: "dead", at, error: r.error });
      return;
    }
    const backoff = Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** (attempts - 1)) * (0.5 + this.o.random() / 2);
    const wait = Math.max(backoff, r.retryAfterMs ?? 0);
    this.log.info({ channel: name, kind: channel.kind, attempts, retryInMs: Math.round(wait), err: r.error }, "notification failed; will retry");
    await this.store.markDeliveries(ids, { status: "pending", at, notBefore: at + wait, error: r.error });
    this.kick(Math.min(wait, this.o.pollMs));
  }

  /** Stops; sends in progress may finish within `graceMs`. */
  async stop(graceMs = 1000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.race([Promise.allSettled([...this.inFlight, ...(this.ticking ? [this.ticking] : [])]), new Promise((r) => setTimeout(r, graceMs).unref())]);
  }
}

/**
 * What a group sends next, keeping order: a batch that failed is retried alone (when its time
 * comes) before anything queued after it; otherwise everything due goes as one message.
 */
export function nextBatch(rows: readonly StoredDelivery[], now: number): StoredDelivery[] {
  const sorted = [...rows].sort((a, b) => a.id - b.id);
  const first = sorted[0];
  if (!first || first.notBefore > now) return [];
  if (first.attempts > 0) return sorted.filter((d) => d.attempts > 0 && d.notBefore <= now);
  const batch: StoredDelivery[] = [];
  for (const d of sorted) {
    if (d.attempts > 0 || d.notBefore > now) break;
    batch.push(d);
  }
  return batch;
}
