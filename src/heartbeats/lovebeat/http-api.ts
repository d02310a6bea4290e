/**
 * Lovebeat's HTTP API (compat §2.5), on Upbeat's HTTP port: routes, parsing, status codes and
 * JSON layout exactly as Lovebeat's clients expect them.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import type { Engine } from "../../engine/engine.ts";
import type { LovebeatHub } from "./hub.ts";
import { alarmJson, alarmsJson, EMPTY_REPLY, serviceJson, servicesJson, statusJson, statusText, versionJson, versionText } from "./json.ts";
import { isLovebeatServiceName, TIMEOUT_AUTO } from "./model.ts";

/** What the routes need. */
export interface LovebeatApiDeps {
  /** The hub, once started. */
  hub: () => LovebeatHub | undefined;
  /** The engine, for waiting on durable writes. */
  engine: () => Engine | undefined;
  /** Version reported by `/version`. */
  version: string;
  /** Clock. */
  now: () => number;
  /** Requests refused for a name Lovebeat does not accept (`[a-z0-9._-]+`), counted for `/readyz`. */
  counters?: { badName: number };
  /** Refusals are logged here at debug level. */
  log?: Logger;
}

/** Go's `http.NotFound`. */
function goNotFound(reply: FastifyReply): FastifyReply {
  return reply.code(404).header("content-type", "text/plain; charset=utf-8").header("x-content-type-options", "nosniff").send("404 page not found\n");
}

/** A JSON body with Lovebeat's exact `Content-Type` (a Buffer, so no charset is added). */
function json(reply: FastifyReply, body: string): FastifyReply {
  return reply.code(200).header("content-type", "application/json").send(Buffer.from(body));
}

/** Go's `strconv.Atoi`: a whole decimal integer or nothing (then 0). */
function atoi(s: string): number {
  return /^[+-]?\d{1,18}$/.test(s) ? Number(s) : 0;
}

/** `?timeout=` and form `timeout`: `auto` → -2, else atoi × 1000 (so `-1` → -1000, junk → 0). */
export function formTimeoutMs(v: string): number {
  return v === "auto" ? TIMEOUT_AUTO : atoi(v) * 1000;
}

/** JSON `timeout`: > 0 is seconds, 0 and negatives kept. */
function jsonTimeoutMs(v: number): number {
  return v > 0 ? v * 1000 : v;
}

/** What a POST to a service asks for (compat §2.5 "POST parsing"). */
export function parseServicePost(contentType: string | undefined, body: Buffer, query: URLSearchParams): { beat: boolean; timeoutMs?: number } {
  if (contentType === "application/json") {
    try {
      const v = JSON.parse(body.toString("utf8")) as unknown;
      if (v === null || typeof v !== "object" || Array.isArray(v)) return { beat: false };
      const o = v as { timeout?: unknown; beat?: unknown };
      if (o.timeout !== undefined && o.timeout !== null && !Number.isSafeInteger(o.timeout)) return { beat: false };
      if (o.beat !== undefined && o.beat !== null && typeof o.beat !== "boolean") return { beat: false };
      const out: { beat: boolean; timeoutMs?: number } = { beat: o.beat !== false };
      if (typeof o.timeout === "number") out.timeoutMs = jsonTimeoutMs(o.timeout);
      return out;
    } catch {
      return { beat: false };
    }
  }
  // Go's FormValue: the urlencoded body first, then the query.
  const form = contentType?.split(";")[0]?.trim() === "application/x-www-form-urlencoded" ? new URLSearchParams(body.toString("utf8")) : new URLSearchParams();
  const t = form.get("timeout") ?? query.get("timeout");
  return t !== null && t !== "" ? { beat: true, timeoutMs: formTimeoutMs(t) } : { beat: true };
}

function statusReply(req: FastifyRequest, reply: FastifyReply, c: { ok: number; error: number }): FastifyReply {
  if (req.headers.accept === "application/json") return json(reply, statusJson(c.ok, c.error));
  return reply.code(200).header("content-type", "text/plain").send(statusText(c.ok, c.error));
}

/** Registers Lovebeat's routes on their own scope (raw bodies). */
export async function lovebeatRoutes(app: FastifyInstance, d: LovebeatApiDeps): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));
  type Named = FastifyRequest<{ Params: { name: string } }>;
  // One check for every route with a name: Go's router had no route for a bad name, so a 404.
  app.addHook("preHandler", async (req, reply) => {
    const name = (req.params as { name?: string } | undefined)?.name;
    if (name === undefined || isLovebeatServiceName(name)) return;
    if (d.counters) d.counters.badName++;
    d.log?.debug({ name: name.slice(0, 100), method: req.method, remote: req.ip }, "Lovebeat request refused: bad service or alarm name");
    return goNotFound(reply);
  });
  const hubOr503 = (reply: FastifyReply) => {
    const hub = d.hub();
    if (!hub) void reply.code(503).header("content-type", "text/plain").send("starting\n");
    return hub;
  };
  const durable = async () => d.engine()?.writer.durable({ rowsOnly: true });

  const list = async (_req: FastifyRequest, reply: FastifyReply) => {
    const hub = hubOr503(reply);
    return hub && json(reply, servicesJson(hub.services(), d.now()));
  };
  app.get("/api/services", list);
  app.get("/api/services/", list);

  app.post("/api/services/:name", async (req: Named, reply) => {
    const name = req.params.name;
    const hub = hubOr503(reply);
    if (!hub) return reply;
    const url = new URL(req.url, "http://x");
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const p = parseServicePost(req.headers["content-type"], body, url.searchParams);
    // Any request for an unknown name creates the service, even one that sets nothing.
    await hub.ensure(name);
    if (p.timeoutMs !== undefined) hub.setTimeout(name, p.timeoutMs, true);
    if (p.beat) hub.beat(name, true);
    await durable();
    return json(reply, EMPTY_REPLY);
  });

  for (const action of ["mute", "unmute"] as const) {
    app.post(`/api/services/:name/${action}`, async (req: Named, reply) => {
      const name = req.params.name;
        const hub = hubOr503(reply);
      if (!hub) return reply;
      await hub.ensure(name);
      if (action === "mute") hub.mute(name);
      else hub.unmute(name);
      await durable();
      return json(reply, EMPTY_REPLY);
    });
  }

  app.get("/api/services/:name", async (req: Named, reply) => {
    const hub = hubOr503(reply);
    if (!hub) return reply;
    const s = hub.service(req.params.name);
    return s ? json(reply, serviceJson(s, d.now())) : goNotFound(reply);
  });

  app.delete("/api/services/:name", async (req: Named, reply) => {
    const hub = hubOr503(reply);
    if (!hub) return reply;
    await hub.remove(req.params.name);
    return json(reply, EMPTY_REPLY);
  });

  const alarms = async (_req: FastifyRequest, reply: FastifyReply) => {
    const hub = hubOr503(reply);
    return hub && json(reply, alarmsJson(hub.alarms(), d.now()));
  };
  app.get("/api/alarms", alarms);
  app.get("/api/alarms/", alarms);

  app.get("/api/alarms/:name", async (req: Named, reply) => {
    const hub = hubOr503(reply);
    if (!hub) return reply;
    const a = hub.alarm(req.params.name);
    return a ? json(reply, alarmJson(a, hub.alarmServices(req.params.name), d.now())) : goNotFound(reply);
  });

  app.delete("/api/alarms/:name", async (req: Named, reply) => {
    const hub = hubOr503(reply);
    if (!hub) return reply;
    await hub.removeAlarm(req.params.name);
    return json(reply, EMPTY_REPLY);
  });

  app.get("/api/alarms/:name/status", async (req: Named, reply) => {
    const hub = hubOr503(reply);
    return hub ? statusReply(req, reply, hub.status(req.params.name)) : reply;
  });

  app.get("/api/status", async (req, reply) => {
    const hub = hubOr503(reply);
    return hub ? statusReply(req, reply, hub.status()) : reply;
  });

  app.get("/version", async (req, reply) => {
    if (req.headers.accept === "application/json") return json(reply, versionJson(d.version));
    return reply.code(200).header("content-type", "text/plain").send(versionText(d.version));
  });
}
