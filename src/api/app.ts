/**
 * The HTTP application: health endpoints, `/api/v1` (with its OpenAPI document) and the
 * compatible APIs. Errors use one JSON shape everywhere: `{ code, message, statusCode }`.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type RouteOptions } from "fastify";
import type { Logger } from "pino";
import type { HeartbeatsConfig } from "../config/model.ts";
import type { Engine } from "../engine/engine.ts";
import type { StatsdCounters } from "../heartbeats/statsd-server.ts";
import { type Access, accessHook } from "./access.ts";
import { defaultHeartbeatSettings, type PingCounters, pingCounters, pingRoutes } from "./ping-routes.ts";
import type { Store } from "../store/types.ts";
import { historyRoutes } from "./history-routes.ts";
import { incidentRoutes } from "./incident-routes.ts";
import { monitorRoutes } from "./monitor-routes.ts";
import type { MonitorRoutesDeps } from "./monitor-views.ts";
import { registerOpenApi } from "./openapi.ts";

/** What the routes read from. */
export interface AppDeps {
  /** The store. */
  store: Store;
  /** The engine (absent while starting). */
  engine: () => Engine | undefined;
  /** Whether the instance takes traffic (false while starting or stopping). */
  ready: () => boolean;
  /** Logger for request errors. */
  log: Logger;
  /** Who is calling (see access.ts). */
  access: Access;
  /** Epoch-ms clock. */
  now?: () => number;
  /** Heartbeat endpoint settings in force (default: built-in). */
  heartbeatSettings?: () => Omit<HeartbeatsConfig, "file">;
  /** Ping counters (for metrics). */
  pingCounters?: PingCounters;
  /** statsd listener counters, when listening. */
  statsd?: () => StatsdCounters | undefined;
  /** More counters shown by `/readyz` (Lovebeat API refusals). */
  counters?: () => Record<string, unknown>;
  /** Channel names in force, to check the `alerts` of monitors created over the API. */
  channels?: () => ReadonlySet<string> | undefined;
  /** Called for every route as it is registered (tests list them). */
  onRoute?: (route: RouteOptions) => void;
  /** More routes on their own scope (Lovebeat's API). */
  extraRoutes?: Array<(app: FastifyInstance) => Promise<void>>;
  /** Runs first on the new app, before any route: plugins that must see every route (rate limits). */
  setup?: (app: FastifyInstance) => void;
  /** Rewrites a request's URL before routing, from its URL and Host (status pages on their own domains). */
  rewriteUrl?: (url: string, host: string | undefined) => string;
}

/** The error shape of every route. */
export function sendError(reply: FastifyReply, statusCode: number, code: string, message: string): FastifyReply {
  return reply.code(statusCode).send({ code, message, statusCode });
}

/** Builds the application (not listening). */
export function buildApp(d: AppDeps): FastifyInstance {
  const now = d.now ?? Date.now;
  const rewrite = d.rewriteUrl;
  const rewriteUrl = rewrite ? (req: { url?: string; headers: { host?: string } }) => rewrite(req.url ?? "/", req.headers.host) : undefined;
  const app = Fastify({ logger: false, ajv: { customOptions: { coerceTypes: true, removeAdditional: false } }, rewriteUrl });
  d.setup?.(app);
  if (d.onRoute) app.addHook("onRoute", d.onRoute);
  app.setErrorHandler((err: { validation?: unknown; statusCode?: number; code?: unknown; message: string }, _req, reply) => {
    if (err.validation) return sendError(reply, 400, "UPBEAT_BAD_REQUEST", err.message);
    // Upbeat's own errors thrown from hooks (rate limits) keep their code.
    const code = typeof err.code === "string" && err.code.startsWith("UPBEAT_") ? err.code : "UPBEAT_BAD_REQUEST";
    if (err.statusCode && err.statusCode < 500) return sendError(reply, err.statusCode, code, err.message);
    d.log.error({ err: err.message }, "request failed");
    return sendError(reply, 500, "UPBEAT_INTERNAL", "internal error; see the server log");
  });
  app.addHook("onRequest", accessHook(d.access));
  // First of all routes: @fastify/swagger sees only the routes registered after it.
  registerOpenApi(app);
  app.setNotFoundHandler((req, reply) => sendError(reply, 404, "UPBEAT_NOT_FOUND", `no route ${req.method} ${req.url.split("?")[0]}`));

  app.get("/healthz", async () => {
    const e = d.engine();
    return { status: "ok", monitors: e?.stats().monitors ?? 0 };
  });
  const counters = d.pingCounters ?? pingCounters();
  app.get("/readyz", async (_req, reply) => {
    const e = d.engine();
    if (!d.ready() || !e) return sendError(reply, 503, "UPBEAT_NOT_READY", "starting or stopping");
    const s = e.stats();
    return { status: "ready", monitors: s.monitors, deadlines: s.deadlines, checks: s.checks, running: s.running, backlog: s.backlog, pendingWrites: s.pendingWrites, lateness: s.lateness, pings: counters, statsd: d.statsd?.() ?? null, ...(d.counters?.() ?? {}) };
  });

  const monitors: MonitorRoutesDeps = { store: d.store, engine: d.engine, now, ...(d.channels ? { channels: d.channels } : {}) };
  void app.register(async (api) => {
    await monitorRoutes(api, monitors);
    await historyRoutes(api, monitors);
    await incidentRoutes(api, monitors);
  });
  void app.register(async (scope) => pingRoutes(scope, { engine: d.engine, settings: d.heartbeatSettings ?? defaultHeartbeatSettings, counters, now, log: d.log }));
  for (const routes of d.extraRoutes ?? []) void app.register(routes);
  return app;
}
