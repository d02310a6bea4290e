/**
 * A status page's incident updates as RSS 2.0 and Atom 1.0: one item per update, newest first,
 * titled `<incident> — <state>`. Links are absolute: `pageUrl` is the page's public address, without a trailing slash.
 */
import type { FeedUpdate } from "./incidents.ts";
import { esc, STATE_WORDS, statusTitle } from "./text.ts";
import type { StatusPage } from "./types.ts";

/** Updates in a feed. */
export const FEED_LENGTH = 50;

/** RSS 2.0 content type. */
export const RSS_TYPE = "application/rss+xml; charset=utf-8";
/** Atom 1.0 content type. */
export const ATOM_TYPE = "application/atom+xml; charset=utf-8";

/** A stable id for an update that survives slug and domain changes. */
const entryId = (page: StatusPage, u: FeedUpdate) => `tag:upbeat,2024:status-page-${page.id}/incident-${u.incidentId}/update-${u.id}`;
const itemTitle = (u: FeedUpdate) => `${u.title} — ${u.kind === "maintenance" && u.state === "maintenance" ? "Scheduled maintenance" : STATE_WORDS[u.state]}`;

/** RSS 2.0 (RFC 822 dates, a self link for validators). */
export function renderRss(page: StatusPage, pageUrl: string, updates: readonly FeedUpdate[], now: number): string {
  const built = new Date(updates[0]?.createdAt ?? now).toUTCString();
  const items = updates
    .map(
      (u) =>
        `<item><title>${esc(itemTitle(u))}</title><link>${esc(`${pageUrl}#incident-${u.incidentId}`)}</link><guid isPermaLink="false">${esc(entryId(page, u))}</guid><pubDate>${new Date(u.createdAt).toUTCString()}</pubDate><description>${esc(u.body)}</description></item>`,
    )
    .join("");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>${esc(statusTitle(page.title))}</title><link>${esc(pageUrl)}</link><description>${esc(page.description || `Incidents and maintenance of ${page.title}`)}</description><atom:link href="${esc(`${pageUrl}/feed.rss`)}" rel="self" type="application/rss+xml"/><lastBuildDate>${built}</lastBuildDate><generator>Upbeat</generator>${items}</channel></rss>\n`;
}

/** Atom 1.0 (RFC 3339 dates; the page title as author, since staff names are not published). */
export function renderAtom(page: StatusPage, pageUrl: string, updates: readonly FeedUpdate[], now: number): string {
  const updated = new Date(updates.reduce((m, u) => Math.max(m, u.updatedAt), updates.length ? 0 : now)).toISOString();
  const entries = updates
    .map(
      (u) =>
        `<entry><title>${esc(itemTitle(u))}</title><id>${esc(entryId(page, u))}</id><link rel="alternate" type="text/html" href="${esc(`${pageUrl}#incident-${u.incidentId}`)}"/><published>${new Date(u.createdAt).toISOString()}</published><updated>${new Date(u.updatedAt).toISOString()}</updated><content type="text">${esc(u.body)}</content></entry>`,
    )
    .join("");
  const self = `${pageUrl}/feed.atom`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>${esc(statusTitle(page.title))}</title><id>tag:upbeat,2024:status-page-${page.id}</id><updated>${updated}</updated><link rel="self" type="application/atom+xml" href="${esc(self)}"/><link rel="alternate" type="text/html" href="${esc(pageUrl)}"/><author><name>${esc(page.title)}</name></author><generator>Upbeat</generator>${entries}</feed>\n`;
}
