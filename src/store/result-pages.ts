/**
 * Reads for the API's history views, over the store's query builder: results of a monitor paged
 * by time with a cursor that never skips or repeats a row (time, then row id), the latest result
 * of a page of monitors, and incidents with the monitor's key (for incident ids).
 */
import type { Kysely } from "kysely";
import type { Health } from "../core/types.ts";
import { incidentFromRow, parseJson, resultFromRow } from "./rows.ts";
import type { Database } from "./schema.ts";
import type { StoredIncident, StoredResult } from "./types.ts";

/** Where a page of results ends: the last row's time and id. */
export interface ResultCursor {
  /** Epoch ms. */
  at: number;
  /** Row id. */
  id: number;
}

/** A page of results. */
export interface ResultPage {
  /** Results, in the order asked for, each with its row id. */
  results: Array<StoredResult & { id: number }>;
  /** The cursor of the next page, when there is one. */
  next?: ResultCursor;
}

/** What a page of results is made of. */
export interface ResultQuery {
  /** Monitor id. */
  monitorId: string;
  /** From this epoch ms (inclusive). */
  from?: number;
  /** Up to this epoch ms (exclusive). */
  to?: number;
  /** Only these healths. */
  health?: Health[];
  /** Rows at most. */
  limit: number;
  /** Newest first (default) or oldest first. */
  order: "asc" | "desc";
  /** Continue after this row. */
  after?: ResultCursor;
}

/** One page of a monitor's results. */
export async function resultPage(db: Kysely<Database>, o: ResultQuery): Promise<ResultPage> {
  const seqRow = await db.selectFrom("monitors").select("seq").where("id", "=", o.monitorId).executeTakeFirst();
  if (!seqRow) return { results: [] };
  const dir = o.order;
  let q = db
    .selectFrom("results")
    .select(["id", "at", "health", "duration_ms", "status_code", "phase", "failure", "reason", "region", "detail"])
    .where("monitor_seq", "=", Number(seqRow.seq))
    .orderBy("at", dir)
    .orderBy("id", dir)
    .limit(o.limit + 1);
  if (o.from !== undefined) q = q.where("at", ">=", o.from);
  if (o.to !== undefined) q = q.where("at", "<", o.to);
  if (o.health?.length) q = q.where("health", "in", o.health);
  const c = o.after;
  if (c) {
    const op = dir === "desc" ? "<" : ">";
    q = q.where((eb) => eb.or([eb("at", op, c.at), eb.and([eb("at", "=", c.at), eb("id", op, c.id)])]));
  }
  const rows = await q.execute();
  const results = rows.slice(0, o.limit).map((r) => ({ id: Number(r.id), ...resultFromRow(o.monitorId, r) }));
  const last = results.at(-1);
  return rows.length > o.limit && last ? { results, next: { at: last.at, id: last.id } } : { results };
}

/** The latest result of each of these monitors (as kept with their state). */
export async function lastResults(db: Kysely<Database>, ids: readonly string[]): Promise<Map<string, StoredResult>> {
  const out = new Map<string, StoredResult>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom("monitors as m")
      .innerJoin("monitor_state as s", "s.monitor_seq", "m.seq")
      .select(["m.id", "s.last_result"])
      .where("m.id", "in", ids.slice(i, i + 500))
      .where("m.removed_at", "is", null)
      .execute();
    for (const r of rows) {
      const last = parseJson(r.last_result) as StoredResult | undefined;
      if (last) out.set(r.id, last);
    }
  }
  return out;
}

/** An incident with its monitor's store key. */
export type KeyedIncident = StoredIncident & { seq: number; monitorName: string };

/** Incidents, newest first, with their monitor's key and name. */
export async function keyedIncidents(db: Kysely<Database>, o: { monitorId?: string; open?: boolean; limit: number; before?: number; seq?: number; number?: number }): Promise<KeyedIncident[]> {
  let q = db
    .selectFrom("incidents as i")
    .innerJoin("monitors as m", "m.seq", "i.monitor_seq")
    .select(["m.id", "m.name", "i.monitor_seq", "i.number", "i.opened_at", "i.cause", "i.resolved_at", "i.duration_sec", "i.resolution"])
    .orderBy("i.opened_at", "desc")
    .orderBy("i.number", "desc")
    .limit(o.limit);
  if (o.monitorId !== undefined) q = q.where("m.id", "=", o.monitorId);
  if (o.seq !== undefined) q = q.where("i.monitor_seq", "=", o.seq);
  if (o.number !== undefined) q = q.where("i.number", "=", o.number);
  if (o.open === true) q = q.where("i.resolved_at", "is", null);
  if (o.open === false) q = q.where("i.resolved_at", "is not", null);
  if (o.before !== undefined) q = q.where("i.opened_at", "<", o.before);
  return (await q.execute()).map((r) => ({ monitorId: r.id, monitorName: r.name, seq: Number(r.monitor_seq), ...incidentFromRow(r) }));
}
