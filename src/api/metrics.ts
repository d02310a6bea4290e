/**
 * `GET /metrics`: Prometheus text format. Public unless `metrics.token` is set (then it needs
 * `Authorization: Bearer <token>`), never rate limited (a scraper every few seconds is expected),
 * 404 when `metrics.enabled` is false. Settings are read per request, so a reload applies them.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { MetricsConfig } from "../config/metrics.ts";
import type { UpbeatMetrics } from "../metrics/metrics.ts";
import { sendError } from "./app.ts";

/** What the route needs. */
export interface MetricsRouteDeps {
  /** The metrics. */
  metrics: UpbeatMetrics;
  /** Settings in force. */
  settings: () => Omit<MetricsConfig, "file">;
}

const digest = (s: string): Buffer => createHash("sha256").update(s).digest();

/** Whether an Authorization header carries the token (compared in constant time). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return !!m && timingSafeEqual(digest(m[1] as string), digest(token));
}

/** Registers `/metrics`. */
export async function metricsRoutes(app: FastifyInstance, d: MetricsRouteDeps): Promise<void> {
  app.get("/metrics", { config: { access: "public", rateLimit: false } }, async (req, reply) => {
    const s = d.settings();
    if (!s.enabled) return sendError(reply, 404, "UPBEAT_NOT_FOUND", "metrics are turned off (metrics.enabled: false)");
    if (s.token && !bearerMatches(req.headers.authorization, s.token)) {
      void reply.header("www-authenticate", 'Bearer realm="upbeat metrics"');
      return sendError(reply, 401, "UPBEAT_METRICS_TOKEN", "send the metrics token: Authorization: Bearer <metrics.token>");
    }
    const body = await d.metrics.render();
    return reply.header("content-type", d.metrics.contentType).header("cache-control", "no-store").send(body);
  });
}
