/**
 * Overviews of many monitors: the heartbeats with their last check-in and deadline, the group
 * tree with counts per state at every level, and `/stats` with totals over all monitors.
 */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { MonitorStatus } from "../core/monitor-state.ts";
import { heartbeatSlug, heartbeatUuid } from "../heartbeats/policy.ts";
import { errors, Num, Period, totals } from "./api-schemas.ts";
import { WRITABLE_SOURCES } from "./monitor-json.ts";
import { groupTree, MonitorFilterFields, search } from "./monitor-search.ts";
import { type MonitorRoutesDeps, monitorRows } from "./monitor-views.ts";
import { overallTotals } from "./stats.ts";

const ListFilter = Type.Object({ ...MonitorFilterFields, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 })), offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })) }, { additionalProperties: false });
const GroupNode = Type.Recursive((This) => Type.Object({ name: Type.String(), path: Type.String({ description: "Names from the top, joined by `/` (the `group` filter)." }), total: Type.Integer(), monitors: Type.Integer({ description: "Directly in this group." }), status: Type.String({ description: "The worst state in it." }), states: Type.Record(Type.String(), Type.Integer()), groups: Type.Array(This) }), { $id: "GroupNode" });
const GroupsQuery = Type.Object(MonitorFilterFields, { additionalProperties: false });
const GroupsReply = Type.Object({ total: Type.Integer(), states: Type.Record(Type.String(), Type.Integer()), status: Type.String(), ungrouped: Type.Integer({ description: "Monitors outside any group." }), groups: Type.Array(Type.Ref("GroupNode")) });
const Heartbeat = Type.Object({
  id: Type.String(),
  name: Type.String(),
  group: Type.Array(Type.String()),
  status: Type.String(),
  display: Type.Unsafe<string | null>({ type: ["string", "null"], description: "new, up, late, down, paused or running." }),
  lastPingAt: Num,
  deadlineAt: Num,
  running: Type.Record(Type.String(), Type.Number(), { description: "Runs started and not finished: run id → start time." }),
  uuid: Type.String(),
  slug: Type.String(),
  pingUrl: Type.String({ description: "Path to ping (`/ping/<uuid>`)." }),
  schedule: Type.Unknown({ description: "period or cron (with timezone), and grace, as written." }),
  readOnly: Type.Boolean(),
});
const HeartbeatsReply = Type.Object({ total: Type.Integer(), heartbeats: Type.Array(Heartbeat) });
const StatsAllQuery = Type.Object({ period: Type.Optional(Period) }, { additionalProperties: false });
const StatsAllReply = Type.Object({ period: Type.String(), monitors: Type.Integer(), states: Type.Record(Type.String(), Type.Integer()), incidents: Type.Object({ open: Type.Integer(), acknowledged: Type.Integer() }), ...totals });

/** Registers the overview routes. */
export async function overviewRoutes(app: FastifyInstance, d: MonitorRoutesDeps): Promise<void> {
  const tags = ["history"];
  app.get<{ Querystring: Static<typeof ListFilter> }>("/api/v1/heartbeats", { schema: { tags, summary: "Heartbeats with their last check-in and deadline", querystring: ListFilter, response: { 200: HeartbeatsReply, ...errors(400) } } }, async (req) => {
    const { limit = 1000, offset = 0, ...filter } = req.query;
    const found = search(await monitorRows(d), { ...filter, kind: "heartbeat" });
    const e = d.engine();
    const heartbeats = found.slice(offset, offset + limit).map((r) => {
      const live = e?.get(r.id);
      const check = (live?.monitor.kind === "heartbeat" ? live.monitor.check : {}) as { uuid?: string; slug?: string; period?: unknown; cron?: string; timezone?: string; grace?: unknown };
      const v = e?.heartbeats.view(r.id);
      const uuid = heartbeatUuid(r.id, check.uuid);
      const schedule = check.cron !== undefined ? { cron: check.cron, timezone: check.timezone ?? "UTC", grace: check.grace ?? null } : { period: check.period ?? "1d", grace: check.grace ?? null };
      return { id: r.id, name: r.name, group: r.groupPath, status: r.status, display: v?.display ?? null, lastPingAt: v?.lastPingAt ?? null, deadlineAt: v?.deadlineAt ?? null, running: v?.running ?? {}, uuid, slug: heartbeatSlug(r.id, check.slug), pingUrl: `/ping/${uuid}`, schedule, readOnly: !WRITABLE_SOURCES.includes(r.source) };
    });
    return { total: found.length, heartbeats };
  });

  app.addSchema(GroupNode);
  app.get<{ Querystring: Static<typeof GroupsQuery> }>("/api/v1/groups", { schema: { tags, summary: "The group tree with counts per state at every level", querystring: GroupsQuery, response: { 200: GroupsReply, ...errors(400) } } }, async (req) => {
    const root = groupTree(search(await monitorRows(d), req.query));
    return { total: root.total, states: root.states, status: root.status, ungrouped: root.monitors, groups: root.groups };
  });

  app.get<{ Querystring: Static<typeof StatsAllQuery> }>("/api/v1/stats", { schema: { tags, summary: "Totals over every monitor: states, open incidents, uptime of a period", querystring: StatsAllQuery, response: { 200: StatsAllReply, ...errors(400) } } }, async (req) => {
    const period = req.query.period ?? "24h";
    const states: Partial<Record<MonitorStatus, number>> = {};
    let open = 0;
    let acknowledged = 0;
    const e = d.engine();
    for (const r of await monitorRows(d)) {
      states[r.status] = (states[r.status] ?? 0) + 1;
      if (r.incident) open++;
      if (r.incident && e?.entry(r.id)?.acknowledged) acknowledged++;
    }
    const total = Object.values(states).reduce((a, b) => a + b, 0);
    return { period, monitors: total, states, incidents: { open, acknowledged }, ...(await overallTotals(d.store.db, period, d.now())) };
  });
}
