/**
 * What a status page shows at one moment, built once and rendered as HTML, JSON and feeds: the
 * sections' monitors with their live state and 90 daily cells, the banner, open incidents,
 * maintenance (announcements and configured windows) and recent history.
 */
import { type MaintenanceWindow, openSpan } from "../core/maintenance.ts";
import { matchesAll, parseMatcher, type Matcher } from "../core/matchers.ts";
import type { MonitorStatus } from "../core/monitor-state.ts";
import { bucketStart } from "../store/rollups.ts";
import type { IncidentStore } from "./incidents.ts";
import type { DayRow, StatusPageStore } from "./store.ts";
import { DEFAULT_STATUS_TEXT, type OverallStatus, type StatusIncident, type StatusPage } from "./types.ts";

/** Days shown by the uptime bars. */
export const BAR_DAYS = 90;
const DAY_MS = 86_400_000;

/** A monitor as the pages see it. */
export interface LiveMonitor {
  /** Id. */
  id: string;
  /** Its own name. */
  name: string;
  /** Labels for matchers (`monitorLabels`). */
  labels: Readonly<Record<string, string>>;
  /** Current status. */
  status: MonitorStatus;
  /** Epoch ms of the last status change. */
  since?: number;
}

/** Where live monitors come from (the engine). */
export interface MonitorSource {
  /** One monitor. */
  get(id: string): LiveMonitor | undefined;
  /** Every monitor. */
  all(): Iterable<LiveMonitor>;
}

/** How a day looked: no data, all up, some degraded, some down (≥ 99 % up), or worse. */
export type DayClass = "none" | "up" | "degraded" | "partial" | "down";

/** One cell of a bar. */
export interface DayCell extends DayRow {
  /** Class for colour and pattern. */
  cls: DayClass;
  /** Checks not down, in percent (null without checks). */
  uptimePct: number | null;
}

/** A monitor line of a section. */
export interface MonitorLine {
  /** Monitor id. */
  id: string;
  /** Public name. */
  name: string;
  /** Current status. */
  status: MonitorStatus;
  /** Epoch ms of the last change. */
  since?: number;
  /** Uptime over the bar's days (null without checks). */
  uptimePct: number | null;
  /** Oldest first, `BAR_DAYS` of them. */
  days: DayCell[];
}

/** A configured maintenance window covering some of the page's monitors, open now or next. */
export interface WindowView {
  /** Window name. */
  name: string;
  /** Why. */
  comment?: string;
  /** Epoch ms it starts (or started). */
  from: number;
  /** Epoch ms it ends. */
  to: number;
  /** Open now. */
  open: boolean;
}

/** Everything a page shows. */
export interface PageSnapshot {
  /** The page. */
  page: StatusPage;
  /** Epoch ms built. */
  at: number;
  /** Banner. */
  overall: { status: OverallStatus; text: string };
  /** Sections with their monitors. */
  sections: Array<{ title: string; description?: string; monitors: MonitorLine[] }>;
  /** Open incidents, newest first. */
  incidents: StatusIncident[];
  /** Maintenance announcements not over, soonest first. */
  announcements: StatusIncident[];
  /** Configured windows covering the page's monitors. */
  windows: WindowView[];
  /** Resolved incidents of the last `historyDays`, newest first. */
  history: StatusIncident[];
  /** Ids of every monitor shown (to invalidate on their changes). */
  monitorIds: Set<string>;
}

/** What building a snapshot reads. */
export interface SnapshotDeps {
  /** Pages. */
  pages: StatusPageStore;
  /** Incidents. */
  incidents: IncidentStore;
  /** Live monitors. */
  monitors: MonitorSource;
  /** Configured maintenance windows. */
  windows: () => readonly MaintenanceWindow[];
}

/** The monitors of each section: listed ids first (missing ones skipped), then label matches by name. */
export function resolveSections(page: StatusPage, src: MonitorSource): Array<{ title: string; description?: string; monitors: Array<{ live: LiveMonitor; name: string }> }> {
  let all: LiveMonitor[] | undefined;
  return page.sections.map((s) => {
    const seen = new Set<string>();
    const out: Array<{ live: LiveMonitor; name: string }> = [];
    for (const m of s.monitors) {
      const live = src.get(m.id);
      if (!live || seen.has(m.id)) continue;
      seen.add(m.id);
      out.push({ live, name: m.name ?? live.name });
    }
    const matchers = s.matchers.map(parseMatcher).filter((m): m is Matcher => !("error" in m));
    if (matchers.length) {
      all ??= [...src.all()];
      const hits = all.filter((m) => !seen.has(m.id) && matchesAll(matchers, m.labels)).sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
      for (const live of hits) out.push({ live, name: live.name });
    }
    return { title: s.title, ...(s.description ? { description: s.description } : {}), monitors: out };
  });
}

/** The class of a day. */
export function dayClass(r: Pick<DayRow, "checks" | "failures" | "degraded">): DayClass {
  if (!r.checks) return "none";
  if (!r.failures) return r.degraded ? "degraded" : "up";
  return (r.checks - r.failures) / r.checks >= 0.99 ? "partial" : "down";
}

/** The `BAR_DAYS` cells ending with today's (UTC) from a monitor's rows. */
export function dayCells(rows: readonly DayRow[] | undefined, now: number): DayCell[] {
  const today = bucketStart("day", now);
  const byDay = new Map((rows ?? []).map((r) => [r.day, r]));
  const out: DayCell[] = [];
  for (let i = BAR_DAYS - 1; i >= 0; i--) {
    const day = today - i * DAY_MS;
    const r = byDay.get(day) ?? { day, checks: 0, failures: 0, degraded: 0, downMs: 0 };
    out.push({ ...r, cls: dayClass(r), uptimePct: r.checks ? (100 * (r.checks - r.failures)) / r.checks : null });
  }
  return out;
}

/** Checkup's banner rule (compat §3.8): any down → down, else any degraded → degraded; open incidents count by impact; then maintenance. */
export function overallStatus(statuses: Iterable<MonitorStatus>, open: readonly StatusIncident[], announcing: boolean): OverallStatus {
  let degraded = false;
  let maintenance = announcing;
  for (const s of statuses) {
    if (s === "down") return "down";
    if (s === "degraded") degraded = true;
    if (s === "maintenance") maintenance = true;
  }
  for (const i of open) {
    if (i.impact === "major") return "down";
    if (i.impact === "minor") degraded = true;
  }
  return degraded ? "degraded" : maintenance ? "maintenance" : "up";
}

/** Configured windows covering any of these monitors: the open span, or else the next one within two weeks. */
export function windowViews(windows: readonly MaintenanceWindow[], monitors: readonly LiveMonitor[], now: number): WindowView[] {
  const out: WindowView[] = [];
  for (const w of windows) {
    if (!monitors.some((m) => matchesAll(w.matchers, m.labels))) continue;
    const open = openSpan(w, now);
    let span = open;
    if (!span && w.start !== undefined && w.end !== undefined && w.start > now) span = { from: w.start, to: w.end };
    if (!span && w.next && w.durationMs) {
      const next = w.next(now);
      if (next !== undefined) span = { from: next, to: next + w.durationMs };
    }
    if (!span || span.from > now + 14 * DAY_MS) continue;
    out.push({ name: w.name, ...(w.comment ? { comment: w.comment } : {}), from: span.from, to: span.to, open: !!open });
  }
  return out.sort((a, b) => a.from - b.from);
}

/** Builds a page's snapshot: three queries (incidents, their updates, day rollups per 500 monitors). */
export async function buildSnapshot(page: StatusPage, d: SnapshotDeps, now: number): Promise<PageSnapshot> {
  const resolved = resolveSections(page, d.monitors);
  const lives = new Map<string, LiveMonitor>();
  for (const s of resolved) for (const m of s.monitors) lives.set(m.live.id, m.live);
  const from = bucketStart("day", now) - (BAR_DAYS - 1) * DAY_MS;
  const [rows, threads] = await Promise.all([
    lives.size ? d.pages.dayRows([...lives.keys()], from) : Promise.resolve(new Map<string, DayRow[]>()),
    d.incidents.list(page.id, { resolvedSince: now - page.historyDays * DAY_MS, limit: 200 }),
  ]);
  const sections = resolved.map((s) => ({
    ...s,
    monitors: s.monitors.map(({ live, name }): MonitorLine => {
      const days = dayCells(rows.get(live.id), now);
      const checks = days.reduce((n, c) => n + c.checks, 0);
      const failures = days.reduce((n, c) => n + c.failures, 0);
      return { id: live.id, name, status: live.status, ...(live.since !== undefined ? { since: live.since } : {}), uptimePct: checks ? (100 * (checks - failures)) / checks : null, days };
    }),
  }));
  const incidents = threads.filter((t) => t.kind === "incident" && t.resolvedAt === undefined);
  const announcements = threads.filter((t) => t.kind === "maintenance" && t.resolvedAt === undefined && (t.endsAt === undefined || t.endsAt > now)).sort((a, b) => (a.startsAt ?? 0) - (b.startsAt ?? 0));
  const history = threads.filter((t) => t.resolvedAt !== undefined);
  const windows = windowViews(d.windows(), [...lives.values()], now);
  const announcing = announcements.some((a) => (a.startsAt ?? 0) <= now) || windows.some((w) => w.open);
  const status = overallStatus([...lives.values()].map((m) => m.status), incidents, announcing);
  return { page, at: now, overall: { status, text: page.statusText[status] ?? DEFAULT_STATUS_TEXT[status] }, sections, incidents, announcements, windows, history, monitorIds: new Set(lives.keys()) };
}

/** Monitor ids the engine does not know, as an error naming the first; undefined when all exist (or the engine is starting). */
export function unknownMonitor(ids: readonly string[], src: MonitorSource | undefined, path: string): string | undefined {
  if (!src) return undefined;
  const i = ids.findIndex((id) => !src.get(id));
  return i < 0 ? undefined : `${path}/${i}: no monitor "${ids[i]}"`;
}
