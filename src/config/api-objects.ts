/**
 * Configuration objects made through the API (channels, routes, maintenance windows), kept in the
 * `api_objects` table. Each row's `spec` is the object exactly as it would be written in a native
 * config file, so the same schemas check it and the export writes it unchanged.
 */
import type { Kysely } from "kysely";
import type { Database } from "../store/schema.ts";

/** The kinds of objects the API manages. */
export const API_OBJECT_KINDS = ["channel", "route", "maintenance"] as const;
/** One kind of API-managed object. */
export type ApiObjectKind = (typeof API_OBJECT_KINDS)[number];

/** An object made through the API. */
export interface ApiObject {
  /** What it is. */
  kind: ApiObjectKind;
  /** Its name (unique per kind). */
  name: string;
  /** The native config entry (a channel with its settings, a route node, a maintenance window). */
  spec: Record<string, unknown>;
  /** Epoch ms it was made. */
  createdAt: number;
  /** Epoch ms of its last change. */
  updatedAt: number;
  /** Who made or last changed it. */
  author: string;
}

type Row = Database["api_objects"];

function fromRow(r: Row): ApiObject {
  return { kind: r.kind as ApiObjectKind, name: r.name, spec: JSON.parse(r.spec) as Record<string, unknown>, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at), author: r.author };
}

/** Every stored object (of one kind, when given), by kind then name. */
export async function listApiObjects(db: Kysely<Database>, kind?: ApiObjectKind): Promise<ApiObject[]> {
  let q = db.selectFrom("api_objects").selectAll();
  if (kind) q = q.where("kind", "=", kind);
  const rows = await q.orderBy("kind").orderBy("name").execute();
  return rows.map(fromRow);
}

/** One stored object, if there is one. */
export async function getApiObject(db: Kysely<Database>, kind: ApiObjectKind, name: string): Promise<ApiObject | undefined> {
  const r = await db.selectFrom("api_objects").selectAll().where("kind", "=", kind).where("name", "=", name).executeTakeFirst();
  return r ? fromRow(r) : undefined;
}

/** Creates or replaces an object; its creation time is kept on replacement. Returns it as stored. */
export async function putApiObject(db: Kysely<Database>, o: { kind: ApiObjectKind; name: string; spec: Record<string, unknown>; author: string }, at: number): Promise<ApiObject> {
  const spec = JSON.stringify(o.spec);
  return db.transaction().execute(async (trx) => {
    const had = await trx.selectFrom("api_objects").select("created_at").where("kind", "=", o.kind).where("name", "=", o.name).executeTakeFirst();
    if (had) await trx.updateTable("api_objects").set({ spec, updated_at: at, author: o.author }).where("kind", "=", o.kind).where("name", "=", o.name).execute();
    else await trx.insertInto("api_objects").values({ kind: o.kind, name: o.name, spec, created_at: at, updated_at: at, author: o.author }).execute();
    return { kind: o.kind, name: o.name, spec: JSON.parse(spec) as Record<string, unknown>, createdAt: had ? Number(had.created_at) : at, updatedAt: at, author: o.author };
  });
}

/** Deletes an object; false when there was none. */
export async function deleteApiObject(db: Kysely<Database>, kind: ApiObjectKind, name: string): Promise<boolean> {
  const r = await db.deleteFrom("api_objects").where("kind", "=", kind).where("name", "=", name).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
