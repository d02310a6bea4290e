/**
 * http-monitoring's REST API (compat §5, seed 004) under a configurable base path:
 * `POST/GET {base}/status`, `POST/GET {base}/status/queue`, `GET {base}/emails`, answering in the
 * original's shapes (`{category, data, message}`, keys sorted as Flask sorts them). Refusals keep
 * that shape and add Upbeat's `code` and `statusCode`. Public unless `httpMonitoring.access` is
 * `authenticated`. One extension: `DELETE {base}/status?endpoint=<url>` removes a target.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { HttpMonitoringConfig } from "../config/http-monitoring.ts";
import { errorMessage } from "../lib/errors.ts";
import { type HttpMonitoring, TargetError, type Tracked } from "./http-monitoring/service.ts";
import { readTargets, seconds, statusData, targetId } from "./http-monitoring/targets.ts";

/** What the routes need. */
export interface HttpMonitoringRouteDeps {
  /** The targets. */
  service: HttpMonitoring;
  /** Settings in force (base path and `enabled` are read once, at registration). */
  settings: () => HttpMonitoringConfig;
}

const BODY_LIMIT_BYTES = 1024 * 1024;

/** An answer in the original's shape. */
function answer(reply: FastifyReply, statusCode: number, category: string, data: unknown, message: string): FastifyReply {
  return reply.code(statusCode).send({ category, data, message });
}

/** A refusal: the original's shape plus Upbeat's `code` and `statusCode`. */
function refuse(reply: FastifyReply, statusCode: number, code: string, message: string, category = "error"): FastifyReply {
  return reply.code(statusCode).send({ category, data: null, message, code, statusCode });
}

/** Enforces `access: authenticated`: reads need a viewer, writes and `/emails` (it sends mail) an editor with a read-write key. */
function accessCheck(settings: () => HttpMonitoringConfig) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (settings().access !== "authenticated") return;
    const p = req.principal;
    const write = req.method !== "GET" && req.method !== "HEAD" ? true : req.url.split("?")[0]?.endsWith("/emails") === true;
    if (!p) return void (await refuse(reply, 401, "UPBEAT_UNAUTHENTICATED", "log in or send an API key (Authorization: Bearer …); httpMonitoring.access is authenticated"));
    if (write && p.readOnly) return void (await refuse(reply, 403, "UPBEAT_READ_ONLY_KEY", "this API key is read-only"));
    if (write && p.role === "viewer") return void (await refuse(reply, 403, "UPBEAT_FORBIDDEN", "this needs the editor role; you are viewer"));
  };
}

/** Sends a `TargetError` (or any failure) as a refusal. */
function failed(reply: FastifyReply, e: unknown, category?: string): FastifyReply {
  if (e instanceof TargetError) return refuse(reply, e.statusCode, e.code, e.message, category);
  throw e;
}

function one(list: Tracked[], q: Record<string, string | undefined>): Tracked | undefined {
  if (q.endpoint !== undefined) return list.find((t) => t.target.endpoint === q.endpoint);
  if (q.title !== undefined) return list.find((t) => t.target.title === q.title);
  // The original watched one target: without a choice, the one submitted last (first in its request).
  const newest = Math.max(...list.map((t) => t.monitor.source.httpMonitoring?.submittedAt ?? 0));
  return list.find((t) => (t.monitor.source.httpMonitoring?.submittedAt ?? 0) === newest);
}

/** Registers the API on its own scope. */
export async function httpMonitoringRoutes(app: FastifyInstance, d: HttpMonitoringRouteDeps): Promise<void> {
  const s = d.settings();
  if (!s.enabled) return;
  const base = s.basePath === "/" ? "" : s.basePath;
  const svc = d.service;
  app.removeAllContentTypeParsers();
  // Old clients send JSON with or without the right content type.
  app.addContentTypeParser("*", { parseAs: "string", bodyLimit: BODY_LIMIT_BYTES }, (_req, body, done) => {
    const text = String(body);
    if (!text.trim()) return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      done(Object.assign(new Error(`the body is not JSON: ${errorMessage(e)}`), { statusCode: 400 }), undefined);
    }
  });
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    const code = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    if (code === 500) svc.log.error({ err: err.message }, "http-monitoring request failed");
    return refuse(reply, code, code === 500 ? "UPBEAT_INTERNAL" : "UPBEAT_BAD_REQUEST", code === 500 ? "internal error; see the server log" : err.message);
  });
  app.addHook("onRequest", accessCheck(d.settings));
  statusRoutes(app, base, d);
  queueRoutes(app, base, d);
  app.get(`${base}/emails`, async (_req, reply) => {
    try {
      const { outcomes } = await svc.sendDownEmails();
      const bad = outcomes.filter((o) => !o.sent);
      if (bad.length) return refuse(reply, 502, "UPBEAT_EMAIL_FAILED", `Failed to send the notifications: ${bad.map((o) => `${o.channel}: ${o.error ?? "not sent"}`).join("; ")}`, "email_sent_failed");
      return answer(reply, 200, "email_sent_success", null, "Success to send the notifications to related recipients");
    } catch (e) {
      return failed(reply, e, "email_sent_failed");
    }
  });
}

/** `POST`, `GET` and `DELETE {base}/status`. */
function statusRoutes(app: FastifyInstance, base: string, d: HttpMonitoringRouteDeps): void {
  const svc = d.service;
  app.post(`${base}/status`, async (req, reply) => {
    const read = readTargets(req.body, d.settings().expectedStatus);
    if ("problems" in read) return refuse(reply, 400, "UPBEAT_BAD_REQUEST", read.problems.map((p) => `${p.field} ${p.message}`).join("; "));
    try {
      const done = await svc.submit(read.targets);
      const data = { targets: done.map((t) => ({ endpoint: t.target.endpoint, expected_http_code: t.target.expected, monitor_id: t.monitor.id, title: t.target.title })) };
      return answer(reply, 201, "success", data, "Success create the targets");
    } catch (e) {
      return failed(reply, e);
    }
  });

  app.get<{ Querystring: Record<string, string | undefined> }>(`${base}/status`, async (req, reply) => {
    const q = req.query;
    if (q.all !== undefined && !["true", "false", "1", "0"].includes(q.all)) return refuse(reply, 400, "UPBEAT_BAD_REQUEST", "all must be true or false");
    try {
      const list = svc.targets();
      if (!list.length) return refuse(reply, 404, "UPBEAT_HTTP_MONITORING_NO_TARGET", "no target yet: POST {base}/status with {\"targets\": [...]}");
      if (q.all === "true" || q.all === "1") {
        const last = await svc.lastChecks(list.map((t) => t.monitor.id));
        return answer(reply, 200, "success", list.map((t) => statusData(t.target, last.get(t.monitor.id))), "Success get the response");
      }
      const t = one(list, q);
      if (!t) return refuse(reply, 404, "UPBEAT_HTTP_MONITORING_NO_TARGET", `no target with ${q.endpoint !== undefined ? `endpoint ${q.endpoint}` : `title ${q.title}`}`);
      const last = await svc.lastChecks([t.monitor.id]);
      return answer(reply, 200, "success", statusData(t.target, last.get(t.monitor.id)), "Success get the response");
    } catch (e) {
      return failed(reply, e);
    }
  });

  app.delete<{ Querystring: Record<string, string | undefined> }>(`${base}/status`, async (req, reply) => {
    const endpoint = req.query.endpoint;
    if (!endpoint) return refuse(reply, 400, "UPBEAT_BAD_REQUEST", "endpoint is required: DELETE {base}/status?endpoint=<url>");
    try {
      if (!(await svc.remove(targetId(endpoint)))) return refuse(reply, 404, "UPBEAT_HTTP_MONITORING_NO_TARGET", `no target with endpoint ${endpoint}`);
      return answer(reply, 200, "success", null, "Success delete the target");
    } catch (e) {
      return failed(reply, e);
    }
  });
}

/** `POST` and `GET {base}/status/queue`: the first-check queue's sizes and times. */
function queueRoutes(app: FastifyInstance, base: string, d: HttpMonitoringRouteDeps): void {
  const svc = d.service;
  app.post(`${base}/status/queue`, async (req, reply) => {
    const body = req.body as Record<string, unknown> | undefined;
    const problems: string[] = [];
    const size = (key: "worker_thread" | "queue_size", max: number, dflt: number): number => {
      const v = body?.[key] ?? 0;
      if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > max) problems.push(`${key} must be an integer from 0 (the default, ${dflt}) to ${max}`);
      return (v as number) || dflt;
    };
    if (!body || typeof body !== "object" || Array.isArray(body)) return refuse(reply, 400, "UPBEAT_BAD_REQUEST", 'the body must be a JSON object {"worker_thread": n, "queue_size": m}');
    const c = d.settings();
    const workers = size("worker_thread", 64, c.workerThreads);
    const capacity = size("queue_size", 10_000, c.queueSize);
    if (problems.length) return refuse(reply, 400, "UPBEAT_BAD_REQUEST", problems.join("; "));
    svc.queue.resize(workers, capacity);
    return answer(reply, 200, "success", { queue_size: capacity, worker_thread: workers }, "Success set the queue");
  });

  app.get(`${base}/status/queue`, async (_req, reply) => {
    const t = svc.queue.times();
    const data = { end_time: seconds(t.busy ? 0 : (t.endedAt ?? 0) / 1000), queue_status: t.busy, start_time: seconds((t.startedAt ?? 0) / 1000) };
    return answer(reply, 200, "success", data, "Success get the response");
  });
}
