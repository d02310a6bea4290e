/**
 * From committed effects to queued deliveries: each incident effect is rendered once, routed
 * (the monitor's own `alerts`, else the routing tree) and queued per channel under a key unique
 * to (incident, transition, channel), in the same transaction that marks the effect done. A
 * restart re-routes effects left pending; keys already queued are ignored, so nothing is sent
 * twice. Grouping: deliveries of one route group wait `groupWait` from the first one, then go
 * as one message per channel; later ones wait `groupInterval` after the last message.
 */
import type { Logger } from "pino";
import type { Monitor } from "../config/model.ts";
import type { EffectHandler } from "../engine/effects.ts";
import type { DeliveryRecord, OutboxRecord, Store } from "../store/types.ts";
import { type Channel, Deliverer, type DeliveryOptions } from "./delivery.ts";
import { labelsOf, renderEffect } from "./render.ts";
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

/** Alerting: the effect handler and the delivery loop. */
export class Alerting {
  readonly deliverer: Deliverer;
  private readonly groupDue = new Map<string, number>();
  private readonly lastSent = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private config: AlertingConfig,
    private readonly monitor: (id: string) => Monitor | undefined,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    delivery: DeliveryOptions = {},
  ) {
    this.deliverer = new Deliverer(store, config.channels, log, now, delivery);
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

  /** The deliveries an effect makes (none for a plain state change). */
  plan(record: OutboxRecord): DeliveryRecord[] {
    const m = this.monitor(record.monitorId);
    const n = renderEffect(record, m, { ...(this.config.publicUrl ? { publicUrl: this.config.publicUrl } : {}), ...(this.config.lovebeatPublicUrl ? { lovebeatPublicUrl: this.config.lovebeatPublicUrl } : {}) });
    if (!n) return [];
    const labels = labelsOf(m, record);
    const now = this.now();
    const rows: DeliveryRecord[] = [];
    const seen = new Set<string>();
    for (const r of this.routesFor(m, labels)) {
      const gk = groupKey(r, labels);
      for (const channel of r.channels) {
        const key = `${n.idempotencyKey}:${channel}`;
        if (seen.has(key)) continue;
        seen.add(key);
        rows.push({ key, channel, groupKey: gk, payload: { ...n, idempotencyKey: key }, notBefore: this.dueTime(`${channel}\u0000${gk}`, r, now) });
      }
    }
    return rows;
  }

  /** When a new member of a group may go: with the group's first member, or a group interval after its last message. */
  private dueTime(k: string, r: RouteMatch, now: number): number {
    const pending = this.groupDue.get(k);
    if (pending !== undefined && pending > now) return pending;
    const last = this.lastSent.get(k);
    const at = last !== undefined && now - last < r.groupIntervalMs ? last + r.groupIntervalMs : now + r.groupWaitMs;
    this.groupDue.set(k, at);
    this.lastSent.set(k, at);
    return at;
  }

  /** The effect handler the engine calls after each commit. */
  readonly handler: EffectHandler = async ({ id, record }) => {
    const rows = this.plan(record);
    await this.store.enqueueDeliveries(rows, [id], this.now());
    if (rows.length) {
      const soonest = Math.min(...rows.map((r) => r.notBefore)) - this.now();
      this.deliverer.kick(Math.max(0, soonest));
      this.log.debug({ monitor: record.monitorId, type: record.type, channels: rows.map((r) => r.channel) }, "notifications queued");
    }
  };

  /** Starts delivering. */
  start(): void {
    this.deliverer.start();
  }

  /** Stops delivering. */
  async stop(graceMs = 1000): Promise<void> {
    await this.deliverer.stop(graceMs);
  }
}
