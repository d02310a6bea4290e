/**
 * History and overviews: a monitor's results paged by time (`/monitors/{id}/results`, or
 * `/results?monitor=` with the id as a query argument), its uptime and latency of a period with
 * a series for charts (`/monitors/{id}/stats`), and its check-ins (`/monitors/{id}/pings`).
 */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyReply } from "fastify";
import { type ResultCursor, resultPage } from "../store/result-pages.ts";
import { errors, IdParams, Num, Period, ResultSchema, totals } from "./api-schemas.ts";
import { resultJson } from "./monitor-json.ts";
import type { MonitorRoutesDeps } from "./monitor-views.ts";
import { overviewRoutes } from "./overview-routes.ts";
import { monitorStats } from "./stats.ts";

const Time = (description: string) => Type.Optional(Type.String({ description: `${description}: epoch ms or ISO 8601.` }));
const Health = Type.Union([Type.Literal("up"), Type.Literal("degraded"), Type.Literal("down")]);

const ResultsQuery = Type.Object(
  {
    from: Time("Results at or after this time"),
    to: Time("Results before this time"),
    health: Type.Optional(Type.Union([Health, Type.Array(Health)], { description: "Only these outcomes (repeat for several): `down` lists the failures." })),
    order: Type.Optional(Type.Union([Type.Literal("desc"), Type.Literal("asc")], { default: "desc", description: "Newest first (default) or oldest first." })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ description: "`nextCursor` of the previous page." })),
  },
  { additionalProperties: false },
);
const ResultsByQuery = Type.Object({ monitor: Type.String({ minLength: 1, description: "Monitor id." }), ...ResultsQuery.properties }, { additionalProperties: false });
const ResultsReply = Type.Object({ monitorId: Type.String(), results: Type.Array(ResultSchema), nextCursor: Type.Unsafe<string | null>({ type: ["string", "null"], description: "Pass as `cursor` for the next page; null on the last." }) });

const StatsQuery = Type.Object({ period: Type.Optional(Period), bucket: Type.Optional(Type.Union([Type.Literal("minute"), Type.Literal("hour"), Type.Literal("day")], { description: "Series bucket (default: minute for 24h, hour for 7d and 30d, day beyond)." })) }, { additionalProperties: false });
const pct = { latencyP50Ms: Num, latencyP95Ms: Num, latencyP99Ms: Num };
const StatsReply = Type.Object({
  monitorId: Type.String(),
  period: Type.String(),
  from: Type.Number({ description: "Start of the period (epoch ms, bucket-aligned)." }),
  to: Type.Number(),
  ...totals,
  ...pct,
  incidents: Type.Integer({ description: "Incidents open at some time in the period." }),
  series: Type.Object({ bucket: Type.String(), bucketMs: Type.Integer(), points: Type.Array(Type.Object({ at: Type.Number({ description: "Bucket start." }), ...totals, ...pct }), { description: "Buckets with checks, oldest first (gaps had none)." }) }),
});

const PingsQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })), before: Type.Optional(Type.Integer({ minimum: 0, description: "Only pings before this epoch ms (paging)." })) }, { additionalProperties: false });
const PingsReply = Type.Object({
  monitorId: Type.String(),
  pings: Type.Array(Type.Object({ id: Type.Number(), at: Type.Number(), kind: Type.String({ description: "success, start, fail or log." }), rid: Type.Optional(Type.String()), exitCode: Type.Optional(Type.Integer()), durationMs: Type.Optional(Type.Number()), body: Type.Optional(Type.String()), bodyBytes: Type.Integer(), remote: Type.Optional(Type.String()) })),
});

function bad(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(400).send({ code: "UPBEAT_BAD_REQUEST", message, statusCode: 400 });
}

function parseTime(v: string | undefined): number | undefined | null {
  if (v === undefined) return undefined;
  if (/^\d+$/.test(v)) return Number(v);
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
}

const encodeCursor = (c: ResultCursor): string => Buffer.from(`${c.at}.${c.id}`).toString("base64url");
function decodeCursor(s: string): ResultCursor | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(Buffer.from(s, "base64url").toString());
  return m ? { at: Number(m[1]), id: Number(m[2]) } : undefined;
}

/** Registers the history routes (and the overviews of overview-routes.ts). */
export async function historyRoutes(app: FastifyInstance, d: MonitorRoutesDeps): Promise<void> {
  await resultRoutes(app, d);
  await statsRoutes(app, d);
  await overviewRoutes(app, d);
}

async function resultRoutes(app: FastifyInstance, d: MonitorRoutesDeps): Promise<void> {
  const results = async (reply: FastifyReply, id: string, q: Static<typeof ResultsQuery>) => {
    const from = parseTime(q.from);
    const to = parseTime(q.to);
    if (from === null) return bad(reply, `querystring/from "${q.from}" is neither epoch ms nor an ISO 8601 time`);
    if (to === null) return bad(reply, `querystring/to "${q.to}" is neither epoch ms nor an ISO 8601 time`);
    const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    if (q.cursor !== undefined && !after) return bad(reply, "querystring/cursor is not a cursor this API gave");
    if (!(await d.store.getMonitor(id))) return reply.code(404).send({ code: "UPBEAT_MONITOR_NOT_FOUND", message: `no monitor "${id}"`, statusCode: 404 });
    const health = q.health === undefined ? undefined : Array.isArray(q.health) ? q.health : [q.health];
    const page = await resultPage(d.store.db, { monitorId: id, limit: q.limit ?? 100, order: q.order ?? "desc", ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), ...(health ? { health } : {}), ...(after ? { after } : {}) });
    return { monitorId: id, results: page.results.map(resultJson), nextCursor: page.next ? encodeCursor(page.next) : null };
  };
  const tags = ["history"];
  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof ResultsQuery> }>("/api/v1/monitors/:id/results", { schema: { tags, summary: "A monitor's results by time, with every detail", params: IdParams, querystring: ResultsQuery, response: { 200: ResultsReply, ...errors(400, 404) } } }, async (req, reply) => results(reply, req.params.id, req.query));
  app.get<{ Querystring: Static<typeof ResultsByQuery> }>("/api/v1/results", { schema: { tags, summary: "A monitor's results (the id as a query argument)", querystring: ResultsByQuery, response: { 200: ResultsReply, ...errors(400, 404) } } }, async (req, reply) => {
    const { monitor, ...q } = req.query;
    return results(reply, monitor, q);
  });
}

async function statsRoutes(app: FastifyInstance, d: MonitorRoutesDeps): Promise<void> {
  const tags = ["history"];

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof StatsQuery> }>("/api/v1/monitors/:id/stats", { schema: { tags, summary: "Uptime, downtime and latency of a period, with a series for charts", params: IdParams, querystring: StatsQuery, response: { 200: StatsReply, ...errors(400, 404) } } }, async (req, reply) => {
    const id = req.params.id;
    if (!(await d.store.getMonitor(id))) return reply.code(404).send({ code: "UPBEAT_MONITOR_NOT_FOUND", message: `no monitor "${id}"`, statusCode: 404 });
    return { monitorId: id, ...(await monitorStats(d.store, id, req.query.period ?? "24h", d.now(), req.query.bucket)) };
  });

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof PingsQuery> }>("/api/v1/monitors/:id/pings", { schema: { tags, summary: "A heartbeat's check-ins, newest first", params: IdParams, querystring: PingsQuery, response: { 200: PingsReply, ...errors(400, 404) } } }, async (req, reply) => {
    const id = req.params.id;
    if (!(await d.store.getMonitor(id))) return reply.code(404).send({ code: "UPBEAT_MONITOR_NOT_FOUND", message: `no monitor "${id}"`, statusCode: 404 });
    return { monitorId: id, pings: await d.store.pings(id, { limit: req.query.limit ?? 100, ...(req.query.before !== undefined ? { before: req.query.before } : {}) }) };
  });
}
