/**
 * Check-in endpoints: Healthchecks-style `/ping/<uuid>[/start|/fail|/log|/<exit-code>]` and
 * `/ping/<ping-key>/<slug>[/…]` (GET, HEAD and POST all count; `?rid=`, `?create=1`), and Uptime
 * Kuma's `/api/push/<token>`. A ping is answered only after it is stored.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { DEFAULT_HEARTBEATS, type HeartbeatsConfig, type Monitor } from "../config/model.ts";
import { resolveSettings } from "../config/settings.ts";
import type { Ping } from "../core/heartbeat.ts";
import type { Engine } from "../engine/engine.ts";
import { type ParsedPing, parsePingPath, parsePushPath } from "../heartbeats/ping-path.ts";

/** Requests refused, by reason (exposed as metrics). */
export interface PingCounters {
  /** Pings stored. */
  accepted: number;
  /** Refused, by reason. */
  rejected: { malformed: number; notFound: number; forbidden: number; tooLarge: number; unavailable: number };
}

/** What the ping routes need. */
export interface PingRouteDeps {
  /** The engine, once started. */
  engine: () => Engine | undefined;
  /** Heartbeat settings in force. */
  settings: () => Omit<HeartbeatsConfig, "file">;
  /** Counters to update. */
  counters: PingCounters;
  /** Clock. */
  now: () => number;
  /** Refusals are logged here at debug level. */
  log?: Logger;
}

/** Largest request body read at all; the part kept is `bodyLimit`. */
export const PING_MAX_REQUEST_BYTES = 10 * 1024 * 1024;

/** Fresh counters. */
export function pingCounters(): PingCounters {
  return { accepted: 0, rejected: { malformed: 0, notFound: 0, forbidden: 0, tooLarge: 0, unavailable: 0 } };
}

function text(reply: FastifyReply, code: number, body: string): FastifyReply {
  return reply.code(code).header("content-type", "text/plain; charset=utf-8").header("access-control-allow-origin", "*").send(body);
}

function pingOf(p: ParsedPing, at: number, body: string): Ping {
  const rid = p.rid ? { rid: p.rid } : {};
  if (p.kind === "start" || p.kind === "log") return { type: p.kind, at, ...rid };
  if (p.kind === "success") return { type: "success", at, ...rid };
  const message = body.trim().split("\n").pop()?.slice(0, 200);
  return { type: "fail", at, ...rid, ...(p.exitCode !== undefined ? { exitCode: p.exitCode } : {}), ...(message ? { message } : {}) };
}

/** A heartbeat made by its first ping (`?create=1`), with the configured period and grace. */
function createdMonitor(slug: string, s: Omit<HeartbeatsConfig, "file">): Monitor {
  const check = { type: "heartbeat" as const, name: slug, slug, period: `${s.createdPeriodMs}ms`, grace: `${s.createdGraceMs}ms` };
  return { id: `hb/${slug}`, name: slug, kind: "heartbeat", check, groupPath: [], settings: resolveSettings({}), source: { format: "ping" } };
}

function bodyOf(req: FastifyRequest, limit: number): { body: string; bytes: number } {
  const raw = req.body;
  const buf = Buffer.isBuffer(raw) ? raw : typeof raw === "string" ? Buffer.from(raw) : Buffer.alloc(0);
  return { body: buf.subarray(0, limit).toString("utf8"), bytes: buf.length };
}

/** Registers the ping and push routes on their own scope (raw bodies, no JSON parsing). */
export async function pingRoutes(app: FastifyInstance, d: PingRouteDeps): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: PING_MAX_REQUEST_BYTES }, (_req, body, done) => done(null, body));
  const refuse = (reason: keyof PingCounters["rejected"], req: FastifyRequest, why?: string): void => {
    d.counters.rejected[reason]++;
    d.log?.debug({ reason, why, method: req.method, url: req.url.slice(0, 200), remote: req.ip }, "ping refused");
  };
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    refuse(err.statusCode === 413 ? "tooLarge" : "malformed", req, err.message);
    return text(reply, err.statusCode ?? 400, err.statusCode === 413 ? `request body over ${PING_MAX_REQUEST_BYTES} bytes\n` : `bad request: ${err.message}\n`);
  });

  const ping = async (req: FastifyRequest, reply: FastifyReply) => {
    const engine = d.engine();
    if (!engine) return (refuse("unavailable", req), text(reply, 503, "starting\n"));
    const url = new URL(req.url, "http://x");
    const p = parsePingPath(url.pathname, url.searchParams);
    if ("error" in p) return (refuse("malformed", req), text(reply, 400, `${p.error}\n`));
    const s = d.settings();
    let id: string | undefined;
    let created = false;
    if (p.target.by === "uuid") id = engine.heartbeats.find("uuid", p.target.uuid);
    else {
      if (s.pingKeys.length && !s.pingKeys.includes(p.target.pingKey)) return (refuse("forbidden", req), text(reply, 404, "not found\n"));
      id = engine.heartbeats.find("slug", p.target.slug);
      if (!id && p.create) {
        await engine.create(createdMonitor(p.target.slug, s));
        id = engine.heartbeats.find("slug", p.target.slug);
        created = id !== undefined;
      }
    }
    if (!id) return (refuse("notFound", req), text(reply, 404, "not found\n"));
    const { body, bytes } = bodyOf(req, s.bodyLimitBytes);
    const out = engine.heartbeats.ping(id, pingOf(p, d.now(), body), { ...(body ? { body } : {}), bodyBytes: bytes, remote: req.ip });
    if (!out.ok) return (refuse("notFound", req), text(reply, 404, "not found\n"));
    await engine.writer.durable({ rowsOnly: true });
    d.counters.accepted++;
    reply.header("ping-body-limit", String(s.bodyLimitBytes));
    return created ? text(reply, 201, "Created") : text(reply, 200, "OK");
  };
  for (const url of ["/ping/*"]) app.route({ method: ["GET", "HEAD", "POST"], url, handler: ping });

  app.route({
    method: ["GET", "POST"],
    url: "/api/push/*",
    handler: async (req, reply) => {
      const engine = d.engine();
      if (!engine) return (refuse("unavailable", req), reply.code(503).send({ ok: false, msg: "Upbeat is starting." }));
      const url = new URL(req.url, "http://x");
      const p = parsePushPath(url.pathname, url.searchParams);
      if ("error" in p) return (refuse("malformed", req), reply.code(400).send({ ok: false, msg: p.error }));
      const id = engine.heartbeats.find("token", p.token);
      const live = id ? engine.get(id) : undefined;
      if (!id || !live || live.state.status === "paused") return (refuse("notFound", req), reply.code(404).send({ ok: false, msg: "Monitor not found or not active." }));
      const at = d.now();
      const beat: Ping = p.status === "up" ? { type: "success", at, ...(p.pingMs !== undefined ? { latencyMs: p.pingMs } : {}) } : { type: "fail", at, message: p.msg ?? "push status down" };
      engine.heartbeats.ping(id, beat, { ...(p.msg ? { body: p.msg } : {}), bodyBytes: p.msg ? Buffer.byteLength(p.msg) : 0, remote: req.ip });
      await engine.writer.durable({ rowsOnly: true });
      d.counters.accepted++;
      return reply.send({ ok: true });
    },
  });
}

/** Settings when no file gives them. */
export const defaultHeartbeatSettings = (): Omit<HeartbeatsConfig, "file"> => ({ ...DEFAULT_HEARTBEATS });
