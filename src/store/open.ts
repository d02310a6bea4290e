/**
 * Opens the store a configuration asks for: a SQLite file (the default, `<data>/upbeat.db`) or
 * PostgreSQL (`postgres://…`, or Cupcake's `DB_TYPE=postgresql` with `DB_HOST`, `DB_NAME`, …).
 */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase } from "kysely";
import pg from "pg";
import type { Logger } from "pino";
import type { CupcakeEnv } from "../config/cupcake-env.ts";
import { startCheckpointer } from "./checkpointer.ts";
import { KyselyStore, migrate } from "./kysely-store.ts";
import type { Database } from "./schema.ts";
import { SQLITE_BUSY_TIMEOUT_MS, SqliteHotWrites } from "./sqlite-hot.ts";
import type { Store } from "./types.ts";

/** Where the data lives. */
export type StoreSpec =
  | { kind: "sqlite"; file: string }
  | { kind: "postgres"; connection: pg.PoolConfig; schema?: string; label: string };

/** Whether a `database.url` names PostgreSQL. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** Picks the store: `database.url` first, then Cupcake's DB_* variables when set, then `<dataDir>/upbeat.db`. */
export function storeSpec(o: { url?: string | undefined; dataDir: string; cupcake?: CupcakeEnv | undefined; cupcakeDbSet?: boolean }): StoreSpec {
  if (o.url) {
    if (isPostgresUrl(o.url)) return { kind: "postgres", connection: { connectionString: o.url }, label: redactUrl(o.url) };
    return { kind: "sqlite", file: o.url.replace(/^sqlite:(\/\/)?/i, "") };
  }
  const c = o.cupcake;
  if (c && o.cupcakeDbSet) {
    if (c.dbType !== "postgresql") return { kind: "sqlite", file: c.dbName };
    // Cupcake's README documents DB_HOST as host:port; it handed the value to libpq as a host.
    const m = /^(.*):(\d+)$/.exec(c.dbHost ?? "");
    const connection: pg.PoolConfig = { database: c.dbName, host: m ? m[1] : c.dbHost, port: m ? Number(m[2]) : undefined, user: c.dbUser, password: c.dbPassword };
    return { kind: "postgres", connection, label: `postgresql ${c.dbHost ?? "localhost"}/${c.dbName}` };
  }
  return { kind: "sqlite", file: join(o.dataDir, "upbeat.db") };
}

/** A connection string without its password, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, "//$1:***@");
}

/** bigint and numeric columns as JS numbers (epoch ms and counters fit in 2^53). */
const PG_TYPES = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as "text");
  },
};

/**
 * better-sqlite3 behind kysely with its prepared statements kept: kysely asks for a new statement
 * for every query, and preparing was about a tenth of the CPU of a busy ping endpoint. Statements
 * are keyed by their SQL (multi-row inserts come in few shapes), the oldest dropped past `max`.
 * Kysely runs one query at a time per connection, so a statement is never used twice at once.
 */
export function cachingDatabase(sqlite: BetterSqlite3.Database, max = 500): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      let stmt = statements.get(text);
      if (!stmt) {
        stmt = sqlite.prepare(text);
        statements.set(text, stmt);
        if (statements.size > max) statements.delete(statements.keys().next().value as string);
      }
      return stmt;
    },
  };
}

/** The most memory SQLite's page cache may take (KiB). */
export const SQLITE_CACHE_KIB = 128 * 1024;

/** How to open a store. */
export interface OpenOptions {
  /** Where the SQLite checkpointer reports trouble. */
  log?: Logger;
  /** SQLite file: checkpoint the log in a worker thread (default true; see checkpointer.ts). */
  checkpointer?: boolean;
}

/** Opens and migrates the store. */
export async function openStore(spec: StoreSpec, opts: OpenOptions = {}): Promise<Store> {
  if (spec.kind === "sqlite") {
    if (spec.file !== ":memory:") mkdirSync(dirname(spec.file), { recursive: true });
    const sqlite = new BetterSqlite3(spec.file);
    sqlite.pragma("journal_mode = WAL");
    // WAL with NORMAL: a commit survives the process being killed; only a power cut can lose the last ones.
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma(`busy_timeout = ${String(SQLITE_BUSY_TIMEOUT_MS)}`);
    // SQLite's default page cache is 2 MiB. With many monitors, each commit touches a random
    // page of the state, rollup and result-index trees per row, and a small cache reads most of
    // them back from the OS again. Pages are allocated only as they are used.
    sqlite.pragma(`cache_size = -${String(SQLITE_CACHE_KIB)}`);
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingDatabase(sqlite) }) });
    await migrate(db, "sqlite");
    const checkpointer = spec.file !== ":memory:" && opts.checkpointer !== false ? await startCheckpointer(sqlite, spec.file, opts.log) : undefined;
    return new KyselyStore(db, "sqlite", async () => void (await checkpointer?.close()), new SqliteHotWrites(sqlite));
  }
  const options = spec.schema ? `-c search_path=${spec.schema}` : undefined;
  const pool = new pg.Pool({ max: 4, ...spec.connection, ...(options ? { options } : {}), types: PG_TYPES });
  // A dropped idle connection must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    if (spec.schema) await db.schema.createSchema(spec.schema).ifNotExists().execute();
    await migrate(db, "postgres");
  } catch (e) {
    await db.destroy();
    throw e;
  }
  return new KyselyStore(db, "postgres");
}
