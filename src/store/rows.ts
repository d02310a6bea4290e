/** Mapping between database rows and the store's records. Pure. */
import type { Incident, MonitorState, MonitorStatus } from "../core/monitor-state.ts";
import type { Health } from "../core/types.ts";
import type { DeliveriesTable, IncidentsTable, PingsTable, ResultsTable, RollupTable, StateTable } from "./schema.ts";
import type { PingRecord, ResultRecord, StoredDelivery, RollupRecord, StoredMonitor, StoredPing, StoredResult } from "./types.ts";

/** Parses a JSON column, keeping a broken value visible instead of failing a whole listing. */
export function parseJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { unreadable: text };
  }
}

/** A `monitors` row as a record. */
export function monitorFromRow(r: { seq: number; id: string; name: string; kind: string; group_path: string; source: string; definition: string; created_at: number; updated_at: number }): StoredMonitor {
  return {
    seq: Number(r.seq),
    id: r.id,
    name: r.name,
    kind: r.kind,
    groupPath: (parseJson(r.group_path) as string[] | undefined) ?? [],
    source: r.source,
    definition: parseJson(r.definition),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** An `incidents` row as an incident. */
export function incidentFromRow(r: Omit<IncidentsTable, "monitor_seq">): Incident {
  const i: Incident = { number: Number(r.number), openedAt: Number(r.opened_at), cause: r.cause };
  if (r.resolved_at !== null) i.resolvedAt = Number(r.resolved_at);
  if (r.duration_sec !== null) i.durationSec = Number(r.duration_sec);
  if (r.resolution === "recovered" || r.resolution === "removed") i.resolution = r.resolution;
  return i;
}

/** An incident as a row. */
export function incidentToRow(seq: number, i: Incident): IncidentsTable {
  return { monitor_seq: seq, number: i.number, opened_at: i.openedAt, cause: i.cause, resolved_at: i.resolvedAt ?? null, duration_sec: i.durationSec ?? null, resolution: i.resolution ?? null };
}

/** A `monitor_state` row (and its open incident) as a state. */
export function stateFromRow(monitorId: string, r: Omit<StateTable, "monitor_seq" | "last_result" | "last_result_at" | "updated_at">, open?: Incident): MonitorState {
  const s: MonitorState = {
    monitorId,
    status: r.status as MonitorStatus,
    since: Number(r.since),
    failures: Number(r.failures),
    successes: Number(r.successes),
    lastIncidentNumber: Number(r.last_incident_number),
  };
  if (open) s.incident = open;
  if (r.last_reminder_at !== null) s.lastReminderAt = Number(r.last_reminder_at);
  return s;
}

/** A state as a row. */
export function stateToRow(seq: number, s: MonitorState, at: number, last?: StoredResult): StateTable {
  return {
    monitor_seq: seq,
    status: s.status,
    since: s.since,
    failures: s.failures,
    successes: s.successes,
    last_incident_number: s.lastIncidentNumber,
    last_reminder_at: s.lastReminderAt ?? null,
    last_result_at: last?.at ?? null,
    last_result: last ? JSON.stringify(last) : null,
    updated_at: at,
  };
}

/** A result as a row. */
export function resultToRow(r: ResultRecord): Omit<ResultsTable, "id"> {
  return {
    monitor_seq: r.seq,
    at: r.at,
    health: r.health,
    duration_ms: r.durationMs,
    status_code: r.statusCode ?? null,
    phase: r.phase ?? null,
    failure: r.failure ?? null,
    reason: r.reason ?? null,
    region: r.region,
    detail: r.detail === undefined ? null : JSON.stringify(r.detail),
  };
}

/** A `results` row as a result. */
export function resultFromRow(monitorId: string, r: Omit<ResultsTable, "id" | "monitor_seq">): StoredResult {
  const out: StoredResult = { monitorId, at: Number(r.at), health: r.health as Health, durationMs: Number(r.duration_ms), region: r.region };
  if (r.status_code !== null) out.statusCode = Number(r.status_code);
  if (r.phase !== null) out.phase = r.phase;
  if (r.failure !== null) out.failure = r.failure;
  if (r.reason !== null) out.reason = r.reason;
  if (r.detail !== null) out.detail = parseJson(r.detail);
  return out;
}

/** A rollup as a row. */
export function rollupToRow(r: RollupRecord): RollupTable {
  return {
    monitor_seq: r.seq,
    bucket: r.bucket,
    checks: r.checks,
    failures: r.failures,
    degraded: r.degraded,
    down_ms: Math.round(r.downMs),
    lat_count: r.latCount,
    lat_sum: r.latSum,
    lat_min: r.latMin ?? null,
    lat_max: r.latMax ?? null,
    sketch: r.sketch,
  };
}

/** A rollup row as a record. */
export function rollupFromRow(r: RollupTable): RollupRecord {
  const out: RollupRecord = {
    seq: Number(r.monitor_seq),
    bucket: Number(r.bucket),
    checks: Number(r.checks),
    failures: Number(r.failures),
    degraded: Number(r.degraded),
    downMs: Number(r.down_ms),
    latCount: Number(r.lat_count),
    latSum: Number(r.lat_sum),
    sketch: r.sketch,
  };
  if (r.lat_min !== null) out.latMin = Number(r.lat_min);
  if (r.lat_max !== null) out.latMax = Number(r.lat_max);
  return out;
}

/** A ping as a `pings` row. */
export function pingToRow(p: PingRecord): Omit<PingsTable, "id"> {
  return { monitor_seq: p.seq, at: p.at, kind: p.kind, rid: p.rid ?? null, exit_code: p.exitCode ?? null, duration_ms: p.durationMs ?? null, body: p.body ?? null, body_bytes: p.bodyBytes, remote: p.remote ?? null };
}

/** A `pings` row as a stored ping. */
export function pingFromRow(r: Omit<PingsTable, "monitor_seq" | "id"> & { id: number }): StoredPing {
  const p: StoredPing = { id: Number(r.id), at: Number(r.at), kind: r.kind as StoredPing["kind"], bodyBytes: Number(r.body_bytes) };
  if (r.rid !== null) p.rid = r.rid;
  if (r.exit_code !== null) p.exitCode = Number(r.exit_code);
  if (r.duration_ms !== null) p.durationMs = Number(r.duration_ms);
  if (r.body !== null) p.body = r.body;
  if (r.remote !== null) p.remote = r.remote;
  return p;
}

/** A `deliveries` row as a stored delivery. */
export function deliveryFromRow(r: Omit<DeliveriesTable, "id"> & { id: number }): StoredDelivery {
  const d: StoredDelivery = { id: Number(r.id), key: r.key, channel: r.channel, groupKey: r.group_key, payload: parseJson(r.payload), notBefore: Number(r.not_before), status: r.status as StoredDelivery["status"], attempts: Number(r.attempts), createdAt: Number(r.created_at) };
  if (r.done_at !== null) d.doneAt = Number(r.done_at);
  if (r.last_error !== null) d.lastError = r.last_error;
  return d;
}
