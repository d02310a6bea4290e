/**
 * The rows a commit writes most (results, monitor states, rollups, heartbeat memories, pings) on
 * SQLite: one prepared single-row statement per table, run inside the commit's transaction on the
 * connection kysely holds for it. kysely's multi-row inserts build every row's values into a
 * query tree and a new SQL text per batch size; at thousands of rows a second that parsing, and
 * preparing the texts, cost more than SQLite's own work. PostgreSQL keeps the multi-row
 * statements, where one round trip per chunk is what counts.
 */
import type BetterSqlite3 from "better-sqlite3";
import type { HeartbeatsTable, PingsTable, ResultsTable, RollupTable, StateTable } from "./schema.ts";
import { ROLLUP_TABLE } from "./schema.ts";
import type { RollupSize } from "./types.ts";

type Row<T> = Omit<T, "id">;

const RESULT_COLUMNS = ["monitor_seq", "at", "health", "duration_ms", "status_code", "phase", "failure", "reason", "region", "detail"] as const;
const STATE_COLUMNS = ["monitor_seq", "status", "since", "failures", "successes", "last_incident_number", "last_reminder_at", "last_result_at", "last_result", "updated_at"] as const;
const ROLLUP_COLUMNS = ["monitor_seq", "bucket", "checks", "failures", "degraded", "down_ms", "lat_count", "lat_sum", "lat_min", "lat_max", "sketch"] as const;
const PING_COLUMNS = ["monitor_seq", "at", "kind", "rid", "exit_code", "duration_ms", "body", "body_bytes", "remote"] as const;

function insert(table: string, columns: readonly string[]): string {
  return `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(", ")}) VALUES (${columns.map((c) => `@${c}`).join(", ")})`;
}

/** `excluded.<c>` for every column but the key. */
function updateAll(columns: readonly string[], key: readonly string[]): string {
  return columns
    .filter((c) => !key.includes(c))
    .map((c) => `"${c}" = excluded."${c}"`)
    .join(", ");
}

/** How long the store's connection waits for a lock held by another connection (ms), outside the writer's commits. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/** Whether an error is SQLite's "database is busy/locked by another connection". */
export function isSqliteBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}

/** The prepared statements of one SQLite connection (its tables must exist). */
export class SqliteHotWrites {
  private readonly result: BetterSqlite3.Statement;
  private readonly state: BetterSqlite3.Statement;
  private readonly rollup: Record<RollupSize, BetterSqlite3.Statement>;
  private readonly track: BetterSqlite3.Statement;
  private readonly ping: BetterSqlite3.Statement;

  /** Prepares the statements on a migrated database. */
  constructor(private readonly db: BetterSqlite3.Database) {
    this.result = db.prepare(insert("results", RESULT_COLUMNS));
    // A state change without a new result (pause, reload) keeps the last result shown.
    this.state = db.prepare(
      `${insert("monitor_state", STATE_COLUMNS)} ON CONFLICT ("monitor_seq") DO UPDATE SET ${updateAll(
        STATE_COLUMNS.filter((c) => c !== "last_result_at" && c !== "last_result"),
        ["monitor_seq"],
      )}, "last_result_at" = coalesce(excluded."last_result_at", "monitor_state"."last_result_at"), "last_result" = coalesce(excluded."last_result", "monitor_state"."last_result")`,
    );
    const rollup = (size: RollupSize) => db.prepare(`${insert(ROLLUP_TABLE[size], ROLLUP_COLUMNS)} ON CONFLICT ("monitor_seq", "bucket") DO UPDATE SET ${updateAll(ROLLUP_COLUMNS, ["monitor_seq", "bucket"])}`);
    this.rollup = { minute: rollup("minute"), hour: rollup("hour"), day: rollup("day") };
    this.track = db.prepare(`${insert("heartbeats", ["monitor_seq", "track", "updated_at"])} ON CONFLICT ("monitor_seq") DO UPDATE SET "track" = excluded."track", "updated_at" = excluded."updated_at"`);
    this.ping = db.prepare(insert("pings", PING_COLUMNS));
  }

  /**
   * Whether a write waits for a lock held by another connection (up to the connection's
   * `busy_timeout`, asleep on the calling thread) or fails at once with SQLITE_BUSY.
   */
  waitForLocks(wait: boolean): void {
    this.db.pragma(`busy_timeout = ${String(wait ? SQLITE_BUSY_TIMEOUT_MS : 0)}`);
  }

  /** Inserts results. */
  results(rows: Array<Row<ResultsTable>>): void {
    for (const r of rows) this.result.run(r);
  }

  /** Upserts monitor states (one row per monitor). */
  states(rows: StateTable[]): void {
    for (const r of rows) this.state.run(r);
  }

  /** Upserts rollups of one size (one row per monitor and bucket). */
  rollups(size: RollupSize, rows: RollupTable[]): void {
    const stmt = this.rollup[size];
    for (const r of rows) stmt.run(r);
  }

  /** Upserts heartbeat memories (one row per monitor). */
  tracks(rows: HeartbeatsTable[]): void {
    for (const r of rows) this.track.run(r);
  }

  /** Inserts pings. */
  pings(rows: Array<Row<PingsTable>>): void {
    for (const r of rows) this.ping.run(r);
  }
}
