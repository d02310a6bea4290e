/** An Upbeat with http-monitoring's API over real HTTP: a real engine and SQLite store, routes on loopback. */
import type { Access } from "../../src/api/access.ts";
import { buildApp } from "../../src/api/app.ts";
import { httpMonitoringRoutes } from "../../src/api/http-monitoring-routes.ts";
import { HttpMonitoring } from "../../src/api/http-monitoring/service.ts";
import type { Channel } from "../../src/alerting/delivery.ts";
import { DEFAULT_HTTP_MONITORING, type HttpMonitoringConfig } from "../../src/config/http-monitoring.ts";
import type { Engine } from "../../src/engine/engine.ts";
import { NOTIFIERS } from "../../src/notifiers/registry.ts";
import type { Store } from "../../src/store/types.ts";
import { configOf, quietLog, startEngine } from "./engine.ts";

/** A running instance. */
export interface HmInstance {
  /** Base URL (`http://127.0.0.1:port`). */
  url: string;
  /** The engine. */
  engine: Engine;
  /** The service. */
  service: HttpMonitoring;
  /** Settings in force (tests change them in place). */
  settings: HttpMonitoringConfig;
  /** Channels (tests add e-mail channels). */
  channels: Map<string, Channel>;
  /** Stops app and engine (the store stays open). */
  stop(): Promise<void>;
}

/** Quick settings for tests: 1 s interval, 2 s timeout, 10 ms backoff. */
export const TEST_HM: HttpMonitoringConfig = { ...DEFAULT_HTTP_MONITORING, intervalMs: 1000, timeoutMs: 2000, backoffFactor: 0.01 };

/** An e-mail channel to a local SMTP server. */
export function emailChannel(name: string, port: number, to = "ops@example.test"): Channel {
  return { name, kind: "email", settings: { host: "127.0.0.1", port, from: "Upbeat <upbeat@example.test>", to }, notifier: NOTIFIERS.email as Channel["notifier"] };
}

/** Starts engine, service and app on `store`; `access` defaults to nobody logged in. */
export async function startHm(store: Store, over: Partial<HttpMonitoringConfig> = {}, access: Access = { resolve: async () => undefined }): Promise<HmInstance> {
  const settings: HttpMonitoringConfig = { ...TEST_HM, ...over };
  const channels = new Map<string, Channel>();
  const { engine } = await startEngine(configOf(""), store);
  const service = new HttpMonitoring({ engine: () => engine, store, settings: () => settings, channels: () => channels, log: quietLog });
  service.attach(engine);
  const app = buildApp({ access, store, engine: () => engine, ready: () => true, log: quietLog, extraRoutes: [(s) => httpMonitoringRoutes(s, { service, settings: () => settings })] });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const addr = app.server.address();
  return {
    url: `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`,
    engine,
    service,
    settings,
    channels,
    stop: async () => {
      service.stop();
      await app.close();
      await engine.stop(0);
    },
  };
}

/** A JSON request; returns status, parsed body and the raw text. */
export async function call(url: string, method = "GET", body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown>; text: string }> {
  const res = await fetch(url, { method, headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers }, ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {}, text };
}
