/**
 * The whole alert path as its own process: heartbeat monitors loaded with `loadText`, channels and
 * routes from `resolveAlerting(config, NOTIFIERS)` (one `webhook` channel to the harness's receiver),
 * `Alerting` as `upbeat serve` builds it, its handler as the engine's effects, `Engine.start` with a
 * SQLite store. The harness flips a set of monitors (`flip`): every one gets
 * `engine.observe({ health, at })` with one `at`, in one tick. A thin tap around the handler notes
 * when each incident effect was handed over and when its deliveries were queued. `finish` stops the
 * engine and alerting and counts the deliveries and outbox rows in the file.
 * Args: JSON `AlertsRunConfig`.
 */
import BetterSqlite3 from "better-sqlite3";
import pino from "pino";
import { Alerting } from "../../src/alerting/alerting.ts";
import { resolveAlerting } from "../../src/alerting/config.ts";
import { loadText } from "../../src/config/load.ts";
import type { UpbeatConfig } from "../../src/config/model.ts";
import type { Health } from "../../src/core/types.ts";
import type { EffectHandler } from "../../src/engine/effects.ts";
import { Engine } from "../../src/engine/engine.ts";
import { NOTIFIERS } from "../../src/notifiers/registry.ts";
import { PROBES } from "../../src/probes/registry.ts";
import { openStore } from "../../src/store/open.ts";
import { boundLifetime, fail, fromParent, toParent } from "../lib/child-side.ts";
import type { Message } from "../lib/child.ts";
import { type RunningProfile, startProfile } from "../lib/cpu-profile.ts";
import { quantile } from "../lib/stats.ts";

/** How notifications reach the channel: each monitor's own `alerts` (one message each), or a route grouping by `group`. */
export type AlertsVariant = "own" | "routed";

/** What the alerts child is told (JSON in argv[2]). */
export interface AlertsRunConfig {
  /** Which way notifications are routed. */
  variant: AlertsVariant;
  /** Groups of measured monitors (`g00`, `g01`, …). */
  groups: number;
  /** Measured monitors per group. */
  perGroup: number;
  /** Warm-up monitors (group `warm`), flipped before the measured ones. */
  warm: number;
  /** The receiver's URL. */
  hookUrl: string;
  /** Route `groupWait` (routed variant). */
  groupWait: string;
  /** Route `groupInterval` (routed variant). */
  groupInterval: string;
  /** SQLite file (its directory is created). */
  dbFile: string;
  /** Lifetime cap of the process. */
  capMs: number;
  /** Profile from the first measured flip to `finish`. */
  profilePath?: string;
}

/** Engine-side times of one flip, ms after the observations' `at`. */
export interface FlipFigures {
  /** Incident effects handed to the effects handler. */
  handed: number;
  /** Flip → handler handed the incident effect (writer flush + commit): p50, max. */
  handedP50: number;
  /** Largest. */
  handedMax: number;
  /** Flip → its deliveries queued (committed): p50, max. */
  queuedP50: number;
  /** Largest. */
  queuedMax: number;
}

/** Measured monitor ids, `g00/m-000` …, and the warm-up ones, `warm/w-0` …. */
function monitorIds(cfg: Pick<AlertsRunConfig, "groups" | "perGroup" | "warm">): { measured: string[]; warm: string[] } {
  const gw = String(cfg.groups - 1).length;
  const mw = String(cfg.perGroup - 1).length;
  const measured: string[] = [];
  for (let g = 0; g < cfg.groups; g++) for (let i = 0; i < cfg.perGroup; i++) measured.push(`g${String(g).padStart(gw, "0")}/m-${String(i).padStart(mw, "0")}`);
  return { measured, warm: Array.from({ length: cfg.warm }, (_, i) => `warm/w-${String(i)}`) };
}

function configText(cfg: AlertsRunConfig, ids: { measured: string[]; warm: string[] }): string {
  const lines = [cfg.variant === "own" ? "defaults: { alerts: [hook] }" : "", "channels:", `  - { name: hook, type: webhook, url: "${cfg.hookUrl}" }`];
  if (cfg.variant === "routed") lines.push(`routes: { channels: [hook], groupBy: [group], groupWait: ${cfg.groupWait}, groupInterval: ${cfg.groupInterval} }`);
  lines.push("groups:");
  const byGroup = new Map<string, string[]>();
  for (const id of [...ids.warm, ...ids.measured]) {
    const [g, name] = id.split("/") as [string, string];
    byGroup.set(g, [...(byGroup.get(g) ?? []), name]);
  }
  for (const [g, names] of byGroup) {
    lines.push(`  - name: ${g}`, "    monitors:");
    for (const n of names) lines.push(`      - { name: ${n}, type: heartbeat, period: 1h, grace: 0s }`);
  }
  return lines.join("\n");
}

function load(text: string): UpbeatConfig {
  const { config, problems } = loadText("alerts.yaml", text, { env: {} });
  const errors = problems.filter((p) => p.severity === "error");
  if (errors.length) throw new Error(`bad bench config: ${JSON.stringify(errors.slice(0, 3))}`);
  return config;
}

/** When each monitor's incident effect of the current flip was handed over and queued. */
class FlipLedger {
  at = 0;
  readonly handedAt = new Map<string, number>();
  readonly queuedAt = new Map<string, number>();

  reset(at: number): void {
    this.at = at;
    this.handedAt.clear();
    this.queuedAt.clear();
  }

  figures(): FlipFigures {
    const rel = (m: Map<string, number>) => [...m.values()].map((t) => t - this.at);
    const handed = rel(this.handedAt);
    const queued = rel(this.queuedAt);
    return { handed: handed.length, handedP50: quantile(handed, 0.5), handedMax: handed.length ? Math.max(...handed) : Number.NaN, queuedP50: quantile(queued, 0.5), queuedMax: queued.length ? Math.max(...queued) : Number.NaN };
  }
}

function deliveryCounts(file: string): { deliveries: Record<string, number>; outboxPending: number } {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    const rows = db.prepare("SELECT status, count(*) AS n FROM deliveries GROUP BY status").all() as Array<{ status: string; n: number }>;
    const pending = (db.prepare("SELECT count(*) AS n FROM outbox WHERE status = 'pending'").get() as { n: number }).n;
    return { deliveries: Object.fromEntries(rows.map((r) => [r.status, r.n])), outboxPending: pending };
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? "{}") as AlertsRunConfig;
  boundLifetime(cfg.capMs);
  const ids = monitorIds(cfg);
  const config = load(configText(cfg, ids));
  const resolved = resolveAlerting(config, NOTIFIERS);
  if (resolved.problems.length) throw new Error(`bad bench alerting: ${JSON.stringify(resolved.problems.slice(0, 3))}`);
  const store = await openStore({ kind: "sqlite", file: cfg.dbFile });
  const log = pino({ level: "warn" });
  // Alerting reads monitors and states from the engine, which takes alerting's handler: built in that order, as in `upbeat serve`.
  const live: { engine?: Engine } = {};
  const alerting = new Alerting(store, resolved.alerting, (id) => live.engine?.get(id)?.monitor, log, Date.now, {}, (id) => live.engine?.get(id)?.state);
  const ledger = new FlipLedger();
  const effects: EffectHandler = async (e) => {
    const watched = e.record.type === "incident.opened" || e.record.type === "incident.resolved";
    if (watched) ledger.handedAt.set(e.record.monitorId, Date.now());
    await alerting.handler(e);
    if (watched) ledger.queuedAt.set(e.record.monitorId, Date.now());
  };
  const running = await Engine.start(config, { store, probes: PROBES, log, effects, reminders: (m) => alerting.reminderIntervalFor(m) });
  live.engine = running;
  await alerting.start();
  const flip = (set: string[], health: Health) => {
    const at = Date.now();
    ledger.reset(at);
    for (const monitorId of set) running.observe({ monitorId, at, health, source: "heartbeat", region: "local", reason: health === "down" ? "bench: the job stopped checking in" : "bench: checked in" });
    return at;
  };
  // Every monitor up first (pending → up: a state change, no incident, no notification).
  flip([...ids.warm, ...ids.measured], "up");
  await running.writer.durable();
  await running.effects.drain();
  let profile: RunningProfile | undefined;
  const onMessage = async (m: Message) => {
    if (m.type === "flip") {
      const set = m.set === "warm" ? ids.warm : ids.measured;
      if (cfg.profilePath && m.set === "measured" && !profile) profile = await startProfile(cfg.profilePath, { threads: true });
      const at = flip(set, m.health as Health);
      toParent({ type: "flipped", at, count: set.length });
    } else if (m.type === "flip-figures") toParent({ type: "flip-figures", ...ledger.figures(), sent: alerting.deliverer.counters.sent });
  };
  const listener = (m: Message) => void onMessage(m).catch(fail);
  process.on("message", listener);
  const finishing = fromParent("finish");
  toParent({ type: "ready", monitors: config.monitors.length, measured: ids.measured });
  await finishing;
  process.off("message", listener);
  await profile?.stop();
  await running.stop();
  await alerting.stop();
  const counters = { ...alerting.deliverer.counters };
  await store.close();
  toParent({ type: "finished", counters, ...deliveryCounts(cfg.dbFile) });
}

main().catch(fail);
