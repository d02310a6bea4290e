/**
 * The status pages at run time: the page index (by slug and by custom domain, reloaded after every
 * change and every TTL so other nodes' changes show up), the render cache with its invalidation,
 * and the renders behind each public URL. Routes only look things up here.
 */
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { monitorLabels } from "../core/matchers.ts";
import type { Engine } from "../engine/engine.ts";
import { errorMessage } from "../lib/errors.ts";
import type { StatusPagesSettings } from "../config/schema/status-pages.ts";
import type { Database } from "../store/schema.ts";
import { type Entry, RenderCache } from "./cache.ts";
import { ATOM_TYPE, FEED_LENGTH, renderAtom, renderRss, RSS_TYPE } from "./feeds.ts";
import { IncidentStore } from "./incidents.ts";
import { pageJson } from "./json.ts";
import { PasswordChecker } from "./password.ts";
import { HISTORY_PAGE_SIZE, renderHistory, renderPage } from "./render.ts";
import { buildSnapshot, type LiveMonitor, type MonitorSource, type PageSnapshot, resolveSections } from "./snapshot.ts";
import { StatusPageStore } from "./store.ts";
import type { StatusPage } from "./types.ts";

/** What the service needs. */
export interface StatusPagesDeps {
  /** The store's query builder. */
  db: Kysely<Database>;
  /** The engine (absent while starting). */
  engine: () => Engine | undefined;
  /** Settings. */
  settings: StatusPagesSettings;
  /** Log. */
  log: Logger;
  /** Epoch-ms clock. */
  now?: () => number;
}

/** Host header → bare lower-case host name (no port, no trailing dot). */
export function hostName(host: string | undefined): string {
  if (!host) return "";
  const h = host.trim().toLowerCase();
  const bare = h.startsWith("[") ? h.slice(0, h.indexOf("]") + 1) : h.replace(/:\d+$/, "");
  return bare.replace(/\.$/, "");
}

const DOMAIN_PATHS = new Set(["/status.json", "/feed.rss", "/feed.atom", "/history", "/logo", "/login"]);

function live(e: Engine, id: string): LiveMonitor | undefined {
  const r = e.get(id);
  return r ? { id, name: r.monitor.name, labels: monitorLabels(r.monitor), status: r.state.status, since: r.state.since } : undefined;
}

/** The running status pages. */
export class StatusPages {
  readonly pages: StatusPageStore;
  readonly incidents: IncidentStore;
  readonly cache: RenderCache;
  readonly passwords: PasswordChecker;
  readonly now: () => number;
  private bySlug = new Map<string, StatusPage>();
  private byDomain = new Map<string, StatusPage>();
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | undefined;
  private readonly snaps = new Map<string, { until: number; ids?: Set<string>; p: Promise<PageSnapshot> }>();
  private badgeIds: { until: number; ids: Set<string> } | undefined;
  private readonly attached = new WeakSet<Engine>();

  /** Builds the service (call `load` before serving). */
  constructor(readonly d: StatusPagesDeps) {
    this.now = d.now ?? Date.now;
    this.pages = new StatusPageStore(d.db);
    this.incidents = new IncidentStore(d.db);
    this.cache = new RenderCache(d.settings.cacheTtlMs, this.now);
    this.passwords = new PasswordChecker(this.now);
  }

  private get indexTtlMs(): number {
    return Math.max(5000, this.d.settings.cacheTtlMs);
  }

  /** (Re)loads the page index. */
  async load(): Promise<void> {
    this.loading ??= this.pages
      .listPages()
      .then((all) => {
        this.bySlug = new Map(all.map((p) => [p.slug, p]));
        this.byDomain = new Map(all.filter((p) => p.domain).map((p) => [p.domain as string, p]));
        this.loadedAt = this.now();
      })
      .finally(() => (this.loading = undefined));
    return this.loading;
  }

  /** A page by slug, from the index (reloaded when stale). */
  async page(slug: string): Promise<StatusPage | undefined> {
    if (this.now() - this.loadedAt > this.indexTtlMs) await this.load();
    return this.bySlug.get(slug);
  }

  /** Every page in the index. */
  async all(): Promise<StatusPage[]> {
    if (this.now() - this.loadedAt > this.indexTtlMs) await this.load();
    return [...this.bySlug.values()];
  }

  /** Fastify's `rewriteUrl`: on a page's custom domain, `/` and the page's own paths go to `/pages/<slug>…`. Synchronous and cheap. */
  rewrite(url: string, host: string | undefined): string {
    if (!this.byDomain.size) return url;
    const page = this.byDomain.get(hostName(host));
    if (!page) return url;
    if (this.now() - this.loadedAt > this.indexTtlMs) this.load().catch((e: unknown) => this.d.log.error({ err: errorMessage(e) }, "status page index reload failed"));
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? "" : url.slice(q);
    if (path === "/" || path === "") return `/pages/${page.slug}${query}`;
    return DOMAIN_PATHS.has(path) ? `/pages/${page.slug}${path}${query}` : url;
  }

  /** Reloads the index from a read that starts now (a load already running may predate a write). */
  async reload(): Promise<void> {
    if (this.loading) await this.loading.catch(() => undefined);
    await this.load();
  }

  /** After a change through the API: reload the index and drop what was rendered for the page (and every badge). */
  async changed(...slugs: string[]): Promise<void> {
    for (const s of slugs) {
      this.cache.drop(s);
      this.snaps.delete(s);
    }
    this.cache.drop("badge");
    this.badgeIds = undefined;
    await this.reload();
  }

  /** Live monitors, or undefined while the engine starts; subscribes to its status changes once. */
  monitors(): MonitorSource | undefined {
    const e = this.d.engine();
    if (!e) return undefined;
    if (!this.attached.has(e)) {
      this.attached.add(e);
      e.onStatus((id) => this.monitorChanged(id));
    }
    return { get: (id) => live(e, id), all: () => e.states().flatMap((s) => live(e, s.monitorId) ?? []) };
  }

  /** A monitor changed status: the renders showing it expire soon. */
  monitorChanged(id: string): void {
    this.cache.monitorChanged(id);
    // A snapshot still being built may have read the old state: the next render builds afresh.
    for (const [slug, s] of this.snaps) if (!s.ids || s.ids.has(id)) this.snaps.delete(slug);
  }

  /** The page's snapshot, shared by its HTML, JSON and feeds renders. */
  async snapshot(page: StatusPage, src: MonitorSource): Promise<PageSnapshot> {
    const memo = this.snaps.get(page.slug);
    if (memo && memo.until > this.now()) return memo.p;
    const e = this.d.engine();
    const entry: { until: number; ids?: Set<string>; p: Promise<PageSnapshot> } = { until: this.now() + this.d.settings.cacheTtlMs, p: Promise.resolve(undefined as unknown as PageSnapshot) };
    entry.p = buildSnapshot(page, { pages: this.pages, incidents: this.incidents, monitors: src, windows: () => (e ? e.maintenanceWindows().map((w) => w.window) : []) }, this.now()).then((s) => {
      entry.ids = s.monitorIds;
      return s;
    });
    entry.p.catch(() => this.snaps.delete(page.slug));
    this.snaps.set(page.slug, entry);
    return entry.p;
  }

  /** The page's HTML. */
  html(page: StatusPage, src: MonitorSource, base: string): Promise<Entry> {
    return this.cache.get(page.slug, `html${base}`, async () => {
      const s = await this.snapshot(page, src);
      return { body: renderPage(s, base), type: "text/html; charset=utf-8", monitors: s.monitorIds };
    });
  }

  /** One page of the incident history. */
  history(page: StatusPage, src: MonitorSource, base: string, pageNo: number): Promise<Entry> {
    return this.cache.get(page.slug, `history${base}?${pageNo}`, async () => {
      const list = await this.incidents.list(page.id, { open: false, limit: HISTORY_PAGE_SIZE + 1, offset: (pageNo - 1) * HISTORY_PAGE_SIZE });
      const names = new Map(resolveSections(page, src).flatMap((s) => s.monitors.map((m): [string, string] => [m.live.id, m.name])).reverse());
      return { body: renderHistory(page, base, list.slice(0, HISTORY_PAGE_SIZE), pageNo, list.length > HISTORY_PAGE_SIZE, names), type: "text/html; charset=utf-8" };
    });
  }

  /** The page as JSON. */
  json(page: StatusPage, src: MonitorSource, pageUrl: string): Promise<Entry> {
    return this.cache.get(page.slug, `json ${pageUrl}`, async () => {
      const s = await this.snapshot(page, src);
      return { body: JSON.stringify(pageJson(s, pageUrl)), type: "application/json; charset=utf-8", monitors: s.monitorIds };
    });
  }

  /** The RSS or Atom feed. */
  feed(page: StatusPage, pageUrl: string, kind: "rss" | "atom"): Promise<Entry> {
    return this.cache.get(page.slug, `${kind} ${pageUrl}`, async () => {
      const updates = await this.incidents.feed(page.id, FEED_LENGTH);
      return kind === "rss" ? { body: renderRss(page, pageUrl, updates, this.now()), type: RSS_TYPE } : { body: renderAtom(page, pageUrl, updates, this.now()), type: ATOM_TYPE };
    });
  }

  /** The uploaded logo (404 body when there is none). */
  logo(page: StatusPage): Promise<Entry> {
    return this.cache.get(page.slug, "logo", async () => {
      const l = await this.pages.logo(page.id);
      return l ? { body: l.data, type: l.type } : { body: JSON.stringify({ code: "UPBEAT_NOT_FOUND", message: "this page has no uploaded logo", statusCode: 404 }), type: "application/json; charset=utf-8", status: 404 };
    });
  }

  /** Whether a monitor may have badges: shown on a page without a password, or labelled `public=true`. */
  async badgeAllowed(id: string, src: MonitorSource): Promise<boolean> {
    if (!this.badgeIds || this.badgeIds.until <= this.now()) {
      const ids = new Set<string>();
      for (const p of await this.all()) if (!p.passwordHash) for (const s of resolveSections(p, src)) for (const m of s.monitors) ids.add(m.live.id);
      for (const m of src.all()) if (m.labels.public === "true") ids.add(m.id);
      this.badgeIds = { until: this.now() + this.indexTtlMs, ids };
    }
    return this.badgeIds.ids.has(id);
  }
}
