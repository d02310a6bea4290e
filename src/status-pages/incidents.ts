/**
 * Incident threads of status pages in the store. An incident's `state` and `resolved_at` always
 * follow its latest update, recomputed in the transaction that adds, edits or deletes one.
 */
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../store/schema.ts";
import type { Impact, IncidentKind, IncidentUpdate, StatusIncident, UpdateState } from "./types.ts";

/** The fields of an incident the API sets. */
export interface IncidentFields {
  /** Incident or maintenance. */
  kind: IncidentKind;
  /** Title. */
  title: string;
  /** Banner effect. */
  impact: Impact;
  /** Affected monitor ids. */
  monitors: string[];
  /** Maintenance start (epoch ms). */
  startsAt?: number | undefined;
  /** Maintenance end (epoch ms). */
  endsAt?: number | undefined;
}

/** An update as written. */
export interface UpdateFields {
  /** State. */
  state: UpdateState;
  /** Text. */
  body: string;
}

/** An update of the page feed, with its incident's title and kind. */
export interface FeedUpdate extends IncidentUpdate {
  /** Incident title. */
  title: string;
  /** Incident kind. */
  kind: IncidentKind;
}

type Row = Record<string, unknown>;
type Db = Kysely<Database> | Transaction<Database>;

function incidentFromRow(r: Row, updates: IncidentUpdate[]): StatusIncident {
  const i: StatusIncident = {
    id: Number(r.id),
    pageId: Number(r.page_id),
    kind: r.kind as IncidentKind,
    title: String(r.title),
    impact: r.impact as Impact,
    state: r.state as UpdateState,
    monitors: JSON.parse(String(r.monitors)) as string[],
    author: String(r.author),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    updates,
  };
  if (r.starts_at !== null && r.starts_at !== undefined) i.startsAt = Number(r.starts_at);
  if (r.ends_at !== null && r.ends_at !== undefined) i.endsAt = Number(r.ends_at);
  if (r.resolved_at !== null && r.resolved_at !== undefined) i.resolvedAt = Number(r.resolved_at);
  return i;
}

function updateFromRow(r: Row): IncidentUpdate {
  return { id: Number(r.id), incidentId: Number(r.incident_id), state: r.state as UpdateState, body: String(r.body), author: String(r.author), createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) };
}

/** Newest first: by time, then by id for updates posted in the same millisecond. */
const newestFirst = (a: { createdAt: number; id: number }, b: { createdAt: number; id: number }) => b.createdAt - a.createdAt || b.id - a.id;

/** Incidents and their updates. */
export class IncidentStore {
  /** Over the store's query builder. */
  constructor(readonly db: Kysely<Database>) {}

  /** Attaches the updates of the rows (one query). */
  private async withUpdates(db: Db, rows: Row[]): Promise<StatusIncident[]> {
    if (!rows.length) return [];
    const ids = rows.map((r) => Number(r.id));
    const ups = (await db.selectFrom("status_updates").selectAll().where("incident_id", "in", ids).execute()).map((r) => updateFromRow(r as Row));
    const by = new Map<number, IncidentUpdate[]>();
    for (const u of ups) by.set(u.incidentId, [...(by.get(u.incidentId) ?? []), u]);
    return rows.map((r) => incidentFromRow(r, (by.get(Number(r.id)) ?? []).sort(newestFirst)));
  }

  /** A page's incidents, newest first: open ones, resolved ones (optionally since a time), or both. */
  async list(pageId: number, o: { open?: boolean; resolvedSince?: number; limit: number; offset?: number; kind?: IncidentKind }): Promise<StatusIncident[]> {
    let q = this.db.selectFrom("status_incidents").selectAll().where("page_id", "=", pageId);
    if (o.open === true) q = q.where("resolved_at", "is", null);
    if (o.open === false) q = q.where("resolved_at", "is not", null);
    if (o.resolvedSince !== undefined) {
      const since = o.resolvedSince;
      q = o.open === false ? q.where("resolved_at", ">=", since) : q.where((eb) => eb.or([eb("resolved_at", "is", null), eb("resolved_at", ">=", since)]));
    }
    if (o.kind) q = q.where("kind", "=", o.kind);
    const rows = await q.orderBy("created_at", "desc").orderBy("id", "desc").limit(o.limit).offset(o.offset ?? 0).execute();
    return this.withUpdates(this.db, rows as Row[]);
  }

  /** One incident of a page. */
  async get(pageId: number, id: number, db: Db = this.db): Promise<StatusIncident | undefined> {
    const r = await db.selectFrom("status_incidents").selectAll().where("page_id", "=", pageId).where("id", "=", id).executeTakeFirst();
    return r ? (await this.withUpdates(db, [r as Row]))[0] : undefined;
  }

  /** Opens an incident with its first update. */
  async create(pageId: number, f: IncidentFields, first: UpdateFields, author: string, at: number): Promise<StatusIncident> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto("status_incidents")
        .values({ page_id: pageId, kind: f.kind, title: f.title, impact: f.impact, state: first.state, monitors: JSON.stringify(f.monitors), starts_at: f.startsAt ?? null, ends_at: f.endsAt ?? null, author, created_at: at, updated_at: at, resolved_at: first.state === "resolved" ? at : null })
        .returning("id")
        .executeTakeFirstOrThrow();
      const id = Number(row.id);
      await trx.insertInto("status_updates").values({ incident_id: id, page_id: pageId, state: first.state, body: first.body, author, created_at: at, updated_at: at }).execute();
      return (await this.get(pageId, id, trx)) as StatusIncident;
    });
  }

  /** Changes an incident's own fields. */
  async edit(pageId: number, id: number, f: IncidentFields, at: number): Promise<StatusIncident | undefined> {
    const res = await this.db
      .updateTable("status_incidents")
      .set({ kind: f.kind, title: f.title, impact: f.impact, monitors: JSON.stringify(f.monitors), starts_at: f.startsAt ?? null, ends_at: f.endsAt ?? null, updated_at: at })
      .where("page_id", "=", pageId)
      .where("id", "=", id)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) ? this.get(pageId, id) : undefined;
  }

  /** Deletes an incident and its updates; false when there was none. */
  async delete(pageId: number, id: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx.deleteFrom("status_incidents").where("page_id", "=", pageId).where("id", "=", id).executeTakeFirst();
      await trx.deleteFrom("status_updates").where("incident_id", "=", id).where("page_id", "=", pageId).execute();
      return Number(res.numDeletedRows) > 0;
    });
  }

  /** Sets the incident's state and resolution time from its latest update. */
  private async follow(trx: Db, id: number, at: number): Promise<void> {
    const latest = await trx.selectFrom("status_updates").select(["state", "created_at"]).where("incident_id", "=", id).orderBy("created_at", "desc").orderBy("id", "desc").limit(1).executeTakeFirst();
    if (!latest) return;
    await trx
      .updateTable("status_incidents")
      .set({ state: latest.state, resolved_at: latest.state === "resolved" ? Number(latest.created_at) : null, updated_at: at })
      .where("id", "=", id)
      .execute();
  }

  /** Posts an update to an incident; undefined when the incident is not on the page. */
  async addUpdate(pageId: number, incidentId: number, u: UpdateFields, author: string, at: number): Promise<IncidentUpdate | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const inc = await trx.selectFrom("status_incidents").select("id").where("page_id", "=", pageId).where("id", "=", incidentId).executeTakeFirst();
      if (!inc) return undefined;
      const row = await trx.insertInto("status_updates").values({ incident_id: incidentId, page_id: pageId, state: u.state, body: u.body, author, created_at: at, updated_at: at }).returningAll().executeTakeFirstOrThrow();
      await this.follow(trx, incidentId, at);
      return updateFromRow(row as Row);
    });
  }

  /** Edits an update's state or text (its time stays). */
  async editUpdate(pageId: number, incidentId: number, updateId: number, u: Partial<UpdateFields>, at: number): Promise<IncidentUpdate | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable("status_updates")
        .set({ ...(u.state ? { state: u.state } : {}), ...(u.body !== undefined ? { body: u.body } : {}), updated_at: at })
        .where("page_id", "=", pageId)
        .where("incident_id", "=", incidentId)
        .where("id", "=", updateId)
        .executeTakeFirst();
      if (!Number(res.numUpdatedRows)) return undefined;
      await this.follow(trx, incidentId, at);
      const row = await trx.selectFrom("status_updates").selectAll().where("id", "=", updateId).executeTakeFirstOrThrow();
      return updateFromRow(row as Row);
    });
  }

  /** Deletes an update: `missing` when there is none, `last` when it is the thread's only one (delete the incident instead). */
  async deleteUpdate(pageId: number, incidentId: number, updateId: number, at: number): Promise<"deleted" | "missing" | "last"> {
    return this.db.transaction().execute(async (trx) => {
      const ups = await trx.selectFrom("status_updates").select("id").where("page_id", "=", pageId).where("incident_id", "=", incidentId).execute();
      if (!ups.some((r) => Number(r.id) === updateId)) return "missing";
      if (ups.length === 1) return "last";
      await trx.deleteFrom("status_updates").where("id", "=", updateId).execute();
      await this.follow(trx, incidentId, at);
      return "deleted";
    });
  }

  /** The latest updates of a page with their incidents' titles, newest first (feeds). */
  async feed(pageId: number, limit: number): Promise<FeedUpdate[]> {
    const rows = await this.db
      .selectFrom("status_updates as u")
      .innerJoin("status_incidents as i", "i.id", "u.incident_id")
      .where("u.page_id", "=", pageId)
      .select(["u.id", "u.incident_id", "u.state", "u.body", "u.author", "u.created_at", "u.updated_at", "i.title", "i.kind"])
      .orderBy("u.created_at", "desc")
      .orderBy("u.id", "desc")
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...updateFromRow(r as Row), title: r.title, kind: r.kind as IncidentKind }));
  }
}
