/**
 * Badges of public monitors: `/badge/<monitor id>/<status|uptime|latency>.svg` and the same values
 * as shields.io endpoint JSON at `/badge/<monitor id>/<status|uptime|latency>/shields.json`
 * (a monitor id with `/` is URL-encoded: `shop%2Fapi`). Query: `period` (24h, 7d, 30d, 90d),
 * `label`, `color`, `labelColor`, `style` (flat, flat-square). Only monitors shown on a page
 * without a password, or labelled `public=true`, have badges; any other id is 404 like an
 * unknown one, so private names do not leak. Cached like the pages.
 */
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { BADGE_STYLES, type BadgeStyle, type BadgeValue, COLOR_PATTERN, latencyBadge, renderBadge, shieldsJson, statusBadge, uptimeBadge } from "../status-pages/badges.ts";
import { sendEntry } from "../status-pages/cache.ts";
import type { StatusPages } from "../status-pages/service.ts";
import type { Store, UptimePeriod } from "../store/types.ts";
import { sendError } from "./app.ts";
import { statusErrorHandler } from "./status-errors.ts";

/** What the routes use. */
export interface BadgeRouteDeps {
  /** The status pages (which monitors are public; the cache). */
  pages: StatusPages;
  /** Uptime and latency per period. */
  store: Pick<Store, "uptime">;
  /** Log. */
  log: Logger;
}

const KINDS = ["status", "uptime", "latency"] as const;
type BadgeKind = (typeof KINDS)[number];
const PERIODS = ["24h", "7d", "30d", "90d"] as const;
const DEFAULT_PERIOD: Record<BadgeKind, UptimePeriod> = { status: "24h", uptime: "30d", latency: "24h" };

interface BadgeQuery {
  period?: (typeof PERIODS)[number];
  label?: string;
  color?: string;
  labelColor?: string;
  style?: BadgeStyle;
}

const enumOf = (values: readonly string[], description: string) => ({ type: "string", enum: [...values], description });
const Query = {
  type: "object",
  properties: {
    period: enumOf(PERIODS, "Period of uptime and latency (default 30d for uptime, 24h for latency)."),
    label: { type: "string", minLength: 1, maxLength: 100, description: "Left text." },
    color: { type: "string", pattern: COLOR_PATTERN, description: "Right colour: a shields.io name (brightgreen, red, …) or hex digits without #; default by value." },
    labelColor: { type: "string", pattern: COLOR_PATTERN, description: "Left colour (default grey)." },
    style: enumOf(BADGE_STYLES, "flat (default) or flat-square."),
  },
} as const;
const Params = (file: boolean) => ({
  type: "object",
  properties: { monitor: { type: "string", minLength: 1, description: "Monitor id (URL-encoded)." }, ...(file ? { file: enumOf(KINDS.map((k) => `${k}.svg`), "Which badge.") } : { kind: enumOf(KINDS, "Which value.") }) },
  required: ["monitor", file ? "file" : "kind"],
});

/** Registers the routes (in their own scope: rate limit and error handler stay here). */
export async function badgeRoutes(app: FastifyInstance, d: BadgeRouteDeps): Promise<void> {
  const sp = d.pages;
  const settings = sp.d.settings;
  app.setErrorHandler(statusErrorHandler(d.log));
  if (settings.rateLimit && !app.hasDecorator("rateLimit")) await app.register(rateLimit, { global: false });
  const config = settings.rateLimit ? { rateLimit: { max: settings.rateLimit.max, timeWindow: settings.rateLimit.windowMs } } : {};
  const ttlSec = Math.round(settings.cacheTtlMs / 1000);

  /** The badge's value, or undefined when the monitor has none to show. */
  const value = async (id: string, kind: BadgeKind, q: BadgeQuery): Promise<BadgeValue | undefined> => {
    const src = sp.monitors();
    const live = src?.get(id);
    if (!src || !live || !(await sp.badgeAllowed(id, src))) return undefined;
    const period = q.period ?? DEFAULT_PERIOD[kind];
    let v: Omit<BadgeValue, "label">;
    if (kind === "status") v = statusBadge(live.status);
    else {
      const stats = (await d.store.uptime(sp.now(), [id])).get(id)?.[period];
      v = kind === "uptime" ? uptimeBadge(stats?.uptimePct ?? null) : latencyBadge(stats?.latencyAvgMs ?? null);
    }
    const label = q.label ?? (kind === "status" ? "status" : `${kind} ${period}`);
    return { label, message: v.message, color: q.color ?? v.color };
  };

  const serve = async (req: FastifyRequest, reply: FastifyReply, id: string, kind: BadgeKind, format: "svg" | "json", q: BadgeQuery) => {
    if (!sp.monitors()) return sendError(reply, 503, "UPBEAT_NOT_READY", "starting; try again in a moment");
    const variant = [id, kind, format, q.period ?? "", q.label ?? "", q.color ?? "", q.labelColor ?? "", q.style ?? ""].join("\u0001");
    const e = await sp.cache.get("badge", variant, async () => {
      const v = await value(id, kind, q);
      if (!v) return { body: JSON.stringify({ code: "UPBEAT_NOT_FOUND", message: `no public monitor "${id}"`, statusCode: 404 }), type: "application/json; charset=utf-8", status: 404 };
      const body = format === "svg" ? renderBadge(v, q.style, q.labelColor) : JSON.stringify(shieldsJson(v));
      return { body, type: format === "svg" ? "image/svg+xml; charset=utf-8" : "application/json; charset=utf-8", monitors: new Set([id]) };
    });
    reply.header("x-content-type-options", "nosniff");
    if (format === "svg") reply.header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'");
    return sendEntry(req, reply, e, e.status === 200 && ttlSec > 0 ? `public, max-age=${ttlSec}` : "no-cache");
  };

  app.get<{ Params: { monitor: string; file: `${BadgeKind}.svg` }; Querystring: BadgeQuery }>(
    "/badge/:monitor/:file",
    { schema: { tags: ["badges"], summary: "SVG badge of a public monitor: status, uptime % or mean latency", params: Params(true), querystring: Query }, config },
    async (req, reply) => serve(req, reply, req.params.monitor, req.params.file.slice(0, -4) as BadgeKind, "svg", req.query),
  );

  app.get<{ Params: { monitor: string; kind: BadgeKind }; Querystring: BadgeQuery }>(
    "/badge/:monitor/:kind/shields.json",
    { schema: { tags: ["badges"], summary: "The same value in shields.io's endpoint format ({schemaVersion, label, message, color})", params: Params(false), querystring: Query }, config },
    async (req, reply) => serve(req, reply, req.params.monitor, req.params.kind, "json", req.query),
  );
}
