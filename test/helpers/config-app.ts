/**
 * An app wired like `upbeat serve` for the configuration routes: files from YAML text, API objects
 * from a real store, a live configuration applied to a real engine and alerting, the channel,
 * route, maintenance, alerting and export routes, and a given role for everyone.
 */
import type { FastifyInstance } from "fastify";
import { Alerting } from "../../src/alerting/alerting.ts";
import { alertingRoutes } from "../../src/api/alerting-routes.ts";
import { openAccess, type Role } from "../../src/api/access.ts";
import { buildApp } from "../../src/api/app.ts";
import { channelRoutes } from "../../src/api/channel-routes.ts";
import { exportRoutes } from "../../src/api/export-routes.ts";
import { maintenanceRoutes } from "../../src/api/maintenance-routes.ts";
import { routingRoutes } from "../../src/api/routing-routes.ts";
import { LiveConfig } from "../../src/config/live-config.ts";
import type { UpbeatConfig } from "../../src/config/model.ts";
import { hasErrors } from "../../src/config/problems.ts";
import type { Engine } from "../../src/engine/engine.ts";
import { NOTIFIERS } from "../../src/notifiers/registry.ts";
import type { Store } from "../../src/store/types.ts";
import { quietLog, startEngine } from "./engine.ts";

/** A running app and what is behind it. */
export interface ConfigApp {
  /** The HTTP app (use `inject`). */
  app: FastifyInstance;
  /** The engine. */
  engine: Engine;
  /** Alerting (its delivery loop runs). */
  alerting: Alerting;
  /** The live configuration. */
  objects: LiveConfig;
  /** Stops everything but the store. */
  stop(): Promise<void>;
}

/** Starts the app on `store` with the files' configuration `files`; everyone is `role`. */
export async function startConfigApp(store: Store, files: UpbeatConfig, role: Role = "admin"): Promise<ConfigApp> {
  const { live: objects, problems } = await LiveConfig.open(files, { store, registry: NOTIFIERS, log: quietLog });
  if (hasErrors(problems)) throw new Error(`bad configuration: ${JSON.stringify(problems)}`);
  const holder: { engine?: Engine } = {};
  const alerting = new Alerting(store, objects.effective.alerting, (id) => holder.engine?.get(id)?.monitor, quietLog, Date.now, { pollMs: 20, timeoutMs: 3000 }, (id) => holder.engine?.get(id)?.state);
  const { engine } = await startEngine(objects.effective.config, store, { effects: alerting.handler });
  holder.engine = engine;
  await alerting.start();
  objects.monitorsUsing = (channel) => engine.states().flatMap((s) => (engine.get(s.monitorId)?.monitor.settings.alerts.includes(channel) ? [s.monitorId] : []));
  objects.onChange((e) => {
    engine.setMaintenance(e.config.maintenance ?? []);
    if (!hasErrors(e.problems)) alerting.setConfig(e.alerting);
  });
  const deps = { live: () => objects, registry: NOTIFIERS };
  const app = buildApp({
    access: openAccess(role, `${role}-user`),
    store,
    engine: () => engine,
    ready: () => true,
    log: quietLog,
    extraRoutes: [
      (s) => alertingRoutes(s, { channels: () => alerting.deliverer.currentChannels(), kick: () => alerting.deliverer.kick(), store, log: quietLog, testTimeoutMs: 3000, objects: deps }),
      (s) => channelRoutes(s, deps),
      (s) => routingRoutes(s, deps),
      (s) => maintenanceRoutes(s, { ...deps, engine: () => engine }),
      (s) => exportRoutes(s, { ...deps, engine: () => engine }),
    ],
  });
  await app.ready();
  return {
    app,
    engine,
    alerting,
    objects,
    stop: async () => {
      await app.close();
      await engine.stop(0);
      await alerting.stop(200);
    },
  };
}
