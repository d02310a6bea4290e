/**
 * From committed effects to queued deliveries: each incident effect is rendered once, routed
 * (the monitor's own `alerts`, else the routing tree) and queued per channel under a key unique
 * to (incident, transition, channel), in the same transaction that marks the effect done. A
 * restart re-routes effects left pending; keys already queued are ignored, so nothing is sent
 * twice. Grouping: deliveries of one route group wait `groupWait` from the first one, then go
 * as one message per channel; later ones wait `groupInterval` after the last message.
 *
 * Noise control, decided when a notification is queued and checked again when it is due:
 * - maintenance and silences suppress it (kept in the deliveries table with the reason);
 * - a monitor whose parent (`dependsOn`) is down or failing has its alerts held; they go out if it
 *   is still down once its parents are up, and are suppressed if it recovered first;
 * - a recovery or reminder whose alert was never sent on a channel is not sent there either;
 * - past `flapping.transitions` alerts within `flapping.window`, one "flapping" notice replaces
 *   the alert, later ones are suppressed, and once the monitor has been stable for a whole window
 *   one message gives its state.
 */
import type { Logger } from "pino";
import type { Monitor } from "../config/model.ts";
import type { EffectHandler } from "../engine/effects.ts";
import { type Matcher, matchesAll, parseMatcher } from "../core/matchers.ts";
import type { MonitorState } from "../core/monitor-state.ts";
import { errorMessage } from "../lib/errors.ts";
import type { Notification } from "../notifiers/types.ts";
import type { DeliveryRecord, OutboxRecord, SilenceRecord, Store, StoredDelivery, StoredSilence } from "../store/types.ts";
import { type Channel, Deliverer, type DeliveryOptions, type Gate } from "./delivery.ts";
import { flappingNotice, labelsOf, renderEffect, settledNotice } from "./render.ts";
import { groupKey, route, type RouteMatch, type RouteSpec } from "./routes.ts";

/** What alerting runs from. */
export interface AlertingConfig {
  /** Channels by name. */
  channels: Map<string, Channel>;
  /** The routing tree. */
  routes: RouteSpec;
  /** Base URL of the dashboard for links. */
  publicUrl?: string;
  /** Lovebeat's `[general] public_url`, for its Slack links. */
  lovebeatPublicUrl?: string;
  /** Channels a monitor notifies besides its `alerts` setting (Lovebeat alarms: their `[alerts.*]`). */
  monitorChannels?: (monitorId: string) => string[] | undefined;
}

/** A silence with its matchers compiled. */
interface LiveSilence {
  silence: StoredSilence;
  matchers: Matcher[];
}

/** Alert times of one monitor, for flapping detection. */
interface Flaps {
  times: number[];
  flapping: boolean;
  last: number;
}

/** Sources whose tools alerted once per change and never reminded. */
const NO_REMINDERS = new Set(["cupcake", "lovebeat"]);

/** Alerting: the effect handler and the delivery loop. */
export class Alerting {
  readonly deliverer: Deliverer;
  private readonly groupDue = new Map<string, number>();
  private readonly lastSent = new Map<string, number>();
  private silenceList: LiveSilence[] = [];
  private readonly flaps = new Map<string, Flaps>();
  private mayHoldSome = true;
  private timer: NodeJS.Timeout | undefined;
  private relaxing: Promise<void> | undefined;
  private readonly upkeepMs: number;
  private readonly toQueue: Array<{ id: number; rows: DeliveryRecord[]; monitorId: string; type: string; resolve: () => void; reject: (e: unknown) => void }> = [];

  constructor(
    private readonly store: Store,
    private config: AlertingConfig,
    private readonly monitor: (id: string) => Monitor | undefined,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    delivery: DeliveryOptions & { upkeepMs?: number } = {},
    private readonly state: (id: string) => MonitorState | undefined = () => undefined,
  ) {
    const { upkeepMs, ...rest } = delivery;
    this.upkeepMs = upkeepMs ?? 2000;
    this.deliverer = new Deliverer(store, config.channels, log, now, { ...rest, gate: this.gate });
  }

  /** Applies a new configuration (reload). */
  setConfig(config: AlertingConfig): void {
    this.config = config;
    this.deliverer.setChannels(config.channels);
  }

  /** Where a monitor's notifications go: its own `alerts` (channel names), sent at once, else the tree. */
  private routesFor(m: Monitor | undefined, labels: Record<string, string>): RouteMatch[] {
    const extra = m ? this.config.monitorChannels?.(m.id) : undefined;
    const own = extra?.length ? extra : (m?.settings.alerts ?? []);
    if (own.length) {
      // A monitor's own channels are told at once and per monitor (no grouping), as Cupcake and Lovebeat did.
      const [root] = route({ ...this.config.routes, routes: [] }, labels);
      return [{ ...(root as RouteMatch), id: "monitor", channels: own, groupBy: ["monitor"], groupWaitMs: 0, groupIntervalMs: 0 }];
    }
    return route(this.config.routes, labels);
  }

  /** The reminder period of a monitor's open incidents (the shortest `repeatInterval` of its routes), or none. */
  reminderIntervalFor(m: Monitor): number | undefined {
    if (NO_REMINDERS.has(m.source.format)) return undefined;
    const routes = this.routesFor(m, labelsOf(m, { monitorId: m.id, type: "reminder.due", payload: {} })).filter((r) => r.channels.length && r.repeatIntervalMs > 0);
    return routes.length ? Math.min(...routes.map((r) => r.repeatIntervalMs)) : undefined;
  }

  /** The first parent of a monitor that is down or failing now. */
  private parentDown(m: Monitor | undefined): string | undefined {
    return m?.settings.dependsOn?.find((p) => {
      const s = this.state(p);
      return !!s && s.status !== "paused" && (s.status === "down" || !!s.incident || s.failures > 0);
    });
  }

  /** The silence covering these labels now. */
  private silencing(labels: Record<string, string>, at: number): StoredSilence | undefined {
    return this.silenceList.find((l) => l.silence.startsAt <= at && at < l.silence.endsAt && matchesAll(l.matchers, labels))?.silence;
  }

  /** Why a notification about this monitor must not go now (whatever the channel), if it must not. */
  private blocked(m: Monitor | undefined, monitorId: string, labels: Record<string, string>, kind: Notification["kind"], at: number): { initial: "held" | "suppressed"; note: string } | undefined {
    if (this.state(monitorId)?.status === "maintenance") return { initial: "suppressed", note: "the monitor is in maintenance" };
    const s = this.silencing(labels, at);
    if (s) return { initial: "suppressed", note: `silenced by ${s.author} until ${new Date(s.endsAt).toISOString()}: ${s.comment}` };
    const parent = kind === "incident.resolved" ? undefined : this.parentDown(m);
    if (parent) return { initial: "held", note: `held while ${parent} is down` };
    return undefined;
  }

  /** Counts an alert for flapping; says whether to send it, replace it by the flapping notice, or suppress it. */
  private flap(m: Monitor, at: number): "send" | "start" | "suppress" {
    const f = m.settings.flapping;
    if (!f) return "send";
    const st = this.flaps.get(m.id) ?? { times: [], flapping: false, last: at };
    this.flaps.set(m.id, st);
    st.times = [...st.times.filter((t) => t > at - f.windowMs), at];
    st.last = at;
    if (st.flapping) return "suppress";
    if (st.times.length < f.transitions) return "send";
    st.flapping = true;
    return "start";
  }

  /** The deliveries an effect makes (none for a plain state change). */
  async plan(record: OutboxRecord): Promise<DeliveryRecord[]> {
    const m = this.monitor(record.monitorId);
    let n = renderEffect(record, m, { ...(this.config.publicUrl ? { publicUrl: this.config.publicUrl } : {}), ...(this.config.lovebeatPublicUrl ? { lovebeatPublicUrl: this.config.lovebeatPublicUrl } : {}) });
    if (!n) return [];
    const labels = labelsOf(m, record);
    const now = this.now();
    let block = this.blocked(m, record.monitorId, labels, n.kind, now);
    if (!block && m && n.kind !== "reminder") {
      const f = this.flap(m, record.at);
      if (f === "suppress") block = { initial: "suppressed", note: "the monitor is flapping" };
      else if (f === "start") n = flappingNotice(n, this.flaps.get(m.id)?.times.length ?? 0, m.settings.flapping?.windowMs ?? 0);
    }
    // A recovery or a reminder follows its alert: where the alert was not sent, neither is it.
    const incident = n.monitors[0]?.incident;
    const alerts = n.kind === "incident.opened" || n.kind === "flapping" || incident === undefined ? [] : await this.store.deliveriesByKeyPrefix(`${record.monitorId}#${incident}:incident.opened:`);
    const alertOn = new Map(alerts.map((d) => [d.channel, d]));
    const rows: DeliveryRecord[] = [];
    const seen = new Set<string>();
    const unsent: number[] = [];
    for (const r of this.routesFor(m, labels)) {
      const gk = groupKey(r, labels);
      for (const channel of r.channels) {
        const key = `${n.idempotencyKey}:${channel}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const row: DeliveryRecord = { key, channel, groupKey: gk, payload: { ...n, idempotencyKey: key }, notBefore: this.dueTime(`${channel}\u0000${gk}`, r, now) };
        const alert = alertOn.get(channel);
        if (block) Object.assign(row, block);
        else if (alert && (alert.status === "held" || alert.status === "suppressed")) {
          Object.assign(row, { initial: "suppressed", note: `its alert was not sent (${alert.lastError ?? alert.status})` });
          if (alert.status === "held" && n.kind === "incident.resolved") unsent.push(alert.id);
        }
        rows.push(row);
      }
    }
    if (unsent.length) await this.store.markDeliveries(unsent, { status: "suppressed", at: now, error: "the monitor recovered while a parent was down", attempt: false });
    if (rows.some((r) => r.initial === "held")) this.mayHoldSome = true;
    return rows;
  }

  /** When a new member of a group may go: with the group's first member, or a group interval after its last message. */
  private dueTime(k: string, r: RouteMatch, now: number): number {
    const pending = this.groupDue.get(k);
    // A group whose message has not gone yet takes new members (with groupWait 0, those of the same moment).
    if (pending !== undefined && pending >= now) return pending;
    const last = this.lastSent.get(k);
    const at = last !== undefined && now - last < r.groupIntervalMs ? last + r.groupIntervalMs : now + r.groupWaitMs;
    this.groupDue.set(k, at);
    this.lastSent.set(k, at);
    return at;
  }

  /** Checked by the deliverer just before sending: a silence, maintenance or a parent may have come since it was queued. */
  private readonly gate: Gate = (d) => {
    const n = d.payload as Notification;
    const id = n.monitors[0]?.id;
    if (!id || n.kind === "digest" || n.kind === "test") return undefined;
    const m = this.monitor(id);
    return this.blocked(m, id, labelsOf(m, { monitorId: id, type: n.kind === "incident.resolved" ? "incident.resolved" : "incident.opened", payload: {} }), n.kind, this.now());
  };

  /** The effect handler the engine calls after each commit. */
  readonly handler: EffectHandler = async ({ id, record }) => {
    const rows = await this.plan(record);
    // A plain state change queues nothing: the dispatcher marks its outbox entry done.
    if (!rows.length) return;
    await new Promise<void>((resolve, reject) => {
      this.toQueue.push({ id, rows, monitorId: record.monitorId, type: record.type, resolve, reject });
      if (this.toQueue.length === 1) setImmediate(() => void this.queueAll());
    });
  };

  /** Queues what every effect planned since the last turn in one transaction (a burst of 1,000 transitions is one write, not 1,000). */
  private async queueAll(): Promise<void> {
    const items = this.toQueue.splice(0);
    try {
      await this.store.enqueueDeliveries(
        items.flatMap((i) => i.rows),
        items.map((i) => i.id),
        this.now(),
      );
    } catch (e) {
      for (const i of items) i.reject(e);
      return;
    }
    for (const i of items) {
      this.queued(i.rows, i.monitorId, i.type);
      i.resolve();
    }
  }

  private queued(rows: DeliveryRecord[], monitorId: string, type: string): void {
    const live = rows.filter((r) => !r.initial);
    if (live.length) this.deliverer.kick(Math.max(0, Math.min(...live.map((r) => r.notBefore)) - this.now()));
    for (const r of rows.filter((r) => r.initial)) this.log.info({ monitor: monitorId, type, channel: r.channel, status: r.initial, why: r.note }, "notification not sent");
    if (live.length) this.log.debug({ monitor: monitorId, type, channels: live.map((r) => r.channel) }, "notifications queued");
  }

  /**
   * Every few seconds: releases held alerts whose parents are up again (or drops them when the
   * monitor recovered meanwhile), and ends flapping for monitors stable for a whole window.
   */
  private async relax(): Promise<void> {
    const now = this.now();
    if (this.mayHoldSome) {
      const held = await this.store.deliveries({ status: "held", limit: 1000 });
      this.mayHoldSome = held.length > 0;
      const release: StoredDelivery[] = [];
      const drop: StoredDelivery[] = [];
      for (const d of held) {
        const n = d.payload as Notification;
        const id = n.monitors[0]?.id ?? "";
        if (this.parentDown(this.monitor(id))) continue;
        (this.state(id)?.incident?.number === n.monitors[0]?.incident ? release : drop).push(d);
      }
      if (release.length) {
        await this.store.markDeliveries(release.map((d) => d.id), { status: "pending", at: now, notBefore: now, attempt: false });
        this.log.info({ monitors: [...new Set(release.map((d) => (d.payload as Notification).monitors[0]?.id))] }, "parents are up again: held alerts released");
        this.deliverer.kick();
      }
      if (drop.length) await this.store.markDeliveries(drop.map((d) => d.id), { status: "suppressed", at: now, error: "the monitor recovered while a parent was down", attempt: false });
    }
    for (const [id, f] of this.flaps) {
      const m = this.monitor(id);
      const windowMs = m?.settings.flapping?.windowMs ?? 0;
      if (f.times.every((t) => t <= now - windowMs)) this.flaps.delete(id);
      if (!f.flapping || now - f.last < windowMs) continue;
      this.flaps.delete(id);
      const n = settledNotice(m, id, this.state(id), now, windowMs);
      const labels = labelsOf(m, { monitorId: id, type: n.kind === "incident.resolved" ? "incident.resolved" : "incident.opened", payload: {} });
      const rows = this.routesFor(m, labels).flatMap((r) => r.channels.map((channel) => ({ key: `${n.idempotencyKey}:${channel}`, channel, groupKey: groupKey(r, labels), payload: { ...n, idempotencyKey: `${n.idempotencyKey}:${channel}` }, notBefore: now })));
      await this.store.enqueueDeliveries(rows, [], now);
      this.queued(rows, id, "flapping.ended");
    }
  }

  /** Adds a silence (matchers checked first); returns it, or what is wrong with it. */
  async addSilence(s: SilenceRecord): Promise<StoredSilence | { error: string }> {
    const matchers: Matcher[] = [];
    for (const t of s.matchers) {
      const m = parseMatcher(t);
      if ("error" in m) return { error: m.error };
      matchers.push(m);
    }
    if (!matchers.length) return { error: "a silence needs at least one matcher" };
    if (!(s.endsAt > s.startsAt)) return { error: "endsAt must be after startsAt" };
    const stored = await this.store.addSilence(s, this.now());
    this.silenceList.push({ silence: stored, matchers });
    this.log.info({ id: stored.id, matchers: s.matchers, author: s.author, until: new Date(s.endsAt).toISOString() }, "silence added");
    return stored;
  }

  /** Ends a silence now. */
  async expireSilence(id: number): Promise<boolean> {
    const at = this.now();
    const ok = await this.store.expireSilence(id, at);
    for (const l of this.silenceList) if (l.silence.id === id) l.silence = { ...l.silence, endsAt: Math.min(l.silence.endsAt, at) };
    if (ok) this.log.info({ id }, "silence expired");
    return ok;
  }

  /** Silences not yet ended. */
  silences(): StoredSilence[] {
    const now = this.now();
    return this.silenceList.filter((l) => l.silence.endsAt > now).map((l) => l.silence);
  }

  /** Loads silences and starts delivering. */
  async start(): Promise<void> {
    this.silenceList = (await this.store.silences(this.now())).flatMap((silence) => {
      const matchers = silence.matchers.map(parseMatcher).filter((m): m is Matcher => !("error" in m));
      return matchers.length === silence.matchers.length ? [{ silence, matchers }] : [];
    });
    this.deliverer.start();
    const loop = () => {
      this.relaxing = this.relax()
        .catch((e: unknown) => this.log.error({ err: errorMessage(e) }, "alerting upkeep failed"))
        .finally(() => {
          this.relaxing = undefined;
          if (this.timer) this.timer = setTimeout(loop, this.upkeepMs);
        });
    };
    this.timer = setTimeout(loop, Math.min(500, this.upkeepMs));
  }

  /** Stops delivering. */
  async stop(graceMs = 1000): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.relaxing;
    await this.deliverer.stop(graceMs);
  }
}
