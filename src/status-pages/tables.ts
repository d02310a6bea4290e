/**
 * The status page tables and their migration (`0008-status-pages`), for SQLite and PostgreSQL.
 * Pages hold their sections as JSON; an incident is a thread of updates; times are epoch ms.
 */
import type { Generated, Kysely, Migration } from "kysely";

/** `status_pages`: one public status page. */
export interface StatusPagesTable {
  id: Generated<number>;
  slug: string;
  title: string;
  description: string;
  logo_url: string | null;
  logo_type: string | null;
  /** Uploaded logo, base64 (size-limited and type-checked before it gets here). */
  logo_data: string | null;
  domain: string | null;
  password_hash: string | null;
  /** JSON: `[{ title, description?, monitors?, matchers? }]`. */
  sections: string;
  show_uptime_bars: number;
  footer: string;
  /** JSON: banner texts by overall status, or null for the defaults. */
  status_text: string | null;
  history_days: number;
  created_at: number;
  updated_at: number;
}

/** `status_incidents`: an incident or a maintenance announcement on a page; its updates form the thread. */
export interface StatusIncidentsTable {
  id: Generated<number>;
  page_id: number;
  kind: string;
  title: string;
  impact: string;
  /** The state of the latest update. */
  state: string;
  /** JSON array of monitor ids. */
  monitors: string;
  starts_at: number | null;
  ends_at: number | null;
  author: string;
  created_at: number;
  updated_at: number;
  resolved_at: number | null;
}

/** `status_updates`: one message of an incident's thread. */
export interface StatusUpdatesTable {
  id: Generated<number>;
  incident_id: number;
  page_id: number;
  state: string;
  body: string;
  author: string;
  created_at: number;
  updated_at: number;
}

/** The tables as kysely sees them (merged into the store's `Database`). */
export interface StatusPageTables {
  status_pages: StatusPagesTable;
  status_incidents: StatusIncidentsTable;
  status_updates: StatusUpdatesTable;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema version
type AnyDb = Kysely<any>;

/** Migration `0008-status-pages`. */
export function statusPagesMigration(dialect: "sqlite" | "postgres"): Migration {
  const pg = dialect === "postgres";
  const id = pg ? "serial" : "integer";
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable("status_pages")
        .addColumn("id", id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn("slug", "text", (c) => c.notNull().unique())
        .addColumn("title", "text", (c) => c.notNull())
        .addColumn("description", "text", (c) => c.notNull())
        .addColumn("logo_url", "text")
        .addColumn("logo_type", "text")
        .addColumn("logo_data", "text")
        .addColumn("domain", "text", (c) => c.unique())
        .addColumn("password_hash", "text")
        .addColumn("sections", "text", (c) => c.notNull())
        .addColumn("show_uptime_bars", "integer", (c) => c.notNull())
        .addColumn("footer", "text", (c) => c.notNull())
        .addColumn("status_text", "text")
        .addColumn("history_days", "integer", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("status_incidents")
        .addColumn("id", id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn("page_id", "integer", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("title", "text", (c) => c.notNull())
        .addColumn("impact", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("monitors", "text", (c) => c.notNull())
        .addColumn("starts_at", "bigint")
        .addColumn("ends_at", "bigint")
        .addColumn("author", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addColumn("resolved_at", "bigint")
        .execute();
      await db.schema.createIndex("status_incidents_page").on("status_incidents").columns(["page_id", "created_at"]).execute();
      await db.schema
        .createTable("status_updates")
        .addColumn("id", id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn("incident_id", "integer", (c) => c.notNull())
        .addColumn("page_id", "integer", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("body", "text", (c) => c.notNull())
        .addColumn("author", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("status_updates_incident").on("status_updates").columns(["incident_id", "created_at"]).execute();
      await db.schema.createIndex("status_updates_page").on("status_updates").columns(["page_id", "created_at"]).execute();
    },
  };
}
