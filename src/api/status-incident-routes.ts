/**
 * Incidents and their updates on a status page: `…/status-pages/:slug/incidents[/:id]` and
 * `…/incidents/:id/updates[/:updateId]`. An incident opens with its first update; its state is
 * always its latest update's. The author is the caller's name.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { IncidentFields } from "../status-pages/incidents.ts";
import { apiIncident, apiUpdate } from "../status-pages/json.ts";
import type { StatusPages } from "../status-pages/service.ts";
import { unknownMonitor } from "../status-pages/snapshot.ts";
import type { Impact, IncidentKind, StatusIncident, StatusPage, UpdateState } from "../status-pages/types.ts";
import { sendError } from "./app.ts";
import { ErrorOut, IncidentOut, IncidentParams, IncidentPatch, IncidentsQuery, NewIncident, NewUpdate, SlugParams, UpdateOut, UpdatePatch, UpdateParams } from "./status-page-schemas.ts";

interface IncidentBody {
  title?: string;
  kind?: IncidentKind;
  impact?: Impact;
  monitors?: string[];
  startsAt?: string | null;
  endsAt?: string | null;
  state?: UpdateState;
  body?: string;
}

const TAGS = ["status page incidents"];
const errors = { 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut };

/** A time field: absent keeps `old`, null clears, text must parse. */
function timeOf(v: string | null | undefined, old: number | undefined, path: string): number | undefined | { error: string } {
  if (v === undefined) return old;
  if (v === null) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? { error: `${path}: "${v}" is not an ISO 8601 time` } : t;
}

/** The incident fields to store: the body over the existing incident; errors name the field. */
function fieldsOf(b: IncidentBody, old: StatusIncident | undefined, sp: StatusPages): IncidentFields | { error: string } {
  const kind = b.kind ?? old?.kind ?? "incident";
  const startsAt = timeOf(b.startsAt, old?.startsAt, "body/startsAt");
  const endsAt = timeOf(b.endsAt, old?.endsAt, "body/endsAt");
  if (typeof startsAt === "object") return startsAt;
  if (typeof endsAt === "object") return endsAt;
  if (kind === "maintenance" && (startsAt === undefined || endsAt === undefined)) return { error: `body/${startsAt === undefined ? "startsAt" : "endsAt"}: a maintenance announcement needs startsAt and endsAt` };
  if (kind === "incident" && (startsAt !== undefined || endsAt !== undefined)) return { error: `body/${startsAt !== undefined ? "startsAt" : "endsAt"}: only maintenance announcements (kind maintenance) have a start and an end` };
  if (startsAt !== undefined && endsAt !== undefined && endsAt <= startsAt) return { error: "body/endsAt: must be after startsAt" };
  const monitors = b.monitors ?? old?.monitors ?? [];
  const missing = unknownMonitor(monitors, sp.monitors(), "body/monitors");
  if (missing) return { error: missing };
  return { kind, title: b.title ?? (old?.title as string), impact: b.impact ?? old?.impact ?? (kind === "maintenance" ? "none" : "minor"), monitors, startsAt, endsAt };
}

const author = (req: FastifyRequest) => req.principal?.name ?? "api";

/** The page, or undefined with a 404 sent. */
async function pageOr404(sp: StatusPages, slug: string, reply: FastifyReply): Promise<StatusPage | undefined> {
  const page = await sp.pages.getPage(slug);
  if (!page) await sendError(reply, 404, "UPBEAT_NOT_FOUND", `no status page "${slug}"`);
  return page;
}

const noIncident = (reply: FastifyReply, slug: string, id: number) => sendError(reply, 404, "UPBEAT_NOT_FOUND", `no incident ${id} on status page "${slug}"`);
const noUpdate = (reply: FastifyReply, slug: string, id: number, updateId: number) => sendError(reply, 404, "UPBEAT_NOT_FOUND", `no update ${updateId} in incident ${id} on status page "${slug}"`);

/** Registers the incident and update routes on the status page routes' scope. */
export async function incidentRoutes(app: FastifyInstance, sp: StatusPages): Promise<void> {
  threadRoutes(app, sp);
  updateRoutes(app, sp);
}

/** An incident: list, open, read, change, delete. */
function threadRoutes(app: FastifyInstance, sp: StatusPages): void {

  app.get<{ Params: { slug: string }; Querystring: { open?: boolean; limit?: number; offset?: number } }>(
    "/api/v1/status-pages/:slug/incidents",
    { schema: { tags: TAGS, summary: "Incidents of a page, newest first", params: SlugParams, querystring: IncidentsQuery, response: { 200: { type: "object", properties: { incidents: { type: "array", items: IncidentOut } } }, ...errors } } },
    async (req, reply) => {
      const page = await pageOr404(sp, req.params.slug, reply);
      if (!page) return reply;
      const { open, limit = 50, offset = 0 } = req.query;
      return { incidents: (await sp.incidents.list(page.id, { ...(open !== undefined ? { open } : {}), limit, offset })).map(apiIncident) };
    },
  );

  app.post<{ Params: { slug: string }; Body: IncidentBody }>(
    "/api/v1/status-pages/:slug/incidents",
    { schema: { tags: TAGS, summary: "Open an incident (or announce maintenance) with its first update", params: SlugParams, body: NewIncident, response: { 201: IncidentOut, ...errors } } },
    async (req, reply) => {
      const page = await pageOr404(sp, req.params.slug, reply);
      if (!page) return reply;
      const f = fieldsOf(req.body, undefined, sp);
      if ("error" in f) return sendError(reply, 400, "UPBEAT_BAD_REQUEST", f.error);
      const made = await sp.incidents.create(page.id, f, { state: req.body.state as UpdateState, body: req.body.body as string }, author(req), sp.now());
      await sp.changed(page.slug);
      return reply.code(201).send(apiIncident(made));
    },
  );

  app.get<{ Params: { slug: string; id: number } }>("/api/v1/status-pages/:slug/incidents/:id", { schema: { tags: TAGS, summary: "One incident with its updates", params: IncidentParams, response: { 200: IncidentOut, ...errors } } }, async (req, reply) => {
    const page = await pageOr404(sp, req.params.slug, reply);
    if (!page) return reply;
    const i = await sp.incidents.get(page.id, req.params.id);
    return i ? apiIncident(i) : noIncident(reply, page.slug, req.params.id);
  });

  app.patch<{ Params: { slug: string; id: number }; Body: IncidentBody }>(
    "/api/v1/status-pages/:slug/incidents/:id",
    { schema: { tags: TAGS, summary: "Change an incident's title, kind, impact, monitors or times", params: IncidentParams, body: IncidentPatch, response: { 200: IncidentOut, ...errors } } },
    async (req, reply) => {
      const page = await pageOr404(sp, req.params.slug, reply);
      if (!page) return reply;
      const old = await sp.incidents.get(page.id, req.params.id);
      if (!old) return noIncident(reply, page.slug, req.params.id);
      const f = fieldsOf(req.body, old, sp);
      if ("error" in f) return sendError(reply, 400, "UPBEAT_BAD_REQUEST", f.error);
      const i = await sp.incidents.edit(page.id, old.id, f, sp.now());
      await sp.changed(page.slug);
      return i ? apiIncident(i) : noIncident(reply, page.slug, req.params.id);
    },
  );

  app.delete<{ Params: { slug: string; id: number } }>("/api/v1/status-pages/:slug/incidents/:id", { schema: { tags: TAGS, summary: "Delete an incident with its updates", params: IncidentParams, response: { 204: { type: "null" }, ...errors } } }, async (req, reply) => {
    const page = await pageOr404(sp, req.params.slug, reply);
    if (!page) return reply;
    if (!(await sp.incidents.delete(page.id, req.params.id))) return noIncident(reply, page.slug, req.params.id);
    await sp.changed(page.slug);
    return reply.code(204).send();
  });

}

/** An incident's updates: post, correct, delete. */
function updateRoutes(app: FastifyInstance, sp: StatusPages): void {
  app.post<{ Params: { slug: string; id: number }; Body: { state: UpdateState; body: string } }>(
    "/api/v1/status-pages/:slug/incidents/:id/updates",
    { schema: { tags: TAGS, summary: "Post an update to an incident (its state becomes the update's)", params: IncidentParams, body: NewUpdate, response: { 201: UpdateOut, ...errors } } },
    async (req, reply) => {
      const page = await pageOr404(sp, req.params.slug, reply);
      if (!page) return reply;
      const u = await sp.incidents.addUpdate(page.id, req.params.id, req.body, author(req), sp.now());
      if (!u) return noIncident(reply, page.slug, req.params.id);
      await sp.changed(page.slug);
      return reply.code(201).send(apiUpdate(u));
    },
  );

  app.patch<{ Params: { slug: string; id: number; updateId: number }; Body: { state?: UpdateState; body?: string } }>(
    "/api/v1/status-pages/:slug/incidents/:id/updates/:updateId",
    { schema: { tags: TAGS, summary: "Correct an update's state or text", params: UpdateParams, body: UpdatePatch, response: { 200: UpdateOut, ...errors } } },
    async (req, reply) => {
      const page = await pageOr404(sp, req.params.slug, reply);
      if (!page) return reply;
      const u = await sp.incidents.editUpdate(page.id, req.params.id, req.params.updateId, req.body, sp.now());
      if (!u) return noUpdate(reply, page.slug, req.params.id, req.params.updateId);
      await sp.changed(page.slug);
      return apiUpdate(u);
    },
  );

  app.delete<{ Params: { slug: string; id: number; updateId: number } }>(
    "/api/v1/status-pages/:slug/incidents/:id/updates/:updateId",
    { schema: { tags: TAGS, summary: "Delete an update (not the only one: delete the incident instead)", params: UpdateParams, response: { 204: { type: "null" }, ...errors } } },
    async (req, reply) => {
      const page = await pageOr404(sp, req.params.slug, reply);
      if (!page) return reply;
      const r = await sp.incidents.deleteUpdate(page.id, req.params.id, req.params.updateId, sp.now());
      if (r === "missing") return noUpdate(reply, page.slug, req.params.id, req.params.updateId);
      if (r === "last") return sendError(reply, 409, "UPBEAT_CONFLICT", "an incident keeps at least one update; delete the incident instead");
      await sp.changed(page.slug);
      return reply.code(204).send();
    },
  );
}
