/**
 * `POST /api/v1/monitors/bulk`: pause, resume, delete or relabel many monitors in one request,
 * named by id or chosen by a filter, answered with one result per monitor. The changes are
 * written in one store write; a monitor that cannot be changed (read-only, unknown, a label the
 * schema refuses) is reported and the others go ahead.
 */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Monitor } from "../config/model.ts";
import { errors } from "./api-schemas.ts";
import { type MonitorRoutesDeps, monitorRows } from "./monitor-views.ts";
import { hasCriteria, MonitorFilter, search } from "./monitor-search.ts";
import { changed, engineOr, isRefusal, type LabelChanges, refusalBody, writable } from "./monitor-writes.ts";

const BulkBody = Type.Object(
  {
    action: Type.Union([Type.Literal("pause"), Type.Literal("resume"), Type.Literal("delete"), Type.Literal("setLabels")], { description: "What to do to each monitor." }),
    ids: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 10_000, description: "The monitors, by id (give this or `filter`)." })),
    filter: Type.Optional(MonitorFilter),
    labels: Type.Optional(
      // Null first: with type coercion on, a null would otherwise become "".
      Type.Record(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_.-]*$" }), Type.Union([Type.Null(), Type.String()]), { additionalProperties: false, description: "For setLabels: labels to set; null removes one. Other labels stay. Names: letters, digits, _ . -" }),
    ),
  },
  { additionalProperties: false },
);

const BulkResult = Type.Object({
  id: Type.String(),
  ok: Type.Boolean(),
  changed: Type.Optional(Type.Boolean({ description: "False when the monitor was already so." })),
  code: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  statusCode: Type.Optional(Type.Integer()),
});

const BulkReply = Type.Object({
  action: Type.String(),
  matched: Type.Integer({ description: "Monitors named or matching the filter." }),
  succeeded: Type.Integer(),
  failed: Type.Integer(),
  results: Type.Array(BulkResult),
});

type Result = Static<typeof BulkResult>;

/** Which bodies make sense, beyond their shape. */
function bodyProblem(b: Static<typeof BulkBody>): string | undefined {
  if ((b.ids === undefined) === (b.filter === undefined)) return "body must have either ids or filter (not both)";
  if (b.filter && !hasCriteria(b.filter)) return "body/filter must have at least one criterion (to act on every monitor, name them by ids)";
  if (b.action === "setLabels" && (!b.labels || !Object.keys(b.labels).length)) return "body/labels is required by setLabels and must not be empty";
  if (b.action !== "setLabels" && b.labels) return `body/labels is only for setLabels, not ${b.action}`;
  return undefined;
}

/** Registers the bulk route. */
export async function bulkRoute(app: FastifyInstance, d: MonitorRoutesDeps): Promise<void> {
  app.post<{ Body: Static<typeof BulkBody> }>(
    "/api/v1/monitors/bulk",
    { schema: { tags: ["monitors"], summary: "Pause, resume, delete or relabel many monitors", body: BulkBody, response: { 200: BulkReply, ...errors(400, 403, 503) } } },
    async (req, reply) => {
      const b = req.body;
      const problem = bodyProblem(b);
      if (problem) return reply.code(400).send({ code: "UPBEAT_BAD_REQUEST", message: problem, statusCode: 400 });
      const engine = engineOr(d.engine());
      if (isRefusal(engine)) return reply.code(engine.status).send(refusalBody(engine));
      const ids = b.ids ? [...new Set(b.ids)] : search(await monitorRows(d), b.filter ?? {}).map((r) => r.id);
      const results = new Map<string, Result>();
      const targets: Monitor[] = [];
      const next: Monitor[] = [];
      for (const id of ids) {
        const m = writable(engine, id);
        if (isRefusal(m)) {
          results.set(id, { id, ok: false, code: m.code, message: m.message, statusCode: m.status });
          continue;
        }
        if (b.action === "delete") {
          targets.push(m);
          continue;
        }
        const change = b.action === "setLabels" ? { labels: b.labels as LabelChanges } : { paused: b.action === "pause" };
        const n = changed(engine, m, change);
        if (isRefusal(n)) results.set(id, { id, ok: false, code: n.code, message: n.message, statusCode: n.status });
        else if (n) next.push(n);
        else results.set(id, { id, ok: true, changed: false });
      }
      const done = b.action === "delete" ? await engine.deleteMany(targets.map((m) => m.id)) : await engine.replace(next);
      for (const id of done) results.set(id, { id, ok: true, changed: true });
      const ordered = ids.map((id) => results.get(id) ?? { id, ok: false, code: "UPBEAT_CONFLICT", message: "changed by another request meanwhile", statusCode: 409 });
      const failed = ordered.filter((r) => !r.ok).length;
      return { action: b.action, matched: ids.length, succeeded: ordered.length - failed, failed, results: ordered };
    },
  );
}
