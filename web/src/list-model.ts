/**
 * The monitor listing as the browser holds it: the summary (counts, groups) and only the pages of
 * rows that were scrolled to. Live events change rows in place at once; the order (problems
 * first) and the group counts are refetched shortly after, in one request per visible page.
 */
import { get, qs } from "./api.ts";
import type { ResultEvent, StatusEvent } from "./live.ts";
import type { BarInfo, Dashboard, Row, RowsPage } from "./types.ts";

/** Rows per request. */
export const PAGE = 100;

/** Filters and order of the listing (as in the URL). */
export interface ListQuery {
  q?: string;
  state?: string;
  group?: string;
  label?: string;
  kind?: string;
  sort?: string;
}

/** The summary part of `/api/v1/dashboard`. */
export type Summary = Omit<Dashboard, "page">;

/** The listing. */
export class ListModel {
  query: ListQuery = {};
  summary: Summary | undefined;
  total = 0;
  bar: BarInfo | undefined;
  now = Date.now();
  error: string | undefined;
  private rows = new Map<number, Row>();
  private pos = new Map<string, number>();
  private loaded = new Set<number>();
  private pending = new Set<number>();
  private gen = 0;
  private visible: [number, number] = [0, 0];
  private listeners = new Set<() => void>();
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private notifyQueued = false;

  /** Calls `fn` after every change. */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Row at a position, when its page is loaded. */
  row(i: number): Row | undefined {
    return this.rows.get(i);
  }

  /** Loads the first screen for a query (drops every row held). */
  async load(query: ListQuery): Promise<void> {
    this.query = query;
    const gen = ++this.gen;
    try {
      const d = await get<Dashboard>(`/api/v1/dashboard${qs({ ...query, limit: PAGE })}`);
      if (gen !== this.gen) return;
      const { page, ...summary } = d;
      this.summary = summary;
      this.error = undefined;
      this.replace([page]);
    } catch (e) {
      if (gen === this.gen) this.error = e instanceof Error ? e.message : String(e);
    }
    this.notify();
  }

  /** The visible rows are `from`..`to`: loads their pages if missing. */
  need(from: number, to: number): void {
    this.visible = [from, to];
    for (let p = Math.floor(from / PAGE); p <= Math.floor(Math.max(from, to - 1) / PAGE); p++) {
      if (p * PAGE >= this.total || this.loaded.has(p) || this.pending.has(p)) continue;
      void this.fetchPage(p);
    }
  }

  private async fetchPage(p: number): Promise<void> {
    const gen = this.gen;
    this.pending.add(p);
    try {
      const r = await get<RowsPage>(`/api/v1/dashboard/rows${qs({ ...this.query, offset: p * PAGE, limit: PAGE })}`);
      if (gen !== this.gen) return;
      this.total = r.total;
      this.bar = r.bar;
      this.now = r.now;
      this.put(r);
      this.loaded.add(p);
    } catch (e) {
      if (gen === this.gen) this.error = e instanceof Error ? e.message : String(e);
    } finally {
      this.pending.delete(p);
      this.notify();
    }
  }

  private put(r: RowsPage): void {
    r.rows.forEach((row, k) => {
      const i = r.offset + k;
      const old = this.rows.get(i);
      if (old && this.pos.get(old.id) === i) this.pos.delete(old.id);
      this.rows.set(i, row);
      this.pos.set(row.id, i);
    });
  }

  private replace(pages: RowsPage[]): void {
    this.rows.clear();
    this.pos.clear();
    this.loaded.clear();
    for (const p of pages) {
      this.total = p.total;
      this.bar = p.bar;
      this.now = p.now;
      this.put(p);
      this.loaded.add(Math.floor(p.offset / PAGE));
    }
  }

  /** Fetches the summary and the visible pages again, then swaps them in at once (no flicker). */
  async refresh(): Promise<void> {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    const gen = ++this.gen;
    const [from, to] = this.visible;
    const pages = new Set([0]);
    for (let p = Math.floor(from / PAGE); p <= Math.floor(Math.max(from, to - 1) / PAGE); p++) pages.add(p);
    try {
      const [d, ...rest] = await Promise.all([
        get<Dashboard>(`/api/v1/dashboard${qs({ ...this.query, limit: PAGE })}`),
        ...[...pages].filter((p) => p > 0).map((p) => get<RowsPage>(`/api/v1/dashboard/rows${qs({ ...this.query, offset: p * PAGE, limit: PAGE })}`)),
      ]);
      if (gen !== this.gen || !d) return;
      const { page, ...summary } = d;
      this.summary = summary;
      this.error = undefined;
      this.replace([page, ...rest]);
    } catch (e) {
      if (gen === this.gen) this.error = e instanceof Error ? e.message : String(e);
    }
    this.notify();
  }

  /** Refreshes soon (several changes in a burst make one refresh). */
  refreshSoon(delayMs = 1500): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => void this.refresh(), delayMs);
  }

  /** A state change: the row and the counts change now, the order a little later. */
  status(e: StatusEvent): void {
    const s = this.summary;
    if (s) {
      s.counts[e.from] = Math.max(0, (s.counts[e.from] ?? 0) - 1);
      s.counts[e.to] = (s.counts[e.to] ?? 0) + 1;
    }
    const i = this.pos.get(e.id);
    const row = i === undefined ? undefined : this.rows.get(i);
    if (row) this.rows.set(i as number, { ...row, state: e.to, since: e.at, reason: e.to === "down" || e.to === "degraded" ? (e.reason ?? row.reason) : undefined });
    this.refreshSoon();
    this.notifyLater();
  }

  /** Results: latency and the current hour's segment change in place. */
  results(batch: ResultEvent[]): void {
    let changed = false;
    for (const r of batch) {
      const i = this.pos.get(r.id);
      const row = i === undefined ? undefined : this.rows.get(i);
      if (!row) continue;
      changed = true;
      this.rows.set(i as number, { ...row, latencyMs: r.latencyMs, lastAt: r.at, bar: this.barWith(row.bar, r) });
    }
    if (changed) this.notifyLater();
  }

  private barWith(bar: string, r: ResultEvent): string {
    const b = this.bar;
    if (!b) return bar;
    const i = Math.floor((r.at - b.fromMs) / b.bucketMs);
    if (i !== b.segments - 1) return bar;
    const cur = bar[i] ?? "-";
    const rank = "-ugfd";
    const next = r.health === "down" ? "f" : r.health === "degraded" ? "g" : "u";
    return rank.indexOf(next) > rank.indexOf(cur) ? bar.slice(0, i) + next + bar.slice(i + 1) : bar;
  }

  private notifyLater(): void {
    if (this.notifyQueued) return;
    this.notifyQueued = true;
    requestAnimationFrame(() => {
      this.notifyQueued = false;
      this.notify();
    });
  }

  private notify(): void {
    for (const fn of this.listeners) fn();
  }
}
