/**
 * The dashboard's data: `GET /api/v1/dashboard` (everything the first screen needs in one
 * response), `GET /api/v1/dashboard/rows` (paging and filtering), `GET /api/v1/dashboard/monitor`
 * (a monitor's page) and `GET /api/v1/events` (live updates over Server-Sent Events). The
 * listing is shaped on the server, so the browser only ever holds the rows it shows.
 */
// The swagger types add `tags` and `summary` to route schemas.
import type {} from "@fastify/swagger";
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { MonitorStatus } from "../core/monitor-state.ts";
import { type Matcher, parseMatcher } from "../core/matchers.ts";
import type { Engine } from "../engine/engine.ts";
import { UPBEAT_VERSION } from "../lib/version.ts";
import { listMonitors, monitorSeq, pageHistory } from "../store/dashboard-query.ts";
import { BUCKET_MS } from "../store/rollups.ts";
import { type PeriodStats, type Store, UPTIME_PERIODS } from "../store/types.ts";
import { sendError } from "./app.ts";
import { barString, countStates, filterRows, groupTree, type ListRow, type RowFilter, type SortKey, sortRows, sumHours, uptimePct } from "./dashboard-rows.ts";
import type { Row} from "./dashboard-schemas.ts";
import { Dashboard, Detail, DetailQuery, ErrorBody, RowsPage, RowsQuery } from "./dashboard-schemas.ts";
import { DashboardIndex } from "./dashboard-index.ts";
import { WRITABLE_SOURCES } from "./monitor-json.ts";
import type { LiveEvents } from "./live-events.ts";
import { compression, webStatic } from "./web-static.ts";
import { type ChartRange, monitorDetail, PHASES } from "./monitor-detail.ts";

/** What the routes read from. */
export interface DashboardDeps {
  /** The store. */
  store: Store;
  /** The engine (its states are fresher than the store's); absent while starting. */
  engine: () => Engine | undefined;
  /** The live event hub. */
  events: LiveEvents;
  /** Epoch-ms clock. */
  now: () => number;
}

/** Segments of the listing's bar (one per hour). */
export const BAR_HOURS = 24;

const indexes = new WeakMap<Engine, DashboardIndex>();

/** The index over the running engine, if one runs. */
function indexOf(d: DashboardDeps): DashboardIndex | undefined {
  const engine = d.engine();
  if (!engine) return undefined;
  let index = indexes.get(engine);
  if (!index) indexes.set(engine, (index = new DashboardIndex(d.store, engine)));
  return index;
}

/** A listing kept for a few seconds: paging through it, or reloading, needs no new sort of 10,000 rows. */
export const LISTING_CACHE_MS = 5000;

/** Every monitor as a listing row: from the engine's memory while it runs, else from the store. */
async function allRows(d: DashboardDeps, needLabels: boolean, seq?: number): Promise<ListRow[]> {
  const index = indexOf(d);
  if (index) {
    const rows = await index.rows();
    return seq === undefined ? rows : rows.filter((r) => r.seq === seq);
  }
  const listed = await listMonitors(d.store.db, needLabels, seq);
  return listed.map((m) => {
    const answered = m.last && m.last.health !== "down";
    const failing = m.last && m.last.health !== "up" && m.last.reason;
    return {
      seq: m.seq,
      id: m.id,
      name: m.name,
      groupPath: m.groupPath,
      kind: m.kind,
      source: m.source,
      status: m.status,
      since: m.since,
      latencyMs: answered ? (m.last?.durationMs ?? null) : null,
      lastAt: m.last?.at ?? null,
      reason: failing ? (m.last?.reason ?? null) : null,
      labels: m.labels ?? {},
    };
  });
}

type Query = Static<typeof RowsQuery>;

/** The filter a query asks for, or what is wrong with it. */
function filterOf(q: Query): RowFilter | { error: string } {
  const f: RowFilter = {};
  if (q.q) f.q = q.q;
  if (q.state) f.states = new Set(q.state.split(",") as MonitorStatus[]);
  if (q.group) f.group = q.group.split("/").filter(Boolean);
  if (q.kind) f.kind = q.kind;
  if (q.label) {
    const m = parseMatcher(q.label);
    if ("error" in m) return { error: `querystring/label: ${m.error}` };
    f.label = m as Matcher;
  }
  return f;
}

/** One page of rows with their bars and uptime. */
async function page(d: DashboardDeps, rows: ListRow[], q: Query, now: number): Promise<Static<typeof RowsPage>> {
  const offset = q.offset ?? 0;
  const slice = rows.slice(offset, offset + (q.limit ?? 100));
  const h = await pageHistory(d.store.db, slice.map((r) => r.seq), now, BAR_HOURS);
  return {
    now,
    bar: { fromMs: h.fromMs, bucketMs: BUCKET_MS.hour, segments: BAR_HOURS },
    total: rows.length,
    offset,
    rows: slice.map((r) => {
      const hours = h.hours.get(r.seq);
      const out: Static<typeof Row> = {
        id: r.id,
        name: r.name,
        group: r.groupPath,
        kind: r.kind,
        state: r.status,
        since: r.since,
        latencyMs: r.latencyMs,
        lastAt: r.lastAt,
        uptime24h: uptimePct(sumHours(hours)),
        uptime30d: uptimePct(h.month.get(r.seq)),
        bar: barString(hours, BAR_HOURS),
        readOnly: !WRITABLE_SOURCES.includes(r.source),
      };
      if (r.reason && (r.status === "down" || r.status === "degraded")) out.reason = r.reason;
      return out;
    }),
  };
}

const emptyStats = (): PeriodStats => ({ checks: 0, failures: 0, degraded: 0, downtimeSec: 0, uptimePct: null, latencyAvgMs: null, latencyMinMs: null, latencyMaxMs: null });

/** A filtered, sorted listing and, once asked for, the summary of every monitor. */
interface Listing {
  all: ListRow[];
  rows: ListRow[];
  version: number;
  at: number;
  summary?: Omit<Static<typeof Dashboard>, "page" | "now" | "version">;
}

/** Registers the routes. */
export async function dashboardRoutes(app: FastifyInstance, d: DashboardDeps): Promise<void> {
  const tags = ["dashboard"];
  // Listings by filter and order, valid while no state changed (and for a few seconds at most).
  const cache = new Map<string, Listing>();
  const listing = async (q: Query): Promise<Listing | { error: string }> => {
    const f = filterOf(q);
    if ("error" in f) return f;
    const index = indexOf(d);
    const key = JSON.stringify([q.q, q.state, q.group, q.label, q.kind, q.sort]);
    const hit = index ? cache.get(key) : undefined;
    if (hit && index && hit.version === index.version && Math.abs(d.now() - hit.at) < LISTING_CACHE_MS) return hit;
    const all = await allRows(d, f.label !== undefined);
    const made: Listing = { all, rows: sortRows(filterRows(all, f), (q.sort ?? "problems") as SortKey), version: index?.version ?? -1, at: d.now() };
    if (index) {
      if (cache.size >= 50) cache.clear();
      cache.set(key, made);
    }
    return made;
  };

  app.get<{ Querystring: Query }>(
    "/api/v1/dashboard",
    { schema: { tags, summary: "Everything the dashboard's first screen needs", description: "Counts by state, the group tree, the kinds in use and the first page of rows (filters as in `/dashboard/rows`), in one response.", querystring: RowsQuery, response: { 200: Dashboard, 400: ErrorBody } } },
    async (req, reply) => {
      const now = d.now();
      const l = await listing(req.query);
      if ("error" in l) return sendError(reply, 400, "UPBEAT_BAD_REQUEST", l.error);
      l.summary ??= { total: l.all.length, counts: countStates(l.all), groups: groupTree(l.all), kinds: [...new Set(l.all.map((r) => r.kind))].sort() };
      return { version: UPBEAT_VERSION, now, ...l.summary, page: await page(d, l.rows, req.query, now) };
    },
  );

  app.get<{ Querystring: Query }>(
    "/api/v1/dashboard/rows",
    { schema: { tags, summary: "A page of the monitor listing", description: "Filtered, sorted (problems first by default) and paged on the server; each row carries its 24 h bar and uptime.", querystring: RowsQuery, response: { 200: RowsPage, 400: ErrorBody } } },
    async (req, reply) => {
      const l = await listing(req.query);
      if ("error" in l) return sendError(reply, 400, "UPBEAT_BAD_REQUEST", l.error);
      return page(d, l.rows, req.query, d.now());
    },
  );

  app.get<{ Querystring: Static<typeof DetailQuery> }>(
    "/api/v1/dashboard/monitor",
    { schema: { tags, summary: "A monitor's page", description: `Its row, uptime for ${UPTIME_PERIODS.join(", ")}, latency by phase (${PHASES.join(", ")}) as chart columns, the daily bar of 90 days and the last failures with every attempt.`, querystring: DetailQuery, response: { 200: Detail, 400: ErrorBody, 404: ErrorBody } } },
    async (req, reply) => {
      const now = d.now();
      const seq = await monitorSeq(d.store.db, req.query.id);
      if (seq === undefined) return sendError(reply, 404, "UPBEAT_MONITOR_NOT_FOUND", `no monitor "${req.query.id}"`);
      const [row] = (await allRows(d, true, seq)) as [ListRow];
      const [p, detail] = await Promise.all([page(d, [row], {}, now), monitorDetail(d.store, req.query.id, seq, now, (req.query.range ?? "24h") as ChartRange)]);
      const live = d.engine()?.get(req.query.id);
      return { now, bar: p.bar, monitor: { ...p.rows[0], labels: row.labels, paused: live?.monitor.settings.paused ?? row.status === "paused", incident: live?.state.incident ?? null }, ...detail, uptime: Object.fromEntries(UPTIME_PERIODS.map((k) => [k, detail.uptime?.[k] ?? emptyStats()])) };
    },
  );

  app.get(
    "/api/v1/events",
    { schema: { tags, summary: "Live updates (Server-Sent Events)", description: "`text/event-stream`. Events: `hello` on connect; `status` {id, from, to, at, reason?} on every state change (reason: the incident's cause when it went down); `result` [{id, health, latencyMs, at}] at most once a second (latest per monitor); `resync` when the client fell behind and events were dropped (fetch the state again); a comment every 15 s.", response: { 200: Type.String({ description: "An endless event stream." }) } } },
    (_req, reply) => {
      reply.hijack();
      d.events.open(reply.raw);
    },
  );
  app.addHook("preClose", async () => d.events.close());
}

/** The dashboard as one plugin: compression, its data routes and its files (from `webRoot`, default `web/dist`). */
export async function dashboardPlugin(app: FastifyInstance, d: DashboardDeps & { webRoot?: string }): Promise<void> {
  await compression(app);
  await dashboardRoutes(app, d);
  await webStatic(app, d.webRoot);
}
