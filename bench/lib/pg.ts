/** PostgreSQL for the scenarios that use it: the tests' database, a fresh schema per run, dropped afterwards. */
import pg from "pg";
import type { StoreSpec } from "../../src/store/open.ts";

/** The tests' database (DESIGN.md, Conventions), overridable the same way. */
export const PG_URL = process.env.UPBEAT_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** Undefined when PostgreSQL answers, else why not. */
export async function pgUnavailable(): Promise<string | undefined> {
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
}

/** Runs `f` with a fresh client, closed afterwards. */
export async function withPg<T>(f: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end();
  }
}

/** A schema name of its own for this run (`bench_<what>_<pid>_<ms>`). */
export function benchSchema(what: string): string {
  return `bench_${what}_${String(process.pid)}_${String(Date.now())}`;
}

/** The store spec of a schema in the tests' database (the store creates the schema). */
export function pgSpec(schema: string): StoreSpec {
  return { kind: "postgres", connection: { connectionString: PG_URL }, schema, label: "bench" };
}

/** Drops a schema and everything in it; a failure is logged, not thrown (cleanup must not hide the run's own error). */
export async function dropSchema(schema: string, log: (s: string) => void): Promise<void> {
  await withPg((c) => c.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`)).catch((e: unknown) => log(`  could not drop schema ${schema}: ${String(e)}`));
}

/** Total size of the schema's tables with their indexes and TOAST, bytes. */
export async function schemaBytes(schema: string, vacuum = false): Promise<number> {
  return withPg(async (c) => {
    if (vacuum) {
      const { rows } = await c.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = $1", [schema]);
      for (const { t } of rows) await c.query(`VACUUM ANALYZE ${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(t)}`);
    }
    const size = await c.query<{ n: string }>("SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'", [schema]);
    return Number(size.rows[0]?.n ?? 0);
  });
}
