/**
 * The HTTP application: health endpoints and the first read-only routes of `/api/v1`. Errors use
 * one JSON shape everywhere: `{ code, message, statusCode }`.
 */
import { type Static, Type } from "@sinclair/typebox";
import { maskSettings, SECRET_MASK } from "../alerting/secrets.ts";
import { CHECK_SCHEMAS, type CheckKind } from "../config/schema/checks.ts";
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import type { Logger } from "pino";
import type { HeartbeatsConfig } from "../config/model.ts";
import type { Engine } from "../engine/engine.ts";
import { heartbeatSlug, heartbeatUuid } from "../heartbeats/policy.ts";
import type { StatsdCounters } from "../heartbeats/statsd-server.ts";
import { type Access, accessHook } from "./access.ts";
import { defaultHeartbeatSettings, type PingCounters, pingCounters, pingRoutes } from "./ping-routes.ts";
import type { MonitorView, PeriodStats, Store, UptimePeriod } from "../store/types.ts";
import { UPTIME_PERIODS } from "../store/types.ts";

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
  /** More routes on their own scope (Lovebeat's API). */
  extraRoutes?: Array<(app: FastifyInstance) => Promise<void>>;
  /** Rewrites a request's URL before routing, from its URL and Host (status pages on their own domains). */
  rewriteUrl?: (url: string, host: string | undefined) => string;
}

/** The error shape of every route. */
export function sendError(reply: FastifyReply, statusCode: number, code: string, message: string): FastifyReply {
  return reply.code(statusCode).send({ code, message, statusCode });
}

const MonitorsQuery = Type.Object(
  {
    status: Type.Optional(Type.Union(["pending", "up", "degraded", "down", "paused", "maintenance"].map((s) => Type.Literal(s)))),
    group: Type.Optional(Type.String({ description: "Only monitors under this group path (`a/b`)." })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  },
  { additionalProperties: false },
);

const IncidentsQuery = Type.Object(
  {
    monitor: Type.Optional(Type.String()),
    open: Type.Optional(Type.Boolean()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    before: Type.Optional(Type.Integer({ minimum: 0, description: "Only incidents opened before this epoch-ms time (paging)." })),
  },
  { additionalProperties: false },
);

const emptyStats = (): PeriodStats => ({ checks: 0, failures: 0, degraded: 0, downtimeSec: 0, uptimePct: null, latencyAvgMs: null, latencyMinMs: null, latencyMaxMs: null });

function uptimeOf(u: Record<UptimePeriod, PeriodStats> | undefined): Record<UptimePeriod, PeriodStats> {
  return Object.fromEntries(UPTIME_PERIODS.map((p) => [p, u?.[p] ?? emptyStats()])) as Record<UptimePeriod, PeriodStats>;
}

function monitorJson(m: MonitorView, uptime: Record<UptimePeriod, PeriodStats> | undefined, full: boolean) {
  const out = {
    id: m.id,
    name: m.name,
    kind: m.kind,
    group: m.groupPath,
    source: m.source,
    readOnly: m.source !== "api",
    status: m.status,
    since: m.since ?? null,
    incident: m.incident ?? null,
    lastResult: m.lastResult ?? null,
    uptime: full ? uptimeOf(uptime) : Object.fromEntries(UPTIME_PERIODS.map((p) => [p, uptime?.[p]?.uptimePct ?? null])),
  };
  return full ? { ...out, definition: publicDefinition(m.kind, m.definition), createdAt: m.createdAt, updatedAt: m.updatedAt } : out;
}

/** A monitor's definition as the API shows it: request header values and a password in the URL masked. */
function publicDefinition(kind: string, definition: unknown): unknown {
  const d = definition as { check?: Record<string, unknown> } | null;
  if (!d?.check || !(kind in CHECK_SCHEMAS)) return definition;
  const check = maskSettings(CHECK_SCHEMAS[kind as CheckKind], d.check) as Record<string, unknown>;
  if (typeof check.url === "string") {
    try {
      const u = new URL(check.url);
      if (u.password) {
        u.password = SECRET_MASK;
        check.url = u.toString();
      }
    } catch {
      // Not a URL (a resolver or host name): shown as written.
    }
  }
  return { ...d, check };
}

/** Builds the application (not listening). */
export function buildApp(d: AppDeps): FastifyInstance {
  const now = d.now ?? Date.now;
  const rewrite = d.rewriteUrl;
  const rewriteUrl = rewrite ? (req: { url?: string; headers: { host?: string } }) => rewrite(req.url ?? "/", req.headers.host) : undefined;
  const app = Fastify({ logger: false, ajv: { customOptions: { coerceTypes: true, removeAdditional: false } }, rewriteUrl });
  app.setErrorHandler((err: { validation?: unknown; statusCode?: number; message: string }, _req, reply) => {
    if (err.validation) return sendError(reply, 400, "UPBEAT_BAD_REQUEST", err.message);
    if (err.statusCode && err.statusCode < 500) return sendError(reply, err.statusCode, "UPBEAT_BAD_REQUEST", err.message);
    d.log.error({ err: err.message }, "request failed");
    return sendError(reply, 500, "UPBEAT_INTERNAL", "internal error; see the server log");
  });
  app.addHook("onRequest", accessHook(d.access));
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

  app.get<{ Querystring: Static<typeof MonitorsQuery> }>("/api/v1/monitors", { schema: { querystring: MonitorsQuery } }, async (req) => {
    const { status, group, limit = 1000, offset = 0 } = req.query;
    const prefix = group?.split("/").filter(Boolean);
    const all = (await d.store.listMonitors()).filter((m) => (!status || m.status === status) && (!prefix || prefix.every((g, i) => m.groupPath[i] === g)));
    const page = all.slice(offset, offset + limit);
    const uptime = await d.store.uptime(now(), page.map((m) => m.id));
    return { total: all.length, offset, monitors: page.map((m) => monitorJson(m, uptime.get(m.id), false)) };
  });

  app.get<{ Params: { id: string } }>("/api/v1/monitors/*", async (req, reply) => {
    const id = decodeURIComponent((req.params as Record<string, string>)["*"] ?? "");
    const m = await d.store.getMonitor(id);
    if (!m) return sendError(reply, 404, "UPBEAT_MONITOR_NOT_FOUND", `no monitor "${id}"`);
    const [uptime, recent] = await Promise.all([d.store.uptime(now(), [id]), d.store.results(id, { limit: 20 })]);
    const out: Record<string, unknown> = { ...monitorJson(m, uptime.get(id), true), recentResults: recent };
    const live = d.engine()?.get(id);
    const hb = d.engine()?.heartbeats.view(id);
    if (hb && live?.monitor.kind === "heartbeat") {
      const c = live.monitor.check;
      out.heartbeat = { ...hb, uuid: heartbeatUuid(id, c.uuid), slug: heartbeatSlug(id, c.slug), ...(c.pushToken ? { pushToken: c.pushToken } : {}) };
      out.recentPings = await d.store.pings(id, { limit: 20 });
    }
    return { monitor: out };
  });

  app.get<{ Querystring: Static<typeof IncidentsQuery> }>("/api/v1/incidents", { schema: { querystring: IncidentsQuery } }, async (req) => {
    const { monitor, open, limit = 100, before } = req.query;
    const incidents = await d.store.incidents({ limit, ...(monitor !== undefined ? { monitorId: monitor } : {}), ...(open !== undefined ? { open } : {}), ...(before !== undefined ? { before } : {}) });
    return { incidents: incidents.map((i) => ({ ...i, open: i.resolvedAt === undefined })) };
  });
  void app.register(async (scope) => pingRoutes(scope, { engine: d.engine, settings: d.heartbeatSettings ?? defaultHeartbeatSettings, counters, now, log: d.log }));
  for (const routes of d.extraRoutes ?? []) void app.register(routes);
  return app;
}
