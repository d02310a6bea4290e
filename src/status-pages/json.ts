/** A status page as JSON (`/pages/<slug>/status.json`), and incident threads as the public and the API see them. Pure. */
import type { PageSnapshot, WindowView } from "./snapshot.ts";
import { MONITOR_WORDS, utcDay } from "./text.ts";
import { namesOf } from "./render.ts";
import type { IncidentUpdate, StatusIncident } from "./types.ts";

const iso = (ms: number) => new Date(ms).toISOString();

/** An update without its author (staff names are not published). */
export function publicUpdate(u: IncidentUpdate) {
  return { id: u.id, state: u.state, body: u.body, createdAt: iso(u.createdAt), updatedAt: iso(u.updatedAt) };
}

/** An update as the API shows it. */
export function apiUpdate(u: IncidentUpdate) {
  return { ...publicUpdate(u), author: u.author };
}

function times(i: StatusIncident) {
  return {
    ...(i.startsAt !== undefined ? { startsAt: iso(i.startsAt) } : {}),
    ...(i.endsAt !== undefined ? { endsAt: iso(i.endsAt) } : {}),
    createdAt: iso(i.createdAt),
    updatedAt: iso(i.updatedAt),
    resolvedAt: i.resolvedAt !== undefined ? iso(i.resolvedAt) : null,
  };
}

/** An incident as the public sees it: affected monitors only when the page shows them. */
export function publicIncident(i: StatusIncident, names: ReadonlyMap<string, string>) {
  const affects = i.monitors.filter((id) => names.has(id)).map((id) => ({ id, name: names.get(id) as string }));
  return { id: i.id, kind: i.kind, title: i.title, impact: i.impact, state: i.state, affects, ...times(i), updates: i.updates.map(publicUpdate) };
}

/** An incident as the API shows it. */
export function apiIncident(i: StatusIncident) {
  return { id: i.id, kind: i.kind, title: i.title, impact: i.impact, state: i.state, monitors: i.monitors, author: i.author, ...times(i), updates: i.updates.map(apiUpdate) };
}

function windowJson(w: WindowView) {
  return { name: w.name, ...(w.comment ? { comment: w.comment } : {}), from: iso(w.from), to: iso(w.to), open: w.open };
}

/** The whole page. */
export function pageJson(s: PageSnapshot, pageUrl: string) {
  const names = namesOf(s);
  const p = s.page;
  return {
    page: { slug: p.slug, title: p.title, description: p.description, url: pageUrl, updatedAt: iso(p.updatedAt) },
    status: { indicator: s.overall.status, description: s.overall.text },
    sections: s.sections.map((sec) => ({
      title: sec.title,
      ...(sec.description ? { description: sec.description } : {}),
      monitors: sec.monitors.map((m) => ({
        id: m.id,
        name: m.name,
        status: m.status,
        statusText: MONITOR_WORDS[m.status].text,
        since: m.since !== undefined ? iso(m.since) : null,
        uptime90dPct: m.uptimePct,
        days: m.days.map((d) => ({ date: utcDay(d.day), status: d.cls, uptimePct: d.uptimePct, checks: d.checks, failures: d.failures, degraded: d.degraded })),
      })),
    })),
    incidents: s.incidents.map((i) => publicIncident(i, names)),
    maintenance: { announcements: s.announcements.map((i) => publicIncident(i, names)), windows: s.windows.map(windowJson) },
    history: s.history.map((i) => publicIncident(i, names)),
    generatedAt: iso(s.at),
  };
}
