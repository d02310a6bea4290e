/**
 * Status pages in the store: page rows (sections as JSON, the logo apart so listings stay small)
 * and the batched day-rollup read behind the 90-day bars — one query per 500 monitors, however
 * many monitors a page shows.
 */
import { type Kysely, sql } from "kysely";
import type { Database } from "../store/schema.ts";
import type { OverallStatus, Section, StatusPage } from "./types.ts";

/** A page as written by the API (password already hashed, logo already checked). */
export interface PageInput {
  /** URL name. */
  slug: string;
  /** Title. */
  title: string;
  /** Text under the title. */
  description: string;
  /** Logo URL. */
  logoUrl?: string | null;
  /** Uploaded logo (null removes it). */
  logo?: { type: string; data: Buffer } | null;
  /** Custom domain (lower case). */
  domain?: string | null;
  /** argon2 hash (null removes the password). */
  passwordHash?: string | null;
  /** Sections. */
  sections: Section[];
  /** Whether the 90-day bars are shown. */
  showUptimeBars: boolean;
  /** Footer text. */
  footer: string;
  /** Banner text overrides. */
  statusText: Partial<Record<OverallStatus, string>>;
  /** Days of resolved incidents on the page. */
  historyDays: number;
}

/** A slug or domain another page already has. */
export class PageConflictError extends Error {
  /** Which field clashed. */
  constructor(readonly field: "slug" | "domain", value: string) {
    super(`a status page with ${field} "${value}" already exists`);
  }
}

/** One day of one monitor, from `rollup_day`. */
export interface DayRow {
  /** Epoch ms of the UTC day. */
  day: number;
  /** Checks. */
  checks: number;
  /** Down checks. */
  failures: number;
  /** Degraded checks. */
  degraded: number;
  /** Milliseconds in an open incident. */
  downMs: number;
}

type PageRow = Record<string, unknown>;

const PAGE_COLUMNS = ["id", "slug", "title", "description", "logo_url", "logo_type", "domain", "password_hash", "sections", "show_uptime_bars", "footer", "status_text", "history_days", "created_at", "updated_at"] as const;

function pageFromRow(r: PageRow): StatusPage {
  const p: StatusPage = {
    id: Number(r.id),
    slug: String(r.slug),
    title: String(r.title),
    description: String(r.description),
    sections: JSON.parse(String(r.sections)) as Section[],
    showUptimeBars: Number(r.show_uptime_bars) === 1,
    footer: String(r.footer),
    statusText: r.status_text ? (JSON.parse(String(r.status_text)) as StatusPage["statusText"]) : {},
    historyDays: Number(r.history_days),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
  if (r.logo_url) p.logoUrl = String(r.logo_url);
  if (r.logo_type) p.logoType = String(r.logo_type);
  if (r.domain) p.domain = String(r.domain);
  if (r.password_hash) p.passwordHash = String(r.password_hash);
  return p;
}

/** The row values of an input (only the logo and password columns when given). */
function rowOf(p: PageInput, at: number) {
  return {
    slug: p.slug,
    title: p.title,
    description: p.description,
    sections: JSON.stringify(p.sections),
    show_uptime_bars: p.showUptimeBars ? 1 : 0,
    footer: p.footer,
    status_text: Object.keys(p.statusText).length ? JSON.stringify(p.statusText) : null,
    history_days: p.historyDays,
    updated_at: at,
    ...(p.logoUrl !== undefined ? { logo_url: p.logoUrl } : {}),
    ...(p.domain !== undefined ? { domain: p.domain } : {}),
    ...(p.passwordHash !== undefined ? { password_hash: p.passwordHash } : {}),
    ...(p.logo !== undefined ? { logo_type: p.logo?.type ?? null, logo_data: p.logo ? p.logo.data.toString("base64") : null } : {}),
  };
}

/** A unique-constraint failure from either database, as the field it was about. */
function conflictOf(e: unknown, p: PageInput): PageConflictError | undefined {
  const err = e as { code?: string; message?: string; detail?: string; constraint?: string };
  const text = `${err.message ?? ""} ${err.detail ?? ""} ${err.constraint ?? ""}`;
  if (err.code !== "23505" && !/UNIQUE constraint failed/.test(text)) return undefined;
  return /domain/.test(text) ? new PageConflictError("domain", p.domain ?? "") : new PageConflictError("slug", p.slug);
}

/** Page rows and the reads the public pages need. */
export class StatusPageStore {
  /** Over the store's query builder (or a wrapper of it that counts queries, in tests). */
  constructor(readonly db: Kysely<Database>) {}

  /** Every page (without logo bytes), by slug. */
  async listPages(): Promise<StatusPage[]> {
    return (await this.db.selectFrom("status_pages").select(PAGE_COLUMNS).orderBy("slug").execute()).map((r) => pageFromRow(r as PageRow));
  }

  /** One page by slug. */
  async getPage(slug: string): Promise<StatusPage | undefined> {
    const r = await this.db.selectFrom("status_pages").select(PAGE_COLUMNS).where("slug", "=", slug).executeTakeFirst();
    return r ? pageFromRow(r as PageRow) : undefined;
  }

  /** The uploaded logo of a page. */
  async logo(pageId: number): Promise<{ type: string; data: Buffer } | undefined> {
    const r = await this.db.selectFrom("status_pages").select(["logo_type", "logo_data"]).where("id", "=", pageId).executeTakeFirst();
    return r?.logo_type && r.logo_data ? { type: r.logo_type, data: Buffer.from(r.logo_data, "base64") } : undefined;
  }

  /** Refuses a slug or domain another page has (the unique indexes catch a race). */
  private async checkFree(p: Pick<PageInput, "slug" | "domain">, exceptId?: number): Promise<void> {
    const rows = await this.db
      .selectFrom("status_pages")
      .select(["id", "slug", "domain"])
      .where((eb) => eb.or([eb("slug", "=", p.slug), ...(p.domain ? [eb("domain", "=", p.domain)] : [])]))
      .execute();
    for (const r of rows) {
      if (Number(r.id) === exceptId) continue;
      throw r.slug === p.slug ? new PageConflictError("slug", p.slug) : new PageConflictError("domain", p.domain ?? "");
    }
  }

  /** Adds a page; a taken slug or domain throws `PageConflictError`. */
  async createPage(p: PageInput, at: number): Promise<StatusPage> {
    await this.checkFree(p);
    try {
      await this.db.insertInto("status_pages").values({ ...rowOf(p, at), created_at: at, logo_url: p.logoUrl ?? null, domain: p.domain ?? null, password_hash: p.passwordHash ?? null }).execute();
    } catch (e) {
      throw conflictOf(e, p) ?? e;
    }
    return (await this.getPage(p.slug)) as StatusPage;
  }

  /** Replaces a page's settings (logo and password only when given). */
  async updatePage(id: number, p: PageInput, at: number): Promise<StatusPage> {
    await this.checkFree(p, id);
    try {
      await this.db.updateTable("status_pages").set(rowOf(p, at)).where("id", "=", id).execute();
    } catch (e) {
      throw conflictOf(e, p) ?? e;
    }
    return (await this.getPage(p.slug)) as StatusPage;
  }

  /** Deletes a page with its incidents and updates. */
  async deletePage(id: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom("status_updates").where("page_id", "=", id).execute();
      await trx.deleteFrom("status_incidents").where("page_id", "=", id).execute();
      await trx.deleteFrom("status_pages").where("id", "=", id).execute();
    });
  }

  /** Day rollups since `from` of many monitors, oldest first per monitor: one query per 500 ids. */
  async dayRows(ids: readonly string[], from: number): Promise<Map<string, DayRow[]>> {
    const out = new Map<string, DayRow[]>();
    for (let i = 0; i < ids.length; i += 500) {
      const part = ids.slice(i, i + 500);
      // `bucket + 0` keeps SQLite on the (monitor, bucket) key rather than the bucket index.
      const q = sql<{ id: string; bucket: number; checks: number; failures: number; degraded: number; down_ms: number }>`
        SELECT m.id AS id, d.bucket AS bucket, d.checks AS checks, d.failures AS failures, d.degraded AS degraded, d.down_ms AS down_ms
        FROM rollup_day d JOIN monitors m ON m.seq = d.monitor_seq
        WHERE m.id IN (${sql.join(part)}) AND d.bucket + 0 >= ${from}
        ORDER BY m.id, d.bucket`;
      for (const r of (await q.execute(this.db)).rows) {
        const list = out.get(r.id) ?? [];
        list.push({ day: Number(r.bucket), checks: Number(r.checks), failures: Number(r.failures), degraded: Number(r.degraded), downMs: Number(r.down_ms) });
        out.set(r.id, list);
      }
    }
    return out;
  }
}
