/**
 * Status pages as plain HTML and CSS, rendered on the server: the page, its incident history and
 * the password form. No JavaScript; every state is told by text and icon as well as colour.
 * `base` is where the page lives (`/pages/<slug>`, or `` on its own domain).
 */
import { STATUS_PAGE_CSS } from "./css.ts";
import type { DayCell, MonitorLine, PageSnapshot, WindowView } from "./snapshot.ts";
import { DAY_WORDS, esc, statusTitle, IMPACT_WORDS, MONITOR_WORDS, OVERALL_ICON, pct, span, STATE_WORDS, utcDay, utcMinute } from "./text.ts";
import type { StatusIncident, StatusPage } from "./types.ts";

/** Incidents listed per page of history. */
export const HISTORY_PAGE_SIZE = 20;

const time = (ms: number) => `<time datetime="${new Date(ms).toISOString()}">${utcMinute(ms)}</time>`;

function head(page: StatusPage, base: string, title: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title>${page.description ? `<meta name="description" content="${esc(page.description)}">` : ""}<link rel="alternate" type="application/rss+xml" title="${esc(page.title)} (RSS)" href="${base}/feed.rss"><link rel="alternate" type="application/atom+xml" title="${esc(page.title)} (Atom)" href="${base}/feed.atom"><style>${STATUS_PAGE_CSS}</style></head><body><div class="wrap">`;
}

function header(page: StatusPage, base: string, h1 = true): string {
  const src = page.logoType ? `${base}/logo?v=${page.updatedAt}` : page.logoUrl;
  const logo = src ? `<img src="${esc(src)}" alt="${esc(page.title)} logo">` : "";
  const title = h1 ? `<h1>${esc(page.title)}</h1>` : `<a href="${base || "/"}"><h1>${esc(page.title)}</h1></a>`;
  return `<header class="top">${logo}<div>${title}${page.description ? `<p class="desc">${esc(page.description)}</p>` : ""}</div></header><main>`;
}

function footer(page: StatusPage, base: string): string {
  const text = page.footer ? `<p>${esc(page.footer)}</p>` : "";
  return `</main><footer>${text}<p><a href="${base}/history">Incident history</a><a href="${base}/feed.rss">RSS</a><a href="${base}/feed.atom">Atom</a><a href="${base}/status.json">JSON</a></p><p>Powered by Upbeat</p></footer></div></body></html>`;
}

function cell(c: DayCell): string {
  const detail = c.checks ? ` · ${pct(c.uptimePct ?? 0)} up${c.failures ? ` (${c.failures} of ${c.checks} checks failed)` : ""}${c.degraded ? ` · ${c.degraded} degraded` : ""}` : "";
  return `<li class="d-${c.cls}" title="${utcDay(c.day)}: ${DAY_WORDS[c.cls]}${detail}"></li>`;
}

function monitorLine(m: MonitorLine, bars: boolean, now: number): string {
  const w = MONITOR_WORDS[m.status];
  const since = m.status !== "up" && m.since !== undefined && m.status !== "pending" ? ` <span class="meta">for ${span(now - m.since)}</span>` : "";
  const state = `<span class="st st-${m.status}"><span class="ico" aria-hidden="true">${w.icon}</span>${w.text}</span>`;
  const uptime = m.uptimePct === null ? "No data" : `${pct(m.uptimePct)} uptime`;
  const bar = bars
    ? `<ol class="bar" aria-hidden="true">${m.days.map(cell).join("")}</ol><div class="legend"><span><span class="m90">90 days ago</span><span class="m30">30 days ago</span></span><span>${uptime}<span class="sr"> over 90 days</span></span><span>Today</span></div>`
    : `<div class="legend"><span>${uptime} over 90 days</span></div>`;
  return `<li id="m-${esc(encodeURIComponent(m.id))}"><div class="row"><span class="name">${esc(m.name)}</span><span>${state}${since}</span></div>${bar}</li>`;
}

/** An incident thread: title, impact, affected monitors and updates newest first. */
export function incidentHtml(i: StatusIncident, names: ReadonlyMap<string, string>, level = 3): string {
  const affected = i.monitors.map((id) => names.get(id)).filter((n): n is string => n !== undefined);
  const tag = i.kind === "maintenance" ? `<span class="tag i-maintenance">Maintenance</span>` : `<span class="tag i-${i.impact}">${IMPACT_WORDS[i.impact]}</span>`;
  const window = i.startsAt !== undefined ? `<p class="meta">Scheduled ${time(i.startsAt)}${i.endsAt !== undefined ? ` – ${time(i.endsAt)}` : ""}</p>` : "";
  const ups = i.updates.map((u) => `<li><span class="state">${STATE_WORDS[u.state]}</span> <span class="sr">posted</span>${time(u.createdAt)}<p class="body">${esc(u.body)}</p></li>`).join("");
  return `<article class="card" id="incident-${i.id}"><h${level}>${esc(i.title)}${tag}</h${level}>${window}${affected.length ? `<p class="meta">Affects: ${affected.map(esc).join(", ")}</p>` : ""}<ol class="ups">${ups}</ol></article>`;
}

function windowHtml(w: WindowView): string {
  return `<article class="card"><h3>${esc(w.name)}<span class="tag i-maintenance">${w.open ? "In progress" : "Scheduled"}</span></h3><p class="meta">${time(w.from)} – ${time(w.to)}</p>${w.comment ? `<p class="body">${esc(w.comment)}</p>` : ""}</article>`;
}

/** Monitor id → public name, from a snapshot's sections. */
export function namesOf(s: Pick<PageSnapshot, "sections">): Map<string, string> {
  const out = new Map<string, string>();
  for (const sec of s.sections) for (const m of sec.monitors) if (!out.has(m.id)) out.set(m.id, m.name);
  return out;
}

/** The whole page. */
export function renderPage(s: PageSnapshot, base: string): string {
  const p = s.page;
  const names = namesOf(s);
  const out = [head(p, base, statusTitle(p.title)), header(p, base)];
  out.push(`<section class="banner b-${s.overall.status}" role="status"><span class="ico" aria-hidden="true">${OVERALL_ICON[s.overall.status]}</span><strong>${esc(s.overall.text)}</strong><span class="when">Updated ${time(s.at)}</span></section>`);
  if (s.incidents.length) out.push(`<section aria-labelledby="h-now"><h2 id="h-now">Current incidents</h2>${s.incidents.map((i) => incidentHtml(i, names)).join("")}</section>`);
  if (s.announcements.length || s.windows.length) {
    out.push(`<section aria-labelledby="h-mnt"><h2 id="h-mnt">Scheduled maintenance</h2>${s.announcements.map((i) => incidentHtml(i, names)).join("")}${s.windows.map(windowHtml).join("")}</section>`);
  }
  s.sections.forEach((sec, n) => {
    const body = sec.monitors.length ? `<ul class="mons">${sec.monitors.map((m) => monitorLine(m, p.showUptimeBars, s.at)).join("")}</ul>` : `<p class="meta">No monitors.</p>`;
    out.push(`<section aria-labelledby="h-s${n}"><h2 id="h-s${n}">${esc(sec.title)}</h2>${sec.description ? `<p class="desc">${esc(sec.description)}</p>` : ""}<div class="card">${body}</div></section>`);
  });
  const past = s.history.length ? s.history.map((i) => incidentHtml(i, names)).join("") : `<p class="meta">No incidents in the last ${p.historyDays} days.</p>`;
  out.push(`<section aria-labelledby="h-past"><h2 id="h-past">Past incidents</h2>${past}<p><a href="${base}/history">Full incident history</a></p></section>`);
  out.push(footer(p, base));
  return out.join("");
}

/** One page of the incident history (resolved incidents, newest first). */
export function renderHistory(p: StatusPage, base: string, incidents: StatusIncident[], pageNo: number, hasMore: boolean, names: ReadonlyMap<string, string>): string {
  const out = [head(p, base, `${p.title} incident history`), header(p, base, false), `<h2>Incident history</h2>`];
  out.push(incidents.length ? incidents.map((i) => incidentHtml(i, names)).join("") : `<p class="meta">No incidents${pageNo > 1 ? " on this page" : " yet"}.</p>`);
  const prev = pageNo > 1 ? `<a href="${base}/history${pageNo > 2 ? `?page=${pageNo - 1}` : ""}" rel="prev">Newer incidents</a>` : "<span></span>";
  const next = hasMore ? `<a href="${base}/history?page=${pageNo + 1}" rel="next">Older incidents</a>` : "<span></span>";
  out.push(`<nav class="pager" aria-label="History pages">${prev}${next}</nav>`, footer(p, base));
  return out.join("");
}

/** The form a password-protected page shows instead of itself. */
export function renderPasswordForm(p: StatusPage, base: string, failed: boolean): string {
  const err = failed ? `<p class="err" role="alert">Wrong password. Try again.</p>` : "";
  return `${head(p, base, statusTitle(p.title))}<header class="top"><div><h1>${esc(p.title)}</h1></div></header><main><div class="card"><p>This status page is protected by a password.</p>${err}<form class="pw" method="post" action="${base}/login"><label for="pw">Password</label><input id="pw" name="password" type="password" required autocomplete="current-password"><button type="submit">View status</button></form></div></main></div></body></html>`;
}
