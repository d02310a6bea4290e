/**
 * The Store over kysely: one implementation for SQLite and PostgreSQL (the SQL used is common to
 * both). Writes are multi-row statements inside one transaction per batch.
 */
import { type Kysely, Migrator, type Transaction, sql } from "kysely";
import type { Incident } from "../core/monitor-state.ts";
import { deliveryFromRow, incidentFromRow, incidentToRow, monitorFromRow, parseJson, pingFromRow, pingToRow, resultFromRow, resultToRow, rollupFromRow, rollupToRow, stateFromRow, stateToRow } from "./rows.ts";
import { mergeRollups } from "./rollups.ts";
import { type Database, ROLLUP_TABLE, migrations } from "./schema.ts";
import { isSqliteBusy, type SqliteHotWrites } from "./sqlite-hot.ts";
import { uptimeQuery } from "./uptime.ts";
import { type CupcakeActive, type DeliveryRecord, FILE_SOURCES, type MonitorRecord, type MonitorView, type PeriodStats, type Retention, type RollupRecord, type RollupSize, type SilenceRecord, type Store, type StoredDelivery, type StoredIncident, type StoredMonitor, type StoredOutbox, type StoredPing, type StoredResult, type StoredSilence, type StoredState, StoreBusyError, type UptimePeriod, type WriteBatch } from "./types.ts";

const CHUNK = 400;
const DAY_MS = 86_400_000;

function chunks<T>(rows: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/** Keeps the last entry per key (one statement may not upsert the same row twice). */
function lastByKey<T, K>(rows: T[], key: (r: T) => K): T[] {
  const m = new Map<K, T>();
  for (const r of rows) m.set(key(r), r);
  return [...m.values()];
}

/** Runs the migrations; a failure names the migration. */
export async function migrate(db: Kysely<Database>, dialect: "sqlite" | "postgres"): Promise<void> {
  // Kysely looks for its migration tables in every schema unless told which: another schema's
  // tables (another app, or a test opening its store at the same moment) would be taken for ours.
  const schema = dialect === "postgres" ? (await sql<{ s: string }>`SELECT current_schema() AS s`.execute(db)).rows[0]?.s : undefined;
  const { error, results } = await new Migrator({ db, provider: migrations(dialect), ...(schema ? { migrationTableSchema: schema } : {}) }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw Object.assign(new Error(`database migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`), { code: "UPBEAT_STORE_MIGRATION" });
  }
}

/** A store over an open kysely instance. */
export class KyselyStore implements Store {
  /** Wraps a migrated database. */
  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: "sqlite" | "postgres",
    private readonly onClose: () => Promise<void> = async () => {},
    /** SQLite: prepared statements for the hot tables, run inside kysely's transaction. */
    private readonly hot?: SqliteHotWrites,
  ) {}

  async syncMonitors(monitors: MonitorRecord[], at: number): Promise<Map<string, number>> {
    return this.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom("monitors").select(["seq", "id", "name", "kind", "group_path", "source", "definition", "removed_at"]).execute();
      const byId = new Map(existing.map((r) => [r.id, r]));
      const wanted = new Set<string>();
      const inserts = [];
      for (const m of monitors) {
        wanted.add(m.id);
        const row = { id: m.id, name: m.name, kind: m.kind, group_path: JSON.stringify(m.groupPath), source: m.source, definition: JSON.stringify(m.definition) };
        const old = byId.get(m.id);
        if (!old) inserts.push({ ...row, created_at: at, updated_at: at, removed_at: null });
        else if (old.removed_at !== null || old.definition !== row.definition || old.name !== row.name || old.kind !== row.kind || old.group_path !== row.group_path || old.source !== row.source) {
          await trx.updateTable("monitors").set({ ...row, updated_at: at, removed_at: null }).where("id", "=", m.id).execute();
        }
      }
      for (const part of chunks(inserts)) await trx.insertInto("monitors").values(part).execute();
      const fileDefined = new Set<string>(FILE_SOURCES);
      const gone = existing.filter((r) => r.removed_at === null && !wanted.has(r.id) && fileDefined.has(r.source)).map((r) => r.id);
      for (const part of chunks(gone)) await trx.updateTable("monitors").set({ removed_at: at, updated_at: at }).where("id", "in", part).execute();
      const all = await trx.selectFrom("monitors").select(["seq", "id"]).execute();
      return new Map(all.map((r) => [r.id, Number(r.seq)]));
    });
  }

  async addMonitors(monitors: MonitorRecord[], at: number): Promise<Map<string, number>> {
    if (!monitors.length) return new Map();
    return this.db.transaction().execute(async (trx) => {
      for (const part of chunks(monitors)) {
        const rows = part.map((m) => ({ id: m.id, name: m.name, kind: m.kind, group_path: JSON.stringify(m.groupPath), source: m.source, definition: JSON.stringify(m.definition), created_at: at, updated_at: at, removed_at: null }));
        await trx
          .insertInto("monitors")
          .values(rows)
          .onConflict((oc) =>
            oc.column("id").doUpdateSet((eb) => ({ name: eb.ref("excluded.name"), kind: eb.ref("excluded.kind"), group_path: eb.ref("excluded.group_path"), source: eb.ref("excluded.source"), definition: eb.ref("excluded.definition"), updated_at: eb.ref("excluded.updated_at"), removed_at: null })),
          )
          .execute();
      }
      const out = new Map<string, number>();
      for (const part of chunks(monitors.map((m) => m.id))) {
        for (const r of await trx.selectFrom("monitors").select(["seq", "id"]).where("id", "in", part).execute()) out.set(r.id, Number(r.seq));
      }
      return out;
    });
  }

  async removeMonitors(ids: string[], at: number): Promise<void> {
    for (const part of chunks(ids)) await this.db.updateTable("monitors").set({ removed_at: at, updated_at: at }).where("id", "in", part).execute();
  }

  async loadTracks(): Promise<Map<string, unknown>> {
    const rows = await this.db.selectFrom("heartbeats as h").innerJoin("monitors as m", "m.seq", "h.monitor_seq").where("m.removed_at", "is", null).select(["m.id", "h.track"]).execute();
    return new Map(rows.map((r) => [r.id, parseJson(r.track)]));
  }

  async pings(id: string, o: { limit: number; before?: number }): Promise<StoredPing[]> {
    let q = this.db
      .selectFrom("pings as p")
      .innerJoin("monitors as m", "m.seq", "p.monitor_seq")
      .where("m.id", "=", id)
      .select(["p.id", "p.at", "p.kind", "p.rid", "p.exit_code", "p.duration_ms", "p.body", "p.body_bytes", "p.remote"])
      .orderBy("p.id", "desc")
      .limit(o.limit);
    if (o.before !== undefined) q = q.where("p.at", "<", o.before);
    return (await q.execute()).map(pingFromRow);
  }

  async monitorsBySource(source: string): Promise<StoredMonitor[]> {
    const rows = await this.db.selectFrom("monitors").selectAll().where("source", "=", source).where("removed_at", "is", null).orderBy("seq").execute();
    return rows.map(monitorFromRow);
  }

  async loadStates(): Promise<StoredState[]> {
    const rows = await this.db
      .selectFrom("monitor_state as s")
      .innerJoin("monitors as m", "m.seq", "s.monitor_seq")
      .where("m.removed_at", "is", null)
      .select(["m.id", "s.monitor_seq", "s.status", "s.since", "s.failures", "s.successes", "s.last_incident_number", "s.last_reminder_at", "s.last_result_at"])
      .execute();
    const open = await this.openIncidents();
    return rows.map((r) => {
      const out: StoredState = { monitorId: r.id, state: stateFromRow(r.id, r, open.get(Number(r.monitor_seq))) };
      if (r.last_result_at !== null) out.lastResultAt = Number(r.last_result_at);
      return out;
    });
  }

  private async openIncidents(seq?: number): Promise<Map<number, Incident>> {
    let q = this.db.selectFrom("incidents").selectAll().where("resolved_at", "is", null);
    if (seq !== undefined) q = q.where("monitor_seq", "=", seq);
    const rows = await q.execute();
    return new Map(rows.map((r) => [Number(r.monitor_seq), incidentFromRow(r)]));
  }

  async commit(b: WriteBatch): Promise<number[]> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        // The writer's commit never sleeps on a lock: it fails at once and the writer tries again.
        this.hot?.waitForLocks(false);
        try {
          return await this.commitIn(trx, b);
        } finally {
          this.hot?.waitForLocks(true);
        }
      });
    } catch (e) {
      throw isSqliteBusy(e) ? new StoreBusyError(e) : e;
    }
  }

  private async commitIn(trx: Transaction<Database>, b: WriteBatch): Promise<number[]> {
    const results = b.results.map(resultToRow);
    if (this.hot) this.hot.results(results);
    else for (const part of chunks(results)) await trx.insertInto("results").values(part).execute();
    await this.writeStates(trx, b);
    await this.writeIncidents(trx, b);
    await this.writeRollups(trx, b);
    await this.writeHeartbeats(trx, b);
    for (const k of b.activeDeletes) {
      await trx.deleteFrom("active").where("environment_group", "=", k[0]).where("environment", "=", k[1]).where("endpoint_group", "=", k[2]).where("endpoint", "=", k[3]).execute();
    }
    for (const a of b.activeInserts) {
      const [environment_group, environment, endpoint_group, endpoint] = a.key;
      await trx.insertInto("active").values({ environment_group, environment, endpoint_group, endpoint, timestamp: a.timestamp, message: a.message, url: a.url }).execute();
    }
    const ids: number[] = [];
    for (const part of chunks(b.outbox)) {
      const rows = part.map((o) => ({ monitor_id: o.monitorId, type: o.type, at: o.at, payload: JSON.stringify(o.payload), status: "pending", attempts: 0, done_at: null, last_error: null }));
      const got = await trx.insertInto("outbox").values(rows).returning("id").execute();
      ids.push(...got.map((r) => Number(r.id)));
    }
    return ids;
  }

  private async writeStates(trx: Transaction<Database>, b: WriteBatch): Promise<void> {
    const now = Date.now();
    const rows = lastByKey(b.states, (s) => s.seq).map((s) => stateToRow(s.seq, s.state, now, s.lastResult));
    if (this.hot) return this.hot.states(rows);
    for (const part of chunks(rows)) {
      await trx
        .insertInto("monitor_state")
        .values(part)
        .onConflict((oc) =>
          oc.column("monitor_seq").doUpdateSet((eb) => ({
            status: eb.ref("excluded.status"),
            since: eb.ref("excluded.since"),
            failures: eb.ref("excluded.failures"),
            successes: eb.ref("excluded.successes"),
            last_incident_number: eb.ref("excluded.last_incident_number"),
            last_reminder_at: eb.ref("excluded.last_reminder_at"),
            // A state change without a new result (pause, reload) keeps the last result shown.
            last_result_at: sql`coalesce(excluded.last_result_at, monitor_state.last_result_at)`,
            last_result: sql`coalesce(excluded.last_result, monitor_state.last_result)`,
            updated_at: eb.ref("excluded.updated_at"),
          })),
        )
        .execute();
    }
  }

  private async writeHeartbeats(trx: Transaction<Database>, b: WriteBatch): Promise<void> {
    const now = Date.now();
    const tracks = lastByKey(b.tracks, (t) => t.seq).map((t) => ({ monitor_seq: t.seq, track: JSON.stringify(t.track), updated_at: now }));
    if (this.hot) {
      this.hot.tracks(tracks);
      this.hot.pings(b.pings.map(pingToRow));
      return;
    }
    for (const part of chunks(tracks)) {
      await trx
        .insertInto("heartbeats")
        .values(part)
        .onConflict((oc) => oc.column("monitor_seq").doUpdateSet((eb) => ({ track: eb.ref("excluded.track"), updated_at: eb.ref("excluded.updated_at") })))
        .execute();
    }
    for (const part of chunks(b.pings.map(pingToRow))) await trx.insertInto("pings").values(part).execute();
  }

  private async writeIncidents(trx: Transaction<Database>, b: WriteBatch): Promise<void> {
    const rows = lastByKey(b.incidents, (i) => `${i.seq}/${i.incident.number}`).map((i) => incidentToRow(i.seq, i.incident));
    for (const part of chunks(rows)) {
      await trx
        .insertInto("incidents")
        .values(part)
        .onConflict((oc) =>
          oc.columns(["monitor_seq", "number"]).doUpdateSet((eb) => ({
            resolved_at: eb.ref("excluded.resolved_at"),
            duration_sec: eb.ref("excluded.duration_sec"),
            resolution: eb.ref("excluded.resolution"),
          })),
        )
        .execute();
    }
  }

  private async writeRollups(trx: Transaction<Database>, b: WriteBatch): Promise<void> {
    for (const size of ["minute", "hour", "day"] as const) {
      const table = ROLLUP_TABLE[size];
      const rows: RollupRecord[] = [];
      for (const r of b.rollups) {
        if (r.size !== size) continue;
        if (!r.merge) {
          rows.push(r.row);
          continue;
        }
        const old = await trx.selectFrom(table).selectAll().where("monitor_seq", "=", r.row.seq).where("bucket", "=", r.row.bucket).executeTakeFirst();
        rows.push(old ? mergeRollups(rollupFromRow(old), r.row) : r.row);
      }
      const unique = lastByKey(rows, (r) => `${r.seq}/${r.bucket}`).map(rollupToRow);
      if (this.hot) {
        this.hot.rollups(size, unique);
        continue;
      }
      for (const part of chunks(unique)) {
        await trx
          .insertInto(table)
          .values(part)
          .onConflict((oc) =>
            oc.columns(["monitor_seq", "bucket"]).doUpdateSet((eb) => ({
              checks: eb.ref("excluded.checks"),
              failures: eb.ref("excluded.failures"),
              degraded: eb.ref("excluded.degraded"),
              down_ms: eb.ref("excluded.down_ms"),
              lat_count: eb.ref("excluded.lat_count"),
              lat_sum: eb.ref("excluded.lat_sum"),
              lat_min: eb.ref("excluded.lat_min"),
              lat_max: eb.ref("excluded.lat_max"),
              sketch: eb.ref("excluded.sketch"),
            })),
          )
          .execute();
      }
    }
  }

  private monitorViews() {
    return this.db
      .selectFrom("monitors as m")
      .leftJoin("monitor_state as s", "s.monitor_seq", "m.seq")
      .where("m.removed_at", "is", null)
      .select(["m.seq", "m.id", "m.name", "m.kind", "m.group_path", "m.source", "m.definition", "m.created_at", "m.updated_at", "s.status", "s.since", "s.last_result"])
      .orderBy("m.seq");
  }

  private toView(r: Awaited<ReturnType<ReturnType<KyselyStore["monitorViews"]>["execute"]>>[number], open: Map<number, Incident>): MonitorView {
    const v: MonitorView = { ...monitorFromRow(r), status: (r.status as MonitorView["status"] | null) ?? "pending" };
    if (r.since !== null) v.since = Number(r.since);
    const incident = open.get(Number(r.seq));
    if (incident) v.incident = incident;
    const last = parseJson(r.last_result) as StoredResult | undefined;
    if (last) v.lastResult = last;
    return v;
  }

  async listMonitors(): Promise<MonitorView[]> {
    const [rows, open] = await Promise.all([this.monitorViews().execute(), this.openIncidents()]);
    return rows.map((r) => this.toView(r, open));
  }

  async getMonitor(id: string): Promise<MonitorView | undefined> {
    const r = await this.monitorViews().where("m.id", "=", id).executeTakeFirst();
    if (!r) return undefined;
    return this.toView(r, await this.openIncidents(Number(r.seq)));
  }

  async results(id: string, o: { limit: number; before?: number; after?: number }): Promise<StoredResult[]> {
    let q = this.db
      .selectFrom("results as r")
      .innerJoin("monitors as m", "m.seq", "r.monitor_seq")
      .where("m.id", "=", id)
      .select(["r.at", "r.health", "r.duration_ms", "r.status_code", "r.phase", "r.failure", "r.reason", "r.region", "r.detail"])
      .orderBy("r.at", "desc")
      .limit(o.limit);
    if (o.before !== undefined) q = q.where("r.at", "<", o.before);
    if (o.after !== undefined) q = q.where("r.at", ">=", o.after);
    return (await q.execute()).map((r) => resultFromRow(id, r));
  }

  async incidents(o: { monitorId?: string; open?: boolean; limit: number; before?: number; since?: number }): Promise<StoredIncident[]> {
    let q = this.db.selectFrom("incidents as i").innerJoin("monitors as m", "m.seq", "i.monitor_seq").select(["m.id", "i.number", "i.opened_at", "i.cause", "i.resolved_at", "i.duration_sec", "i.resolution"]).orderBy("i.opened_at", "desc").orderBy("i.number", "desc").limit(o.limit);
    if (o.monitorId !== undefined) q = q.where("m.id", "=", o.monitorId);
    if (o.open === true) q = q.where("i.resolved_at", "is", null);
    if (o.open === false) q = q.where("i.resolved_at", "is not", null);
    if (o.before !== undefined) q = q.where("i.opened_at", "<", o.before);
    const since = o.since;
    if (since !== undefined) q = q.where((eb) => eb.or([eb("i.opened_at", ">=", since), eb("i.resolved_at", ">=", since), eb("i.resolved_at", "is", null)]));
    return (await q.execute()).map((r) => ({ monitorId: r.id, ...incidentFromRow(r) }));
  }

  async uptime(now: number, ids?: string[]): Promise<Map<string, Record<UptimePeriod, PeriodStats>>> {
    if (ids && ids.length === 0) return new Map();
    return uptimeQuery(this.db, now, ids);
  }

  async rollup(size: RollupSize, seq: number, bucket: number): Promise<RollupRecord | undefined> {
    const r = await this.db.selectFrom(ROLLUP_TABLE[size]).selectAll().where("monitor_seq", "=", seq).where("bucket", "=", bucket).executeTakeFirst();
    return r ? rollupFromRow(r) : undefined;
  }

  async rollupsAt(size: RollupSize, bucket: number): Promise<RollupRecord[]> {
    const rows = await this.db.selectFrom(ROLLUP_TABLE[size]).selectAll().where("bucket", "=", bucket).execute();
    return rows.map(rollupFromRow);
  }

  async rollups(size: RollupSize, id: string, from: number, to: number): Promise<RollupRecord[]> {
    const t = ROLLUP_TABLE[size];
    const rows = await this.db
      .selectFrom(t)
      .selectAll(t)
      .where("monitor_seq", "=", (eb) => eb.selectFrom("monitors").select("seq").where("id", "=", id))
      .where("bucket", ">=", from)
      .where("bucket", "<", to)
      .orderBy("bucket")
      .execute();
    return rows.map(rollupFromRow);
  }

  async prune(now: number, r: Retention, batch: number): Promise<number> {
    // Rows arrive in time order, so the oldest are the lowest ids: look at the first `batch` ids
    // only. Filtering the whole table by `at` (which has no index of its own) read every row on
    // each prune while nothing had expired yet.
    const results = await sql`DELETE FROM results WHERE id IN (SELECT id FROM (SELECT id, at FROM results ORDER BY id LIMIT ${batch}) AS oldest WHERE at < ${now - r.resultsDays * DAY_MS})`.execute(this.db);
    let n = Number(results.numAffectedRows ?? 0) + (await this.pruneUpResults(now, now - Math.min(r.upResultsDays, r.resultsDays) * DAY_MS, batch));
    const keep: Record<RollupSize, number> = { minute: r.minuteDays, hour: r.hourDays, day: r.dayDays };
    for (const size of ["minute", "hour", "day"] as const) {
      const t = sql.table(ROLLUP_TABLE[size]);
      const res = await sql`DELETE FROM ${t} WHERE (monitor_seq, bucket) IN (SELECT monitor_seq, bucket FROM ${t} WHERE bucket < ${now - keep[size] * DAY_MS} LIMIT ${batch})`.execute(this.db);
      n += Number(res.numAffectedRows ?? 0);
    }
    const pings = await sql`DELETE FROM pings WHERE id IN (SELECT id FROM (SELECT id, at FROM pings ORDER BY id LIMIT ${batch}) AS oldest WHERE at < ${now - r.resultsDays * DAY_MS})`.execute(this.db);
    n += Number(pings.numAffectedRows ?? 0);
    const dl = await sql`DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE status = 'done' AND done_at < ${now - r.outboxDays * DAY_MS} ORDER BY id LIMIT ${batch})`.execute(this.db);
    n += Number(dl.numAffectedRows ?? 0);
    const ob = await sql`DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE status <> 'pending' AND done_at < ${now - r.outboxDays * DAY_MS} ORDER BY id LIMIT ${batch})`.execute(this.db);
    return n + Number(ob.numAffectedRows ?? 0);
  }

  /** Id of the last result the walk for expired up results has passed (every row up to it was expired then). */
  private upWalkedTo = 0;

  /**
   * Deletes up results older than `cutoff` among the next `batch` ids after the last walk. Kept
   * failures would stop a window of the oldest ids for good, so the walk goes on from where it
   * stopped, up to the first row not yet expired. After a restart it starts over from the oldest
   * row, passing quickly over the few failures kept.
   */
  private async pruneUpResults(now: number, cutoff: number, batch: number): Promise<number> {
    const rows = await this.db.selectFrom("results").select(["id", "at", "health"]).where("id", ">", this.upWalkedTo).orderBy("id").limit(batch).execute();
    const doomed: number[] = [];
    for (const row of rows) {
      const at = Number(row.at);
      // A row stamped more than a day ahead of now (a skewed clock) is passed over, not waited for.
      if (at >= cutoff && at <= now + DAY_MS) break;
      if (row.health === "up" && at < cutoff) doomed.push(Number(row.id));
      this.upWalkedTo = Number(row.id);
    }
    let n = 0;
    for (const part of chunks(doomed)) n += Number((await this.db.deleteFrom("results").where("id", "in", part).executeTakeFirst()).numDeletedRows);
    return n;
  }

  async outbox(status: StoredOutbox["status"], limit: number): Promise<StoredOutbox[]> {
    const rows = await this.db.selectFrom("outbox").selectAll().where("status", "=", status).orderBy("id").limit(limit).execute();
    return rows.map((r) => ({ id: Number(r.id), monitorId: r.monitor_id, type: r.type, at: Number(r.at), payload: parseJson(r.payload), status: r.status as StoredOutbox["status"], attempts: Number(r.attempts) }));
  }

  async markOutbox(ids: number[], status: "done" | "dead", at: number, error?: string): Promise<void> {
    for (const part of chunks(ids)) {
      await this.db
        .updateTable("outbox")
        .set((eb) => ({ status, done_at: at, last_error: error ?? null, attempts: eb("attempts", "+", 1) }))
        .where("id", "in", part)
        .execute();
    }
  }

  async cupcakeActives(): Promise<CupcakeActive[]> {
    const rows = await this.db.selectFrom("active").selectAll().execute();
    return rows.map((r) => ({ key: [r.environment_group, r.environment, r.endpoint_group, r.endpoint], timestamp: Number(r.timestamp), message: r.message, url: r.url }));
  }

  async enqueueDeliveries(rows: DeliveryRecord[], outboxIds: number[], at: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const part of chunks(rows)) {
        const values = part.map((d) => ({ key: d.key, channel: d.channel, group_key: d.groupKey, payload: JSON.stringify(d.payload), status: d.initial ?? "pending", attempts: 0, not_before: d.notBefore, created_at: at, done_at: d.initial ? at : null, last_error: d.note ?? null }));
        await trx.insertInto("deliveries").values(values).onConflict((oc) => oc.column("key").doNothing()).execute();
      }
      for (const part of chunks(outboxIds)) await trx.updateTable("outbox").set({ status: "done", done_at: at }).where("id", "in", part).execute();
    });
  }

  async dueDeliveries(now: number, limit: number): Promise<StoredDelivery[]> {
    const rows = await this.db.selectFrom("deliveries").selectAll().where("status", "=", "pending").where("not_before", "<=", now).orderBy("id").limit(limit).execute();
    return rows.map(deliveryFromRow);
  }

  async markDeliveries(ids: number[], o: { status: StoredDelivery["status"]; at: number; notBefore?: number; error?: string; attempt?: boolean }): Promise<void> {
    for (const part of chunks(ids)) {
      await this.db
        .updateTable("deliveries")
        .set((eb) => ({
          status: o.status,
          attempts: o.attempt === false ? eb.ref("attempts") : eb("attempts", "+", 1),
          last_error: o.error ?? null,
          ...(o.status === "pending" ? { not_before: o.notBefore ?? o.at } : { done_at: o.at }),
        }))
        .where("id", "in", part)
        .execute();
    }
  }

  async deliveriesByKeyPrefix(prefix: string): Promise<StoredDelivery[]> {
    // SQLite compares text byte-wise, so a range on the unique key index finds the prefix; PostgreSQL's
    // collation may not sort that way, so it matches with LIKE (wildcards in the prefix escaped).
    const q = this.db.selectFrom("deliveries").selectAll();
    const rows = await (this.dialect === "sqlite" ? q.where("key", ">=", prefix).where("key", "<", `${prefix}\u{10FFFF}`) : q.where(sql<boolean>`key like ${`${prefix.replace(/[\\%_]/g, "\\$&")}%`}`)).orderBy("id").execute();
    return rows.filter((r) => r.key.startsWith(prefix)).map(deliveryFromRow);
  }

  async addSilence(s: SilenceRecord, at: number): Promise<StoredSilence> {
    const row = await this.db
      .insertInto("silences")
      .values({ matchers: JSON.stringify(s.matchers), starts_at: s.startsAt, ends_at: s.endsAt, author: s.author, comment: s.comment, created_at: at })
      .returning("id")
      .executeTakeFirstOrThrow();
    return { ...s, id: Number(row.id), createdAt: at };
  }

  async silences(now: number): Promise<StoredSilence[]> {
    const rows = await this.db.selectFrom("silences").selectAll().where("ends_at", ">", now).orderBy("id").execute();
    return rows.map((r) => ({ id: Number(r.id), matchers: parseJson(r.matchers) as string[], startsAt: Number(r.starts_at), endsAt: Number(r.ends_at), author: r.author, comment: r.comment, createdAt: Number(r.created_at) }));
  }

  async expireSilence(id: number, at: number): Promise<boolean> {
    const r = await this.db.updateTable("silences").set({ ends_at: at }).where("id", "=", id).where("ends_at", ">", at).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async deliveries(o: { status?: StoredDelivery["status"]; channel?: string; key?: string; limit: number }): Promise<StoredDelivery[]> {
    let q = this.db.selectFrom("deliveries").selectAll().orderBy("id", "desc").limit(o.limit);
    if (o.status) q = q.where("status", "=", o.status);
    if (o.channel) q = q.where("channel", "=", o.channel);
    if (o.key !== undefined) q = q.where("key", "=", o.key);
    return (await q.execute()).map(deliveryFromRow);
  }

  async requeueDeliveries(keys: string[], at: number): Promise<number> {
    let n = 0;
    for (const part of chunks(keys)) {
      const r = await this.db.updateTable("deliveries").set({ status: "pending", attempts: 0, not_before: at, done_at: null }).where("key", "in", part).where("status", "=", "dead").executeTakeFirst();
      n += Number(r.numUpdatedRows);
    }
    return n;
  }

  async countResults(): Promise<number> {
    const r = await this.db.selectFrom("results").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async close(): Promise<void> {
    await this.db.destroy();
    await this.onClose();
  }
}
