/**
 * Tables and migrations, one definition for SQLite and PostgreSQL. Times are epoch ms in bigint
 * columns; monitors get a small integer `seq` that results and rollups use instead of the text id.
 */
import { type Generated, type Kysely, type Migration, type MigrationProvider, sql } from "kysely";
import { type StatusPageTables, statusPagesMigration } from "../status-pages/tables.ts";

/** `monitors`: definitions, kept after removal for history. */
export interface MonitorsTable {
  seq: Generated<number>;
  id: string;
  name: string;
  kind: string;
  group_path: string;
  source: string;
  definition: string;
  created_at: number;
  updated_at: number;
  removed_at: number | null;
}

/** `monitor_state`: the state machine's memory, one row per monitor. */
export interface StateTable {
  monitor_seq: number;
  status: string;
  since: number;
  failures: number;
  successes: number;
  last_incident_number: number;
  last_reminder_at: number | null;
  last_result_at: number | null;
  last_result: string | null;
  updated_at: number;
}

/** `results`: every check, with every attempt's timings, status and error. */
export interface ResultsTable {
  id: Generated<number>;
  monitor_seq: number;
  at: number;
  health: string;
  duration_ms: number;
  status_code: number | null;
  phase: string | null;
  failure: string | null;
  reason: string | null;
  region: string;
  detail: string | null;
}

/** `incidents`: numbered per monitor. */
export interface IncidentsTable {
  monitor_seq: number;
  number: number;
  opened_at: number;
  cause: string;
  resolved_at: number | null;
  duration_sec: number | null;
  resolution: string | null;
}

/** `outbox`: effects persisted with the transition that caused them. */
export interface OutboxTable {
  id: Generated<number>;
  monitor_id: string;
  type: string;
  at: number;
  payload: string;
  status: string;
  attempts: number;
  done_at: number | null;
  last_error: string | null;
}

/** `rollup_minute`, `rollup_hour`, `rollup_day`. */
export interface RollupTable {
  monitor_seq: number;
  bucket: number;
  checks: number;
  failures: number;
  degraded: number;
  down_ms: number;
  lat_count: number;
  lat_sum: number;
  lat_min: number | null;
  lat_max: number | null;
  sketch: string;
}

/** Cupcake's `active` table, exactly as Cupcake creates it (compat §1.9). */
export interface ActiveTable {
  environment_group: string;
  environment: string;
  endpoint_group: string;
  endpoint: string;
  timestamp: number;
  message: string;
  url: string;
}

/** `heartbeats`: what each heartbeat remembers between check-ins (last ping, runs in progress, Lovebeat fields). */
export interface HeartbeatsTable {
  monitor_seq: number;
  track: string;
  updated_at: number;
}

/** `pings`: every HTTP check-in with its body, for the run history. */
export interface PingsTable {
  id: Generated<number>;
  monitor_seq: number;
  at: number;
  kind: string;
  rid: string | null;
  exit_code: number | null;
  duration_ms: number | null;
  body: string | null;
  body_bytes: number;
  remote: string | null;
}

/** `deliveries`: one notification to one channel, with its retries; unique per idempotency key. */
export interface DeliveriesTable {
  id: Generated<number>;
  key: string;
  channel: string;
  group_key: string;
  payload: string;
  status: string;
  attempts: number;
  not_before: number;
  created_at: number;
  done_at: number | null;
  last_error: string | null;
}

/** `silences`: notifications whose labels match are not sent between `starts_at` and `ends_at`. */
export interface SilencesTable {
  id: Generated<number>;
  matchers: string;
  starts_at: number;
  ends_at: number;
  author: string;
  comment: string;
  created_at: number;
}

/** `users`: people who log in (auth). */
export interface UsersTable {
  id: string;
  name: string;
  role: string;
  password_hash: string;
  totp_secret: string | null;
  totp_pending: string | null;
  totp_last_step: number | null;
  disabled: number;
  created_at: number;
  updated_at: number;
}

/** `sessions`: logins, keyed by the SHA-256 of the cookie's token. */
export interface SessionsTable {
  id: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

/** `api_keys`: keys for scripts, keyed by the SHA-256 of the secret. */
export interface ApiKeysTable {
  id: string;
  name: string;
  user_id: string;
  prefix: string;
  hash: string;
  read_only: number;
  source: string;
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
  revoked_at: number | null;
}

/** `incident_notes`: an incident's timeline entries written by people (notes, acknowledgements). */
export interface IncidentNotesTable {
  id: Generated<number>;
  monitor_seq: number;
  incident_number: number;
  at: number;
  kind: string;
  author: string;
  text: string;
}

/** `api_objects`: channels, routes and maintenance windows made through the API; `spec` is the native config entry (JSON). */
export interface ApiObjectsTable {
  kind: string;
  name: string;
  spec: string;
  created_at: number;
  updated_at: number;
  author: string;
}

/** The database as kysely sees it. */
export interface Database extends StatusPageTables {
  users: UsersTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  incident_notes: IncidentNotesTable;
  api_objects: ApiObjectsTable;
  deliveries: DeliveriesTable;
  silences: SilencesTable;
  heartbeats: HeartbeatsTable;
  pings: PingsTable;
  monitors: MonitorsTable;
  monitor_state: StateTable;
  results: ResultsTable;
  incidents: IncidentsTable;
  outbox: OutboxTable;
  rollup_minute: RollupTable;
  rollup_hour: RollupTable;
  rollup_day: RollupTable;
  active: ActiveTable;
}

/** Rollup table by size. */
export const ROLLUP_TABLE = { minute: "rollup_minute", hour: "rollup_hour", day: "rollup_day" } as const;

type Dialect = "sqlite" | "postgres";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on any schema version
type AnyDb = Kysely<any>;

function initial(dialect: Dialect): Migration {
  const pg = dialect === "postgres";
  const float = pg ? "double precision" : "real";
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable("monitors")
        .addColumn("seq", pg ? "serial" : "integer", (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn("id", "text", (c) => c.notNull().unique())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("group_path", "text", (c) => c.notNull())
        .addColumn("source", "text", (c) => c.notNull())
        .addColumn("definition", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addColumn("removed_at", "bigint")
        .execute();
      await db.schema
        .createTable("monitor_state")
        .addColumn("monitor_seq", "integer", (c) => c.primaryKey())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("since", "bigint", (c) => c.notNull())
        .addColumn("failures", "integer", (c) => c.notNull())
        .addColumn("successes", "integer", (c) => c.notNull())
        .addColumn("last_incident_number", "integer", (c) => c.notNull())
        .addColumn("last_reminder_at", "bigint")
        .addColumn("last_result_at", "bigint")
        .addColumn("last_result", "text")
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("results")
        .addColumn("id", pg ? "bigserial" : "integer", (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn("monitor_seq", "integer", (c) => c.notNull())
        .addColumn("at", "bigint", (c) => c.notNull())
        .addColumn("health", "text", (c) => c.notNull())
        .addColumn("duration_ms", float, (c) => c.notNull())
        .addColumn("status_code", "integer")
        .addColumn("phase", "text")
        .addColumn("failure", "text")
        .addColumn("reason", "text")
        .addColumn("region", "text", (c) => c.notNull())
        .addColumn("detail", "text")
        .execute();
      await db.schema.createIndex("results_monitor_at").on("results").columns(["monitor_seq", "at"]).execute();
      await db.schema
        .createTable("incidents")
        .addColumn("monitor_seq", "integer", (c) => c.notNull())
        .addColumn("number", "integer", (c) => c.notNull())
        .addColumn("opened_at", "bigint", (c) => c.notNull())
        .addColumn("cause", "text", (c) => c.notNull())
        .addColumn("resolved_at", "bigint")
        .addColumn("duration_sec", float)
        .addColumn("resolution", "text")
        .addPrimaryKeyConstraint("incidents_pk", ["monitor_seq", "number"])
        .execute();
      await db.schema.createIndex("incidents_opened").on("incidents").column("opened_at").execute();
      await db.schema
        .createTable("outbox")
        .addColumn("id", pg ? "bigserial" : "integer", (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn("monitor_id", "text", (c) => c.notNull())
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("at", "bigint", (c) => c.notNull())
        .addColumn("payload", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull())
        .addColumn("done_at", "bigint")
        .addColumn("last_error", "text")
        .execute();
      await db.schema.createIndex("outbox_status").on("outbox").columns(["status", "id"]).execute();
      for (const table of Object.values(ROLLUP_TABLE)) {
        let t = db.schema
          .createTable(table)
          .addColumn("monitor_seq", "integer", (c) => c.notNull())
          .addColumn("bucket", "bigint", (c) => c.notNull())
          .addColumn("checks", "integer", (c) => c.notNull())
          .addColumn("failures", "integer", (c) => c.notNull())
          .addColumn("degraded", "integer", (c) => c.notNull())
          .addColumn("down_ms", "bigint", (c) => c.notNull())
          .addColumn("lat_count", "integer", (c) => c.notNull())
          .addColumn("lat_sum", float, (c) => c.notNull())
          .addColumn("lat_min", float)
          .addColumn("lat_max", float)
          .addColumn("sketch", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pk`, ["monitor_seq", "bucket"]);
        // Rows are found by their key only: no separate rowid b-tree on SQLite.
        if (!pg) t = t.modifyEnd(sql`without rowid`);
        await t.execute();
        await db.schema.createIndex(`${table}_bucket`).on(table).column("bucket").execute();
      }
      await createCupcakeActive(db, pg);
    },
  };
}

/** Cupcake's own DDL (compat §1.9), so its users' tooling keeps reading the table. */
async function createCupcakeActive(db: AnyDb, pg: boolean): Promise<void> {
  if (pg) {
    await sql`CREATE TABLE IF NOT EXISTS active (environment_group CHARACTER VARYING(500) NOT NULL, environment CHARACTER VARYING(500) NOT NULL, endpoint_group CHARACTER VARYING(500) NOT NULL, endpoint CHARACTER VARYING(500) NOT NULL, timestamp INTEGER NOT NULL, message CHARACTER VARYING(500) NOT NULL, url CHARACTER VARYING(500) NOT NULL)`.execute(db);
  } else {
    await sql`CREATE TABLE IF NOT EXISTS active (environment_group TEXT, environment TEXT, endpoint_group TEXT, endpoint TEXT, timestamp INTEGER, message TEXT, url TEXT)`.execute(db);
  }
}

function heartbeats(dialect: Dialect): Migration {
  const pg = dialect === "postgres";
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable("heartbeats")
        .addColumn("monitor_seq", "integer", (c) => c.primaryKey())
        .addColumn("track", "text", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("pings")
        .addColumn("id", pg ? "bigserial" : "integer", (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn("monitor_seq", "integer", (c) => c.notNull())
        .addColumn("at", "bigint", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("rid", "text")
        .addColumn("exit_code", "integer")
        .addColumn("duration_ms", pg ? "double precision" : "real")
        .addColumn("body", "text")
        .addColumn("body_bytes", "integer", (c) => c.notNull())
        .addColumn("remote", "text")
        .execute();
      await db.schema.createIndex("pings_monitor_at").on("pings").columns(["monitor_seq", "at"]).execute();
    },
  };
}

function deliveries(dialect: Dialect): Migration {
  const pg = dialect === "postgres";
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable("deliveries")
        .addColumn("id", pg ? "bigserial" : "integer", (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn("key", "text", (c) => c.notNull().unique())
        .addColumn("channel", "text", (c) => c.notNull())
        .addColumn("group_key", "text", (c) => c.notNull())
        .addColumn("payload", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull())
        .addColumn("not_before", "bigint", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("done_at", "bigint")
        .addColumn("last_error", "text")
        .execute();
      await db.schema.createIndex("deliveries_due").on("deliveries").columns(["status", "not_before"]).execute();
    },
  };
}

function silences(dialect: Dialect): Migration {
  const pg = dialect === "postgres";
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable("silences")
        .addColumn("id", pg ? "bigserial" : "integer", (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn("matchers", "text", (c) => c.notNull())
        .addColumn("starts_at", "bigint", (c) => c.notNull())
        .addColumn("ends_at", "bigint", (c) => c.notNull())
        .addColumn("author", "text", (c) => c.notNull())
        .addColumn("comment", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("silences_end").on("silences").columns(["ends_at"]).execute();
    },
  };
}

function auth(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable("users")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull().unique())
        .addColumn("role", "text", (c) => c.notNull())
        .addColumn("password_hash", "text", (c) => c.notNull())
        .addColumn("totp_secret", "text")
        .addColumn("totp_pending", "text")
        .addColumn("totp_last_step", "bigint")
        .addColumn("disabled", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("sessions")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("csrf_token", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("last_seen_at", "bigint", (c) => c.notNull())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("sessions_user").on("sessions").column("user_id").execute();
      await db.schema
        .createTable("api_keys")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("prefix", "text", (c) => c.notNull())
        .addColumn("hash", "text", (c) => c.notNull().unique())
        .addColumn("read_only", "integer", (c) => c.notNull())
        .addColumn("source", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("last_used_at", "bigint")
        .addColumn("expires_at", "bigint")
        .addColumn("revoked_at", "bigint")
        .execute();
      await db.schema.createIndex("api_keys_user").on("api_keys").column("user_id").execute();
    },
  };
}

function incidentNotes(dialect: Dialect): Migration {
  const pg = dialect === "postgres";
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable("incident_notes")
        .addColumn("id", pg ? "bigserial" : "integer", (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn("monitor_seq", "integer", (c) => c.notNull())
        .addColumn("incident_number", "integer", (c) => c.notNull())
        .addColumn("at", "bigint", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("author", "text", (c) => c.notNull())
        .addColumn("text", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("incident_notes_incident").on("incident_notes").columns(["monitor_seq", "incident_number"]).execute();
    },
  };
}

function apiObjects(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable("api_objects")
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("spec", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addColumn("author", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("api_objects_pk", ["kind", "name"])
        .execute();
    },
  };
}

/** The migrations, in order, for a dialect. */
export function migrations(dialect: Dialect): MigrationProvider {
  return {
    getMigrations: async () => ({
      "0001-initial": initial(dialect),
      "0002-heartbeats": heartbeats(dialect),
      "0003-deliveries": deliveries(dialect),
      "0004-silences": silences(dialect),
      "0005-auth": auth(),
      "0006-incident-notes": incidentNotes(dialect),
      "0007-api-objects": apiObjects(),
      "0008-status-pages": statusPagesMigration(dialect),
    }),
  };
}
