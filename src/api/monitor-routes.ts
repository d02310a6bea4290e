/**
 * `/api/v1/monitors`: search and read every monitor; create, change, pause, resume and delete
 * the API's own (and heartbeats created by their first ping). Monitors from files and compatible
 * tools are shown with `readOnly: true` and refused with `UPBEAT_MONITOR_READ_ONLY`.
 *
 * Monitor ids contain `/`. `/api/v1/monitors/{id}` takes the id URL-encoded as one segment
 * (`shop%2Fcheckout`) or with its slashes as they are; sub-resources (`/pause`, `/results`, …)
 * take it encoded only, so that `a/results` is never mistaken for the results of `a`.
 */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { Monitor } from "../config/model.ts";
import { errors, IdParams, MonitorReply, MonitorSummary, WildIdParams } from "./api-schemas.ts";
import { bulkRoute } from "./monitor-bulk.ts";
import { MonitorBodyDoc } from "./monitor-input.ts";
import { type MonitorRoutesDeps, monitorDetail, monitorRows, summaries } from "./monitor-views.ts";
import { MonitorFilterFields, SORT_KEYS, search } from "./monitor-search.ts";
import { bodyOf, changed, engineOr, isRefusal, loadChecked, mergePatch, type Refusal, refusalBody, restoreSecretsOf, writable } from "./monitor-writes.ts";

const TAGS = ["monitors"];


const ListQuery = Type.Object(
  {
    ...MonitorFilterFields,
    status: Type.Optional(MonitorFilterFields.state),
    sort: Type.Optional(Type.Union(SORT_KEYS.map((k) => Type.Literal(k)), { default: "id", description: "Sort key (status: down first; latency: of the last check)." })),
    order: Type.Optional(Type.Union([Type.Literal("asc"), Type.Literal("desc")], { default: "asc" })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  },
  { additionalProperties: false },
);

const ListReply = Type.Object({
  total: Type.Integer({ description: "Monitors matching, all pages." }),
  offset: Type.Integer(),
  limit: Type.Integer(),
  nextOffset: Type.Unsafe<number | null>({ type: ["integer", "null"], description: "Offset of the next page; null on the last." }),
  monitors: Type.Array(MonitorSummary),
});

const SUB_RESOURCES = ["pause", "resume", "results", "stats", "pings"];

function notFound(reply: FastifyReply, id: string): FastifyReply {
  const tail = id.split("/").at(-1) ?? "";
  const hint = id.includes("/") && SUB_RESOURCES.includes(tail) ? ` (for ${tail} of "${id.slice(0, -tail.length - 1)}", encode its id as one segment: ${encodeURIComponent(id.slice(0, -tail.length - 1))}/${tail})` : "";
  return reply.code(404).send({ code: "UPBEAT_MONITOR_NOT_FOUND", message: `no monitor "${id}"${hint}`, statusCode: 404 });
}

const refuse = (reply: FastifyReply, r: Refusal): FastifyReply => reply.code(r.status).send(refusalBody(r));

/** The id of a wildcard route (`/api/v1/monitors/*`): fastify has decoded it already. */
const wildId = (params: unknown): string => (params as Record<string, string>)["*"] ?? "";

/** Registers the monitor routes. */
export async function monitorRoutes(app: FastifyInstance, d: MonitorRoutesDeps): Promise<void> {
  // PATCH bodies may say what they are (RFC 7396); they are JSON all the same.
  app.addContentTypeParser("application/merge-patch+json", { parseAs: "string" }, app.getDefaultJsonParser("error", "error"));
  await readRoutes(app, d);
  await writeRoutes(app, d);
  await bulkRoute(app, d);
}

const one = { tags: TAGS, params: WildIdParams };

async function readRoutes(app: FastifyInstance, d: MonitorRoutesDeps): Promise<void> {
  app.get<{ Querystring: Static<typeof ListQuery> }>("/api/v1/monitors", { schema: { tags: TAGS, summary: "Search monitors", querystring: ListQuery, response: { 200: ListReply, ...errors(400) } } }, async (req) => {
    const { sort = "id", order = "asc", limit = 1000, offset = 0, status, ...filter } = req.query;
    const found = search(await monitorRows(d), { ...filter, ...(filter.state === undefined && status !== undefined ? { state: status } : {}) }, sort, order);
    const monitors = await summaries(d, found.slice(offset, offset + limit));
    return { total: found.length, offset, limit, nextOffset: offset + limit < found.length ? offset + limit : null, monitors };
  });

  app.get("/api/v1/monitors/*", { schema: { ...one, summary: "One monitor in full", response: { 200: MonitorReply, ...errors(404) } } }, async (req, reply) => {
    const id = wildId(req.params);
    const monitor = await monitorDetail(d, id);
    return monitor ? { monitor } : notFound(reply, id);
  });

}

async function writeRoutes(app: FastifyInstance, d: MonitorRoutesDeps): Promise<void> {
  // The body is checked by the configuration loader (for a file's messages and defaults), not by fastify.
  const ownBody = { validatorCompiler: () => () => true };
  const written = async (reply: FastifyReply, id: string, code = 200) => reply.code(code).send({ monitor: await monitorDetail(d, id) });

  app.post("/api/v1/monitors", { ...ownBody, schema: { tags: TAGS, summary: "Create a monitor", body: MonitorBodyDoc, response: { 201: MonitorReply, ...errors(400, 403, 409, 503) } } }, async (req, reply) => {
    const engine = engineOr(d.engine());
    if (isRefusal(engine)) return refuse(reply, engine);
    const m = loadChecked(engine, req.body, undefined, d.channels?.());
    if (isRefusal(m)) return refuse(reply, m);
    const existing = engine.get(m.id);
    if (existing) return refuse(reply, { status: 409, code: "UPBEAT_MONITOR_EXISTS", message: `monitor "${m.id}" already exists${existing.monitor.source.file ? ` (defined in ${existing.monitor.source.file})` : ""}; give another id or change that one` });
    await engine.create(m);
    return written(reply, m.id, 201);
  });

  const update = async (reply: FastifyReply, id: string, body: (current: Monitor) => unknown) => {
    const engine = engineOr(d.engine());
    if (isRefusal(engine)) return refuse(reply, engine);
    const current = writable(engine, id);
    if (isRefusal(current)) return current.status === 404 ? notFound(reply, id) : refuse(reply, current);
    const m = loadChecked(engine, body(current), current, d.channels?.());
    if (isRefusal(m)) return refuse(reply, m);
    await engine.replace([m]);
    return written(reply, id);
  };
  app.put("/api/v1/monitors/*", { ...ownBody, schema: { ...one, summary: "Replace a monitor's definition (state and history stay)", body: MonitorBodyDoc, response: { 200: MonitorReply, ...errors(400, 403, 404, 409, 503) } } }, async (req, reply) =>
    update(reply, wildId(req.params), (cur) => (isObject(req.body) ? restoreSecretsOf(req.body, cur) : req.body)),
  );
  app.patch("/api/v1/monitors/*", { ...ownBody, schema: { ...one, summary: "Change some fields of a monitor (JSON merge patch; null removes a field)", body: Type.Object({}, { additionalProperties: true }), response: { 200: MonitorReply, ...errors(400, 403, 404, 409, 503) } } }, async (req, reply) =>
    update(reply, wildId(req.params), (cur) => (isObject(req.body) ? mergePatch(bodyOf(cur), req.body) : req.body)),
  );

  app.delete("/api/v1/monitors/*", { schema: { ...one, summary: "Delete a monitor (its open incident closes; its history stays)", response: { 204: Type.Null(), ...errors(403, 404, 409, 503) } } }, async (req, reply) => {
    const id = wildId(req.params);
    const engine = engineOr(d.engine());
    if (isRefusal(engine)) return refuse(reply, engine);
    const current = writable(engine, id);
    if (isRefusal(current)) return current.status === 404 ? notFound(reply, id) : refuse(reply, current);
    await engine.deleteMany([id]);
    return reply.code(204).send();
  });

  for (const [action, paused] of [["pause", true], ["resume", false]] as const) {
    app.post<{ Params: Static<typeof IdParams> }>(`/api/v1/monitors/:id/${action}`, { schema: { tags: TAGS, params: IdParams, summary: paused ? "Pause a monitor (kept across restarts)" : "Resume a paused monitor", response: { 200: MonitorReply, ...errors(403, 404, 409, 503) } } }, async (req, reply) => {
      const engine = engineOr(d.engine());
      if (isRefusal(engine)) return refuse(reply, engine);
      const current = writable(engine, req.params.id);
      if (isRefusal(current)) return current.status === 404 ? notFound(reply, req.params.id) : refuse(reply, current);
      const next = changed(engine, current, { paused });
      if (isRefusal(next)) return refuse(reply, next);
      if (next) await engine.replace([next]);
      return written(reply, req.params.id);
    });
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
