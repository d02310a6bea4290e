/**
 * Channels managed through the API: `POST /api/v1/channels`, `GET/PUT/DELETE
 * /api/v1/channels/:name` (the list, test messages and deliveries are in alerting-routes.ts).
 * The body is the channel as written in a config file (`{name, type, …settings}`). Secrets are
 * write-only: responses show them as `********`, and a PUT that sends `********` keeps the
 * stored value. Channels defined in files are read-only here. A `script` channel runs a program
 * on the Upbeat host, so only admins may make, change or delete one.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { NotifierRegistry } from "../alerting/config.ts";
import type { Channel } from "../alerting/delivery.ts";
import { maskSettings } from "../alerting/secrets.ts";
import type { LiveConfig, ObjectOrigin } from "../config/live-config.ts";
import { sendError } from "./app.ts";
import { answer, auditOf, authorOf, liveOr503, type NameParams, type ObjectRoutesDeps } from "./object-routes.ts";

/** What the channel routes need. */
export interface ChannelRoutesDeps extends ObjectRoutesDeps {
  /** Channel types. */
  registry: NotifierRegistry;
}

/** A channel as the API shows it: settings in force and the entry as written, both with secrets masked; where it is defined. */
export function channelJson(c: Channel | undefined, origin: ObjectOrigin | undefined, written: Record<string, unknown> | undefined, registry: NotifierRegistry) {
  const type = c?.kind ?? String(written?.type ?? "");
  const schema = c?.notifier.schema ?? registry[type]?.schema;
  const { name: _n, type: _t, ...raw } = written ?? {};
  const mask = (v: unknown) => (schema ? maskSettings(schema, v) : v);
  return {
    name: c?.name ?? String(written?.name ?? ""),
    type,
    settings: mask(c?.settings ?? raw),
    source: origin?.source ?? "unknown",
    readOnly: origin?.readOnly ?? true,
    active: c !== undefined,
    ...(written ? { spec: { name: written.name, type: written.type, ...(mask(raw) as object) } } : {}),
    ...auditOf(origin?.object),
  };
}

/** The channel entry as written (file or API), if known. */
export function writtenChannel(live: LiveConfig | undefined, name: string): Record<string, unknown> | undefined {
  const origin = live?.origin("channel", name);
  if (origin?.object) return origin.object.spec;
  const c = live?.effective.config.channels?.find((x) => x.name === name) ?? live?.extraChannels.find((x) => x.name === name);
  return c ? { name: c.name, type: c.type, ...c.settings } : undefined;
}

/** One channel by name, as the API shows it. */
export function channelView(d: ChannelRoutesDeps, name: string) {
  const live = d.live();
  const c = live?.effective.alerting.channels.get(name);
  const origin = live?.origin("channel", name);
  const written = writtenChannel(live, name);
  if (!c && !written) return undefined;
  return channelJson(c, origin ?? (c ? { source: "unknown", readOnly: true, active: true } : undefined), written, d.registry);
}

/** A script channel runs a program on this host: only admins may touch one. */
function scriptRefusal(req: FastifyRequest, reply: FastifyReply, live: LiveConfig, name: string | undefined): FastifyReply | undefined {
  const given = (req.body as { type?: unknown } | null)?.type;
  const stored = name ? live.origin("channel", name)?.object?.spec.type : undefined;
  if ((given === "script" || stored === "script") && req.principal?.role !== "admin") {
    return sendError(reply, 403, "UPBEAT_FORBIDDEN", "script channels run programs on the Upbeat host; only an admin may make, change or delete one");
  }
  return undefined;
}

/** Registers the routes. */
export async function channelRoutes(app: FastifyInstance, d: ChannelRoutesDeps): Promise<void> {
  app.get<NameParams>("/api/v1/channels/:name", async (req, reply) => {
    const view = channelView(d, req.params.name);
    if (!view) return sendError(reply, 404, "UPBEAT_CHANNEL_NOT_FOUND", `no channel "${req.params.name}"`);
    return { channel: view };
  });

  app.post("/api/v1/channels", async (req, reply) => {
    const live = liveOr503(d, reply);
    if (!live || scriptRefusal(req, reply, live, undefined)) return reply;
    return answer(reply, async () => {
      const { object } = await live.put("channel", undefined, req.body, authorOf(req), true);
      return reply.code(201).send({ channel: channelView(d, object.name) });
    });
  });

  app.put<NameParams>("/api/v1/channels/:name", async (req, reply) => {
    const live = liveOr503(d, reply);
    if (!live || scriptRefusal(req, reply, live, req.params.name)) return reply;
    return answer(reply, async () => {
      const { object, created } = await live.put("channel", req.params.name, req.body, authorOf(req), false);
      return reply.code(created ? 201 : 200).send({ channel: channelView(d, object.name) });
    });
  });

  app.delete<NameParams>("/api/v1/channels/:name", async (req, reply) => {
    const live = liveOr503(d, reply);
    if (!live || scriptRefusal(req, reply, live, req.params.name)) return reply;
    return answer(reply, async () => {
      if (!(await live.remove("channel", req.params.name))) return sendError(reply, 404, "UPBEAT_CHANNEL_NOT_FOUND", `no channel "${req.params.name}" made through the API`);
      return reply.code(204).send();
    });
  });
}
