/**
 * Everything Lovebeat-shaped that runs inside `upbeat serve`: the hub, the statsd listeners, the
 * event log, own metrics, peer notify and Lovebeat's database file (read at first start, written
 * every `[database] interval` and at stop, so Lovebeat's tooling and a rollback keep working).
 */
import { existsSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import type { Logger } from "pino";
import type { Engine } from "../../engine/engine.ts";
import { errorMessage } from "../../lib/errors.ts";
import { startStatsd, type StatsdListeners } from "../statsd-server.ts";
import type { LovebeatConfig } from "./config.ts";
import { parseLovebeatDb, serializeLovebeatDb } from "./db-file.ts";
import { alarmAddedEvent, alarmRemovedEvent, alarmStateChangedEvent, EventLog, type LovebeatEvent, serviceAddedEvent, serviceRemovedEvent, serviceStateChangedEvent } from "./eventlog.ts";
import { type HubEvent, LovebeatHub } from "./hub.ts";
import { PeerNotifier } from "./peer-notify.ts";
import { serviceStateGauge, StatsdSink } from "./self-metrics.ts";

/** Options of the Lovebeat side of `serve`. */
export interface LovebeatRuntimeOptions {
  /** The running engine. */
  engine: Engine;
  /** Lovebeat's configuration (defaults when no file was given). */
  config: LovebeatConfig;
  /** Whether a Lovebeat config file was given (then its database file is read and written). */
  configured: boolean;
  /** statsd address, or undefined for none. */
  statsd?: { host: string; port: number };
  /** Log. */
  log: Logger;
  /** Clock. */
  now?: () => number;
}

/** The running Lovebeat side. */
export interface LovebeatRuntime {
  /** Services and alarms. */
  hub: LovebeatHub;
  /** The statsd listeners, when started. */
  statsd?: StatsdListeners;
  /** Resolves when every command received so far has been applied (new services are created asynchronously). */
  idle(): Promise<void>;
  /** Saves the database file (when configured) and stops everything. */
  stop(): Promise<void>;
}

/** The event-log line of a hub event. */
export function eventOf(e: HubEvent): LovebeatEvent {
  switch (e.type) {
    case "service_added":
      return serviceAddedEvent(e.ts, e.service);
    case "service_removed":
      return serviceRemovedEvent(e.ts, e.service);
    case "service_state_changed":
      return serviceStateChangedEvent(e.ts, e.service, e.previous, e.current);
    case "alarm_added":
      return alarmAddedEvent(e.ts, e.alarm);
    case "alarm_removed":
      return alarmRemovedEvent(e.ts, e.alarm);
    case "alarm_state_changed":
      return alarmStateChangedEvent(e.ts, e.alarm, e.previous, e.current);
  }
}

/** Reads Lovebeat's database file into the hub when Upbeat has no Lovebeat services yet (the first start after switching). */
export async function importLovebeatFile(hub: LovebeatHub, file: string, log: Logger): Promise<{ services: number; alarms: number } | undefined> {
  if (hub.services().length > 0 || !existsSync(file)) return undefined;
  const db = parseLovebeatDb(await readFile(file));
  for (const p of db.problems) log.warn({ file, problem: p }, "Lovebeat database problem");
  for (const a of db.alarms) await hub.restoreAlarm(a);
  for (const s of db.services) await hub.restoreService(s);
  hub.evaluateAlarms();
  log.info({ file, services: db.services.length, alarms: db.alarms.length }, "imported the Lovebeat database");
  return { services: db.services.length, alarms: db.alarms.length };
}

/** Starts the hub and whatever the Lovebeat config turns on. */
export async function startLovebeat(o: LovebeatRuntimeOptions): Promise<LovebeatRuntime> {
  const now = o.now ?? Date.now;
  const c = o.config;
  const hub = new LovebeatHub(o.engine, c.alarms, now);
  await hub.init();
  if (o.configured) await importLovebeatFile(hub, c.database.filename, o.log).catch((e: unknown) => o.log.error({ file: c.database.filename, err: errorMessage(e) }, "cannot read the Lovebeat database"));
  const stops: Array<() => Promise<void>> = [];

  if (c.eventlog.path) {
    const log = await EventLog.open(c.eventlog.path, c.eventlog.mode, { onError: (err) => o.log.warn({ err: err.message, path: c.eventlog.path }, "event log write failed") });
    hub.subscribe((e) => log.write(eventOf(e)));
    stops.push(() => log.close());
  }
  const metrics = c.metrics.server ? new StatsdSink({ server: c.metrics.server, prefix: c.metrics.prefix }) : undefined;
  if (metrics) {
    metrics.count("started.count");
    hub.subscribe((e) => {
      if (e.type === "service_state_changed") metrics.gauge(`service.state.${e.service.name}`, serviceStateGauge(e.current));
      if (e.type === "alarm_state_changed") metrics.gauge(`alarm.state.${e.alarm.name}`, serviceStateGauge(e.current));
    });
    const counts = setInterval(() => {
      metrics.gauge("service.count", hub.services().length);
      metrics.gauge("alarm.count", hub.alarms().length);
    }, 60_000);
    counts.unref();
    stops.push(async () => {
      clearInterval(counts);
      await metrics.close();
    });
  }
  const peers = c.notify.length ? new PeerNotifier({ peers: c.notify.map((n) => n.lovebeat), hostname: hostname(), onError: (err) => o.log.debug({ err: err.message }, "peer notify failed") }) : undefined;
  if (peers) {
    peers.start();
    stops.push(() => peers.stop());
  }
  const save = async () => {
    const started = now();
    const file = c.database.filename;
    try {
      await writeFile(`${file}.new`, serializeLovebeatDb({ services: hub.services(), alarms: hub.alarms() }), { mode: 0o640 });
      await rename(`${file}.new`, file);
      metrics?.count("db.save.count");
      metrics?.gauge("db.save.duration", now() - started);
      peers?.notify("save");
    } catch (e) {
      o.log.error({ file, err: errorMessage(e) }, "cannot write the Lovebeat database file");
    }
  };
  if (o.configured) {
    const timer = setInterval(() => void save(), Math.max(1, c.database.intervalSec) * 1000);
    timer.unref();
    stops.unshift(async () => {
      clearInterval(timer);
      await save();
    });
  }
  const inFlight = new Set<Promise<void>>();
  let statsd: StatsdListeners | undefined;
  if (o.statsd) {
    statsd = await startStatsd({
      ...o.statsd,
      log: o.log,
      // Only a test clock is handed on: with the real one the worker drops the beats Lovebeat would ignore.
      ...(o.now ? { now: o.now } : {}),
      onCommands: (commands) => {
        for (const cmd of commands) {
          const p = hub.command(cmd);
          if (!p) continue;
          const tracked = p.catch((e: unknown) => o.log.error({ service: cmd.service, err: errorMessage(e) }, "statsd command failed")).finally(() => inFlight.delete(tracked));
          inFlight.add(tracked);
        }
      },
    });
    const listeners = statsd;
    stops.unshift(() => listeners.close());
  }
  return {
    hub,
    ...(statsd ? { statsd } : {}),
    idle: async () => {
      while (inFlight.size) await Promise.all([...inFlight]);
    },
    stop: async () => {
      for (const s of stops) await s().catch((e: unknown) => o.log.error({ err: errorMessage(e) }, "Lovebeat shutdown step failed"));
    },
  };
}
