/**
 * Silences over HTTP: `GET/POST /api/v1/silences`, `DELETE /api/v1/silences/:id` (maintenance
 * windows are in maintenance-routes.ts).
 */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Alerting } from "../alerting/alerting.ts";
import { parseDurationMs } from "../lib/duration.ts";
import { DURATION_PATTERN } from "../lib/duration.ts";
import { sendError } from "./app.ts";

const NewSilence = Type.Object(
  {
    matchers: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: "`label=value`, `label!=value`, `label=~regex`, `label!~regex`; all must match." }),
    startsAt: Type.Optional(Type.String({ minLength: 1, description: "ISO 8601 start (default: now)." })),
    endsAt: Type.Optional(Type.String({ minLength: 1, description: "ISO 8601 end; or give `duration`." })),
    duration: Type.Optional(Type.String({ pattern: DURATION_PATTERN, description: "Length from the start, e.g. 2h." })),
    author: Type.String({ minLength: 1, maxLength: 200 }),
    comment: Type.String({ minLength: 1, maxLength: 2000 }),
  },
  { additionalProperties: false },
);

/** What the routes use. */
export interface SilenceRouteDeps {
  /** Alerting (holds the silences). */
  alerting: () => Alerting | undefined;
  /** Clock. */
  now: () => number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Registers the routes. */
export async function silenceRoutes(app: FastifyInstance, d: SilenceRouteDeps): Promise<void> {
  const view = (s: { id: number; matchers: string[]; startsAt: number; endsAt: number; author: string; comment: string; createdAt: number }) => ({
    id: s.id,
    matchers: s.matchers,
    startsAt: iso(s.startsAt),
    endsAt: iso(s.endsAt),
    author: s.author,
    comment: s.comment,
    createdAt: iso(s.createdAt),
    active: s.startsAt <= d.now() && d.now() < s.endsAt,
  });

  app.get("/api/v1/silences", async (_req, reply) => {
    const a = d.alerting();
    if (!a) return sendError(reply, 503, "UPBEAT_NOT_READY", "alerting is starting");
    return { silences: a.silences().map(view) };
  });

  app.post<{ Body: Static<typeof NewSilence> }>("/api/v1/silences", { schema: { body: NewSilence } }, async (req, reply) => {
    const a = d.alerting();
    if (!a) return sendError(reply, 503, "UPBEAT_NOT_READY", "alerting is starting");
    const b = req.body;
    const startsAt = b.startsAt === undefined ? d.now() : Date.parse(b.startsAt);
    if (Number.isNaN(startsAt)) return sendError(reply, 400, "UPBEAT_BAD_REQUEST", `body/startsAt "${b.startsAt}" is not an ISO 8601 time`);
    if ((b.endsAt === undefined) === (b.duration === undefined)) return sendError(reply, 400, "UPBEAT_BAD_REQUEST", "body must have endsAt or duration (one of them)");
    const endsAt = b.endsAt !== undefined ? Date.parse(b.endsAt) : startsAt + (parseDurationMs(b.duration as string) ?? 0);
    if (Number.isNaN(endsAt)) return sendError(reply, 400, "UPBEAT_BAD_REQUEST", `body/endsAt "${b.endsAt}" is not an ISO 8601 time`);
    const r = await a.addSilence({ matchers: b.matchers, startsAt, endsAt, author: b.author, comment: b.comment });
    if ("error" in r) return sendError(reply, 400, "UPBEAT_BAD_REQUEST", `body: ${r.error}`);
    return reply.code(201).send(view(r));
  });

  app.delete<{ Params: { id: string } }>("/api/v1/silences/:id", async (req, reply) => {
    const a = d.alerting();
    if (!a) return sendError(reply, 503, "UPBEAT_NOT_READY", "alerting is starting");
    const id = /^\d{1,15}$/.test(req.params.id) ? Number(req.params.id) : undefined;
    if (id === undefined || !(await a.expireSilence(id))) return sendError(reply, 404, "UPBEAT_NOT_FOUND", `no active silence ${req.params.id}`);
    return reply.code(204).send();
  });
}
