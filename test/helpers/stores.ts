/**
 * Stores for tests: a SQLite file in a temp dir, and PostgreSQL at 127.0.0.1:5432 (database
 * `test`, or UPBEAT_TEST_PG_URL) in a schema of its own that is dropped afterwards. When
 * PostgreSQL cannot be reached its tests are skipped with the reason, or fail when
 * UPBEAT_REQUIRE_SERVICES=1.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { openStore } from "../../src/store/open.ts";
import type { Store } from "../../src/store/types.ts";

/** The test database URL. */
export const PG_URL = process.env.UPBEAT_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** Whether a missing service is a failure rather than a skip. */
export const REQUIRE_SERVICES = process.env.UPBEAT_REQUIRE_SERVICES === "1";

let pgReachable: Promise<string | undefined> | undefined;

/** Undefined when PostgreSQL answers, else why not. */
export function postgresUnavailable(): Promise<string | undefined> {
  pgReachable ??= (async () => {
    const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
    try {
      await c.connect();
      await c.query("select 1");
      return undefined;
    } catch (e) {
      return `PostgreSQL at ${PG_URL} unreachable: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      await c.end().catch(() => {});
    }
  })();
  return pgReachable;
}

/** A store to test and how to get rid of it. */
export interface TestStore {
  /** The store. */
  store: Store;
  /** Opens the same database again (a restart). */
  reopen(): Promise<Store>;
  /** Closes and deletes everything. */
  cleanup(): Promise<void>;
}

/** A fresh SQLite store in a temp dir. */
export async function sqliteStore(): Promise<TestStore & { file: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), "upbeat-store-"));
  const file = join(dir, "upbeat.db");
  const stores: Store[] = [await openStore({ kind: "sqlite", file })];
  return {
    file,
    dir,
    store: stores[0] as Store,
    reopen: async () => {
      const s = await openStore({ kind: "sqlite", file });
      stores.push(s);
      return s;
    },
    cleanup: async () => {
      for (const s of stores) await s.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh PostgreSQL store in its own schema. */
export async function postgresStore(): Promise<TestStore & { schema: string }> {
  const schema = `upbeat_t_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const open = () => openStore({ kind: "postgres", connection: { connectionString: PG_URL }, schema, label: "test" });
  const stores: Store[] = [await open()];
  return {
    schema,
    store: stores[0] as Store,
    reopen: async () => {
      const s = await open();
      stores.push(s);
      return s;
    },
    cleanup: async () => {
      for (const s of stores) await s.close().catch(() => {});
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}
