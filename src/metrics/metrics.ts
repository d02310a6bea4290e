/**
 * Upbeat's Prometheus metrics, on a registry of its own (never prom-client's global one, so an
 * embedding process or a test keeps its own). Fixed-label series (probe phase histograms by kind,
 * scheduler lateness, counters) live in prom-client; the per-monitor families are written at
 * scrape time from the engine's state (monitor-families.ts). Units are base units: seconds, bytes.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Monitor } from "../config/model.ts";
import type { Observation, PhaseTimings } from "../core/types.ts";
import type { DeliveryCounters } from "../alerting/delivery.ts";
import type { Engine } from "../engine/engine.ts";
import type { PingCounters } from "../api/ping-routes.ts";
import type { StatsdCounters } from "../heartbeats/statsd-listen.ts";
import type { Store } from "../store/types.ts";
import { UPBEAT_VERSION } from "../lib/version.ts";
import { type LastSeen, MonitorFamilies } from "./monitor-families.ts";
import { DELIVERY_DEPTH_STATUSES, StoreCountsCache } from "./store-counts.ts";

/** Probe phases measured, in the order of a request. */
export const PROBE_PHASES = ["dns", "connect", "tls", "ttfb", "transfer", "total"] as const;
/** One of them. */
export type ProbePhaseName = (typeof PROBE_PHASES)[number];

const PHASE_FIELD: Record<ProbePhaseName, keyof PhaseTimings> = { dns: "dnsMs", connect: "connectMs", tls: "tlsMs", ttfb: "ttfbMs", transfer: "transferMs", total: "totalMs" };

/** Buckets of probe phases (s): 1 ms to 30 s. */
const PROBE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Buckets of scheduler lateness (s): 1 ms (on time) to 1 min (badly behind). */
const LATENESS_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60];

/** What the metrics read at scrape time. */
export interface MetricsDeps {
  /** The store (queue depths). */
  store: Store;
  /** The engine, once started. */
  engine: () => Engine | undefined;
  /** Ping counters of the HTTP check-in routes. */
  pings?: PingCounters;
  /** statsd listener counters, when listening. */
  statsd?: () => StatsdCounters | undefined;
  /** Per-channel delivery counters, once alerting runs. */
  deliveries?: () => ReadonlyMap<string, DeliveryCounters> | undefined;
  /** Epoch-ms clock. */
  now?: () => number;
  /** How long queue depths are cached (ms). */
  storeCacheMs?: number;
  /** Add prom-client's process and Node.js collectors (default true). */
  processMetrics?: boolean;
}

/** The metrics of one Upbeat process. */
export class UpbeatMetrics {
  /** Upbeat's own registry. */
  readonly registry = new Registry();
  private readonly last = new Map<string, LastSeen>();
  private readonly probe: Histogram<"kind" | "phase">;
  private readonly probeChildren = new Map<string, { observe(v: number): void }>();
  private readonly checks: Counter<"kind" | "health">;
  private readonly checkChildren = new Map<string, { inc(): void }>();
  private readonly lateness: Histogram;
  private readonly counts: StoreCountsCache;
  private readonly now: () => number;
  private attached: Engine | undefined;
  private readonly families = new MonitorFamilies();

  /** Registers every family on a fresh registry. */
  constructor(private readonly d: MetricsDeps) {
    this.now = d.now ?? Date.now;
    this.counts = new StoreCountsCache(d.store, d.storeCacheMs ?? 5000, this.now);
    const registers = [this.registry];
    if (d.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.probe = new Histogram({ name: "upbeat_probe_duration_seconds", help: "Duration of each phase of answered probes (up or degraded), by check kind.", labelNames: ["kind", "phase"], buckets: PROBE_BUCKETS, registers });
    this.checks = new Counter({ name: "upbeat_checks_total", help: "Observations taken (probe results and heartbeat verdicts), by check kind and health.", labelNames: ["kind", "health"], registers });
    this.lateness = new Histogram({ name: "upbeat_scheduler_lateness_seconds", help: "How late scheduled checks started after their due time.", buckets: LATENESS_BUCKETS, registers });
    new Gauge({ name: "upbeat_build_info", help: "Always 1; the running version as a label.", labelNames: ["version"], registers }).set({ version: UPBEAT_VERSION }, 1);
    this.engineGauges(registers);
    this.counterFamilies(registers);
  }

  /** Gauges read from the engine and the store at scrape time. */
  private engineGauges(registers: Registry[]): void {
    const engine = () => this.d.engine();
    new Gauge({ name: "upbeat_monitors", help: "Monitors running.", registers, collect() { this.set(engine()?.stats().monitors ?? 0); } });
    new Gauge({ name: "upbeat_incidents_open", help: "Monitors with an open incident.", registers, collect() { this.set(engine()?.states().filter((s) => s.incident).length ?? 0); } });
    new Gauge({ name: "upbeat_scheduler_running", help: "Checks running now.", registers, collect() { this.set(engine()?.stats().running ?? 0); } });
    new Gauge({ name: "upbeat_scheduler_concurrency", help: "Checks that may run at once (the concurrency cap).", registers, collect() { this.set(engine()?.stats().concurrency ?? 0); } });
    new Gauge({ name: "upbeat_scheduler_backlog", help: "Checks due and waiting for a free slot (the concurrency cap).", registers, collect() { this.set(engine()?.stats().backlog ?? 0); } });
    new Gauge({ name: "upbeat_store_pending_writes", help: "Results and state changes waiting to be written to the store.", registers, collect() { this.set(engine()?.writer.size ?? 0); } });
    const counts = this.counts;
    new Gauge({
      name: "upbeat_deliveries",
      help: "Notifications outstanding, by status: pending (to send or retry), held (a parent is down), dead (given up; can be retried from the API).",
      labelNames: ["status"],
      registers,
      async collect() {
        const c = await counts.get();
        this.reset();
        if (c) for (const s of DELIVERY_DEPTH_STATUSES) this.set({ status: s }, c.deliveries[s]);
      },
    });
    new Gauge({
      name: "upbeat_outbox_pending",
      help: "Committed effects (state changes, incidents) not yet routed to channels.",
      registers,
      async collect() {
        const c = await counts.get();
        this.reset();
        if (c) this.set(c.outboxPending);
      },
    });
  }

  /** Counters kept by other parts (pings, statsd, deliveries), read at scrape time. */
  private counterFamilies(registers: Registry[]): void {
    const { pings, statsd, deliveries } = this.d;
    if (pings) {
      new Counter({ name: "upbeat_pings_accepted_total", help: "HTTP check-ins (pings) stored.", registers, collect() { this.reset(); this.inc(pings.accepted); } });
      new Counter({ name: "upbeat_pings_rejected_total", help: "HTTP check-ins refused, by reason.", labelNames: ["reason"], registers, collect() { this.reset(); for (const [reason, n] of Object.entries(pings.rejected)) this.inc({ reason }, n); } });
    }
    if (statsd) {
      const at = (k: "datagrams" | "lines" | "coalesced") => function (this: Counter) { this.reset(); this.inc(statsd()?.[k] ?? 0); };
      new Counter({ name: "upbeat_statsd_datagrams_total", help: "statsd UDP datagrams received.", registers, collect: at("datagrams") });
      new Counter({ name: "upbeat_statsd_lines_total", help: "statsd lines accepted (UDP and TCP).", registers, collect: at("lines") });
      new Counter({ name: "upbeat_statsd_coalesced_total", help: "statsd beats folded into one less than a second before (as Lovebeat does).", registers, collect: at("coalesced") });
      new Counter({ name: "upbeat_statsd_rejected_total", help: "statsd input refused, by reason.", labelNames: ["reason"], registers, collect() { this.reset(); for (const [reason, n] of Object.entries(statsd()?.rejected ?? {})) this.inc({ reason }, n); } });
    }
    if (deliveries) {
      const per = (k: keyof DeliveryCounters) => function (this: Counter<"channel">) {
        this.reset();
        for (const [channel, c] of deliveries() ?? []) this.inc({ channel }, c[k]);
      };
      new Counter({ name: "upbeat_notifications_sent_total", help: "Notification messages delivered, by channel.", labelNames: ["channel"], registers, collect: per("sent") });
      new Counter({ name: "upbeat_notification_failures_total", help: "Delivery attempts that failed (each retry counts), by channel.", labelNames: ["channel"], registers, collect: per("failedAttempts") });
      new Counter({ name: "upbeat_notifications_dead_total", help: "Notifications given up after the last attempt, by channel.", labelNames: ["channel"], registers, collect: per("dead") });
    }
  }

  /** Starts listening to an engine's observations and lateness. */
  attach(engine: Engine): void {
    this.attached = engine;
    engine.onObservation((o, m) => this.observe(o, m));
    engine.lateness.onSample((ms) => this.lateness.observe(ms / 1000));
  }

  /** Takes one observation: phase histograms, the check counter, and the monitor's last values. */
  observe(o: Observation, m: Monitor): void {
    const ck = `${m.kind}\u0000${o.health}`;
    let c = this.checkChildren.get(ck);
    if (!c) this.checkChildren.set(ck, (c = this.checks.labels(m.kind, o.health)));
    c.inc();
    const t = o.timings;
    const certTo = o.facts?.cert?.validTo;
    if (!t && !certTo) return;
    let l = this.last.get(o.monitorId);
    if (!l) this.last.set(o.monitorId, (l = {}));
    if (t) l.durationSec = t.totalMs / 1000;
    if (certTo) {
      const ms = Date.parse(certTo);
      if (!Number.isNaN(ms)) l.certExpirySec = ms / 1000;
    }
    if (!t || o.health === "down") return;
    for (const phase of PROBE_PHASES) {
      const v = t[PHASE_FIELD[phase]];
      if (v === undefined) continue;
      const k = `${m.kind}\u0000${phase}`;
      let h = this.probeChildren.get(k);
      if (!h) this.probeChildren.set(k, (h = this.probe.labels(m.kind, phase)));
      h.observe(v / 1000);
    }
  }

  /** The whole exposition (Prometheus text format 0.0.4). */
  async render(): Promise<string> {
    const base = await this.registry.metrics();
    const engine = this.d.engine() ?? this.attached;
    return engine ? base + this.families.render(engine, this.last, this.now()) : base;
  }

  /** The content type of `render()`. */
  get contentType(): string {
    return this.registry.contentType;
  }
}
