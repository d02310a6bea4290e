/**
 * `upbeat serve` (the default command): loads the configuration, opens the store, starts the
 * engine and the HTTP API, reloads on SIGHUP or file change, and stops cleanly on SIGTERM/SIGINT.
 */
import { tuneHeap } from "../lib/heap.ts";
import { existsSync, type FSWatcher, watch } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { Logger } from "pino";
import { alertingRoutes } from "../api/alerting-routes.ts";
import type { RouteOptions } from "fastify";
import { startAuth } from "../auth/auth.ts";
import { buildApp } from "../api/app.ts";
import { httpMonitoringRoutes } from "../api/http-monitoring-routes.ts";
import { HttpMonitoring } from "../api/http-monitoring/service.ts";
import { metricsRoutes } from "../api/metrics.ts";
import { pingCounters } from "../api/ping-routes.ts";
import { DEFAULT_HTTP_MONITORING } from "../config/http-monitoring.ts";
import { DEFAULT_METRICS } from "../config/metrics.ts";
import { UpbeatMetrics } from "../metrics/metrics.ts";
import { dashboardPlugin } from "../api/dashboard-routes.ts";
import { LiveEvents } from "../api/live-events.ts";
import { loadFiles } from "../config/load.ts";
import { DEFAULT_HEARTBEATS, type HeartbeatsConfig, type UpbeatConfig } from "../config/model.ts";
import { configDirOrder, type LovebeatConfigFile, loadLovebeatConfig } from "../heartbeats/lovebeat/config.ts";
import { lovebeatRoutes } from "../heartbeats/lovebeat/http-api.ts";
import { silenceRoutes } from "../api/silence-routes.ts";
import { statusPagesWiring } from "../api/status-wiring.ts";
import { type LovebeatRuntime, startLovebeat } from "../heartbeats/lovebeat/runtime.ts";
import { UPBEAT_VERSION } from "../lib/version.ts";
import { formatProblem, hasErrors } from "../config/problems.ts";
import { parseS3Url } from "../config/s3.ts";
import { Alerting, type AlertingConfig } from "../alerting/alerting.ts";
import { lovebeatAlertChannels, lovebeatChannels } from "../alerting/config.ts";
import { Digests } from "../alerting/digests.ts";
import { parseCupcakeEnv } from "../config/cupcake-env.ts";
import { type EffectHandler, logEffects } from "../engine/effects.ts";
import { type ApplySummary, Engine } from "../engine/engine.ts";
import { LiveConfig } from "../config/live-config.ts";
import { channelRoutes } from "../api/channel-routes.ts";
import { exportRoutes } from "../api/export-routes.ts";
import { maintenanceRoutes } from "../api/maintenance-routes.ts";
import { routingRoutes } from "../api/routing-routes.ts";
import { NOTIFIERS } from "../notifiers/registry.ts";
import { errorMessage } from "../lib/errors.ts";
import { createLogger } from "../lib/logger.ts";
import { PROBES } from "../probes/registry.ts";
import { defaultProbeThreads } from "../probes/pool.ts";
import { openConfiguredStore } from "./open-store.ts";

/** Settings of `upbeat serve`. */
export interface ServeOptions {
  /** Configuration files (none: an empty instance). */
  files: string[];
  /** `host:port` to listen on. */
  listen: string;
  /** Data directory. */
  dataDir: string;
  /** statsd (Lovebeat) address `host:port`, or `off`. */
  statsd?: string;
  /** Lovebeat config file (`-config`); `.toml`/`.cfg` files among `files` count too. */
  lovebeatConfig?: string;
  /** Lovebeat config directory (`-config-dir`): every file not starting with `.`, in name order. */
  lovebeatConfigDir?: string;
  /** Checks run at once at most (default: the engine's, from the open-file limit). */
  concurrency?: number;
  /** Worker threads that run the checks; 0: the main thread (default: `defaultProbeThreads()`). */
  probeThreads?: number;
}

/** What `serve` gets from the process (main owns signals and the environment). */
export interface ServeIo {
  /** Environment. */
  env: Readonly<Record<string, string | undefined>>;
  /** Standard output. */
  out: (s: string) => void;
  /** Standard error. */
  err: (s: string) => void;
  /** Aborted on SIGTERM/SIGINT. */
  signal: AbortSignal;
  /** Registers the reload handler (SIGHUP). */
  onReload?: (reload: () => void) => void;
  /** Sees every HTTP route as it is added (tests walk them). */
  onRoute?: (route: RouteOptions) => void;
}

/** Splits `host:port` (`[::1]:8080` for IPv6); a bare port means 127.0.0.1. */
export function parseListen(listen: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen) ?? /^()()(\d{1,5})$/.exec(listen);
  if (!m || Number(m[3]) > 65535) return undefined;
  return { host: m[1] || m[2] || "127.0.0.1", port: Number(m[3]) };
}

/** Reloads the configuration on request, one reload at a time; a bad file keeps the running config. */
function reloader(o: ServeOptions, io: ServeIo, log: Logger, initial: UpbeatConfig, apply: (c: UpbeatConfig) => Promise<ApplySummary>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let again = false;
  let current = initial;
  const once = async () => {
    const { config, problems } = await loadFiles(o.files, { env: io.env });
    if (hasErrors(problems)) {
      for (const p of problems) log.error({ problem: formatProblem(p) }, "configuration problem");
      log.error({ problems: problems.length }, "configuration refused; the running configuration is kept");
      return;
    }
    if (JSON.stringify(config.database) !== JSON.stringify(current.database)) log.warn("database settings changed; they take effect at the next start");
    const summary = await apply(config);
    current = config;
    log.info({ ...summary }, "configuration reloaded");
  };
  const reload = async (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = once()
      .catch((e: unknown) => log.error({ err: errorMessage(e) }, "reload failed; the running configuration is kept"))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          void reload();
        }
      });
    return running;
  };
  return reload;
}

/** Watches the config files' directories (editors replace files rather than write them). */
function watchFiles(files: string[], onChange: () => void): FSWatcher[] {
  const byDir = new Map<string, Set<string>>();
  for (const f of files.filter((f) => !parseS3Url(f))) {
    const abs = resolve(f);
    const set = byDir.get(dirname(abs)) ?? new Set();
    set.add(basename(abs));
    byDir.set(dirname(abs), set);
  }
  let timer: NodeJS.Timeout | undefined;
  const watchers: FSWatcher[] = [];
  for (const [dir, names] of byDir) {
    try {
      const w = watch(dir, (_event, name) => {
        if (name && !names.has(String(name))) return;
        clearTimeout(timer);
        timer = setTimeout(onChange, 300);
      });
      w.on("error", () => {});
      watchers.push(w);
    } catch {
      // A directory that cannot be watched still reloads on SIGHUP.
    }
  }
  return watchers;
}

/** Reads Lovebeat's config file and directory as Lovebeat does: missing ones are fine. */
export async function lovebeatFiles(o: Pick<ServeOptions, "files" | "lovebeatConfig" | "lovebeatConfigDir">): Promise<LovebeatConfigFile[]> {
  const out: LovebeatConfigFile[] = [];
  const read = async (file: string) => out.push({ file, text: await readFile(file, "utf8") });
  for (const f of [...(o.lovebeatConfig ? [o.lovebeatConfig] : []), ...o.files.filter(isLovebeatFile)]) if (existsSync(f)) await read(f);
  if (o.lovebeatConfigDir && existsSync(o.lovebeatConfigDir)) {
    for (const name of configDirOrder(await readdir(o.lovebeatConfigDir))) await read(join(o.lovebeatConfigDir, name));
  }
  return out;
}

/** Lovebeat's TOML files, told apart from native YAML/JSON by their extension. */
export const isLovebeatFile = (f: string): boolean => /\.(toml|cfg)$/i.test(f);

/** Runs until `signal` aborts; returns the exit code. */
export async function serveCommand(o: ServeOptions, io: ServeIo): Promise<number> {
  tuneHeap();
  const log = createLogger(io.env);
  const addr = parseListen(o.listen);
  if (!addr) {
    io.err(`upbeat: --listen "${o.listen}" is not host:port`);
    return 2;
  }
  const statsdAddr = o.statsd === undefined || o.statsd === "off" ? undefined : parseListen(o.statsd);
  if (o.statsd !== undefined && o.statsd !== "off" && !statsdAddr) {
    io.err(`upbeat: --statsd "${o.statsd}" is not host:port (or off)`);
    return 2;
  }
  const nativeFiles = o.files.filter((f) => !isLovebeatFile(f));
  const { config, problems } = await loadFiles(nativeFiles, { env: io.env });
  const lbFiles = await lovebeatFiles(o).catch((e: unknown) => {
    problems.push({ severity: "error", file: o.lovebeatConfig ?? o.lovebeatConfigDir ?? "", path: "", message: `cannot read: ${errorMessage(e)}` });
    return [];
  });
  const lovebeat = loadLovebeatConfig(lbFiles);
  problems.push(...lovebeat.problems);
  const lbChannels = lovebeatChannels(lovebeat.config, lbFiles[0]?.file ?? "lovebeat.cfg");
  for (const p of problems) io.err(formatProblem(p));
  if (hasErrors(problems)) return 2;
  const opened = await openConfiguredStore(config, o.dataDir, io.env, io.err, log);
  if (!opened) return 1;
  const { store, label: storeLabel } = opened;
  // Channels, routes and maintenance windows made through the API join the files' (checked as a whole).
  const { live: objects, problems: merged } = await LiveConfig.open(config, { store, registry: NOTIFIERS, extraChannels: lbChannels, log });
  for (const p of merged) io.err(formatProblem(p));
  if (hasErrors(merged)) {
    await store.close();
    return 2;
  }
  const resolved = objects.effective;
  const live: { engine?: Engine; alerting?: Alerting; lovebeat?: LovebeatRuntime; ready: boolean; heartbeats: Omit<HeartbeatsConfig, "file"> } = { ready: false, heartbeats: config.heartbeats ?? DEFAULT_HEARTBEATS };
  const now = Date.now;
  const lovebeatApi = { badName: 0 };
  const alertingLive: { current?: Alerting } = {};
  const auth = await startAuth({ store, env: io.env, err: io.err, log, settings: config.auth }).catch((e: unknown) => {
    io.err(`upbeat: cannot set up users: ${errorMessage(e)}`);
    return undefined;
  });
  if (!auth) {
    await store.close();
    return 1;
  }
  const status = statusPagesWiring({ store, engine: () => live.engine, settings: config.statusPages, log });
  // Metrics and http-monitoring's API: settings swapped on reload (base path and enabled of the latter only at start).
  const extras = { metrics: config.metrics ?? DEFAULT_METRICS, httpMonitoring: config.httpMonitoring ?? DEFAULT_HTTP_MONITORING };
  const pings = pingCounters();
  const metrics = new UpbeatMetrics({ store, engine: () => live.engine, pings, statsd: () => live.lovebeat?.statsd?.counters, deliveries: () => alertingLive.current?.deliverer.channelCounters });
  const httpMonitoring = new HttpMonitoring({ engine: () => live.engine, store, settings: () => extras.httpMonitoring, channels: () => alertingLive.current?.deliverer.currentChannels(), log });
  const app = buildApp({
    access: auth.access,
    setup: (a) => {
      if (io.onRoute) a.addHook("onRoute", io.onRoute);
      auth.setup(a);
    },
    rewriteUrl: status.rewriteUrl,
    store,
    engine: () => live.engine,
    ready: () => live.ready,
    log,
    heartbeatSettings: () => live.heartbeats,
    pingCounters: pings,
    statsd: () => live.lovebeat?.statsd?.counters,
    counters: () => ({ lovebeatApi }),
    channels: () => {
      const c = alertingLive.current?.deliverer.currentChannels();
      return c ? new Set(c.keys()) : undefined;
    },
    extraRoutes: [
      auth.routes,
      (scope) => lovebeatRoutes(scope, { hub: () => live.lovebeat?.hub, engine: () => live.engine, version: UPBEAT_VERSION, now, counters: lovebeatApi, log }),
      (scope) => silenceRoutes(scope, { alerting: () => live.alerting, now }),
      ...status.routes,
      (scope) => metricsRoutes(scope, { metrics, settings: () => extras.metrics }),
      (scope) => httpMonitoringRoutes(scope, { service: httpMonitoring, settings: () => extras.httpMonitoring }),
    ],
  });
  const objectDeps = { live: () => (live.ready ? objects : undefined), registry: NOTIFIERS };
  void app.register((scope) => alertingRoutes(scope, { channels: () => alertingLive.current?.deliverer.currentChannels(), kick: () => alertingLive.current?.deliverer.kick(), store, log, now, objects: objectDeps }));
  void app.register((scope) => channelRoutes(scope, objectDeps));
  void app.register((scope) => routingRoutes(scope, objectDeps));
  void app.register((scope) => maintenanceRoutes(scope, { ...objectDeps, engine: () => live.engine }));
  void app.register((scope) => exportRoutes(scope, { ...objectDeps, engine: () => live.engine }));
  const liveEvents = new LiveEvents();
  void app.register((scope) => dashboardPlugin(scope, { store, engine: () => live.engine, events: liveEvents, now }));
  try {
    await app.listen({ host: addr.host, port: addr.port });
  } catch (e) {
    io.err(`upbeat: cannot listen on ${o.listen}: ${errorMessage(e)}`);
    await store.close();
    return 1;
  }
  const alertingOf = (a: AlertingConfig): AlertingConfig => ({ ...a, lovebeatPublicUrl: lovebeat.config.general.publicUrl, monitorChannels: (id) => (id.startsWith("lovebeat-alarm/") ? lovebeatAlertChannels(lovebeat.config, live.lovebeat?.hub.alarmAlerts(id.slice("lovebeat-alarm/".length)) ?? []) : undefined) });
  const alerting = new Alerting(store, alertingOf(resolved.alerting), (id) => live.engine?.get(id)?.monitor, log, Date.now, {}, (id) => live.engine?.get(id)?.state);
  alertingLive.current = alerting;
  const logged = logEffects(log);
  const effects: EffectHandler = async (e) => {
    await logged(e);
    await alerting.handler(e);
  };
  // The files are watched from before anything is sent or probed: an edit made while the rest
  // starts (right after Cupcake's first summary, say) is applied once running, not missed.
  // config.files also holds what the environment named (Cupcake's ALERT_DEFINITIONS_FILE).
  const fileChanges = { seen: false, handle: () => void (fileChanges.seen = true) };
  const watchers = watchFiles(config.files, () => fileChanges.handle());
  // Digests: Cupcake's summary goes before anything is probed, as Cupcake sent it; then the native ones on their schedules.
  const digests = new Digests({ store, log, kick: () => alerting.deliverer.kick(), cupcake: parseCupcakeEnv(io.env).value });
  await digests.start(resolved.config);
  const engine = await Engine.start(resolved.config, { store, probes: PROBES, probeThreads: o.probeThreads ?? defaultProbeThreads(), log, effects, ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}), reminders: (m) => alerting.reminderIntervalFor(m), ...(config.database ? { retention: config.database.retention } : {}) });
  digests.attach(engine);
  metrics.attach(engine);
  httpMonitoring.attach(engine);
  liveEvents.attach(engine);
  await alerting.start();
  live.alerting = alerting;
  live.engine = engine;
  try {
    live.lovebeat = await startLovebeat({ engine, config: lovebeat.config, configured: lbFiles.length > 0, ...(statsdAddr ? { statsd: statsdAddr } : {}), log });
  } catch (e) {
    io.err(`upbeat: cannot start the statsd listeners on ${o.statsd}: ${errorMessage(e)}`);
    for (const w of watchers) w.close();
    await Promise.all([app.close(), engine.stop(0), digests.stop()]);
    await store.close();
    return 1;
  }
  live.ready = true;
  objects.monitorsUsing = (channel) => engine.states().flatMap((s) => (engine.get(s.monitorId)?.monitor.settings.alerts.includes(channel) ? [s.monitorId] : []));
  objects.onChange((e) => {
    live.heartbeats = e.config.heartbeats ?? DEFAULT_HEARTBEATS;
    engine.setMaintenance(e.config.maintenance ?? []);
    if (hasErrors(e.problems)) for (const p of e.problems) log.error({ problem: formatProblem(p) }, "alerting configuration problem; the channels and routes in force are kept");
    else {
      alerting.setConfig(alertingOf(e.alerting));
      digests.setConfig(e.config);
      Object.assign(extras, { metrics: e.config.metrics ?? DEFAULT_METRICS, httpMonitoring: e.config.httpMonitoring ?? DEFAULT_HTTP_MONITORING });
    }
  });
  const reload = reloader({ ...o, files: nativeFiles }, io, log, config, async (c) => {
    let summary: ApplySummary | undefined;
    await objects.reload(c, async (e) => {
      summary = await engine.apply(e.config);
    });
    return summary as ApplySummary;
  });
  fileChanges.handle = () => void reload();
  if (fileChanges.seen) void reload();
  io.onReload?.(() => void reload());
  const bound = app.server.address();
  log.info({ listen: typeof bound === "object" && bound ? `${bound.address}:${bound.port}` : o.listen, statsd: live.lovebeat.statsd ? `${statsdAddr?.host}:${live.lovebeat.statsd.port}` : "off", monitors: config.monitors.length, concurrency: engine.stats().concurrency, probeThreads: engine.stats().probeThreads, files: o.files, store: storeLabel }, "upbeat serving");
  if (!io.signal.aborted) await new Promise((r) => io.signal.addEventListener("abort", r, { once: true }));
  log.info("upbeat stopping");
  live.ready = false;
  for (const w of watchers) w.close();
  await live.lovebeat.stop();
  httpMonitoring.stop();
  await Promise.all([app.close(), engine.stop(1200), digests.stop()]);
  await alerting.stop(500);
  await store.close();
  log.info("upbeat stopped");
  return 0;
}
