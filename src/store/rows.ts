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

/** The phases of a plain result's timings, in the order of their compact form. */
const TIMING_KEYS = ["totalMs", "dnsMs", "connectMs", "tlsMs", "ttfbMs", "transferMs"] as const;

/**
 * A result's `detail` as stored. Most rows are plain successes whose detail is only their timings;
 * those are stored as an array in the order of TIMING_KEYS (absent phases null, trailing ones
 * dropped), about a third of the object's size. Anything else is stored as its JSON.
 */
export function encodeDetail(detail: unknown): string | null {
  if (detail === undefined) return null;
  const t = plainTimings(detail);
  if (!t) return JSON.stringify(detail);
  const values: Array<number | null> = TIMING_KEYS.map((k) => t[k] ?? null);
  while (values.length > 1 && values.at(-1) === null) values.pop();
  return JSON.stringify(values);
}

/** `{ timings }` with only known, numeric phases, or undefined. */
function plainTimings(detail: unknown): Partial<Record<(typeof TIMING_KEYS)[number], number>> | undefined {
  if (!detail || typeof detail !== "object" || Array.isArray(detail)) return undefined;
  const keys = Object.keys(detail);
  if (keys.length !== 1 || keys[0] !== "timings") return undefined;
  const t = (detail as { timings: unknown }).timings;
  if (!t || typeof t !== "object") return undefined;
  for (const [k, v] of Object.entries(t)) if (!(TIMING_KEYS as readonly string[]).includes(k) || typeof v !== "number" || !Number.isFinite(v)) return undefined;
  return typeof (t as { totalMs?: unknown }).totalMs === "number" ? (t as Partial<Record<(typeof TIMING_KEYS)[number], number>>) : undefined;
}

/** A stored `detail` back in its full form (`{ timings }` for the compact array). */
export function decodeDetail(text: string | null): unknown {
  const v = parseJson(text);
  if (!Array.isArray(v)) return v;
  const timings: Record<string, number> = {};
  v.forEach((x, i) => {
    const k = TIMING_KEYS[i];
    if (k && typeof x === "number") timings[k] = x;
  });
  return { timings };
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
    detail: encodeDetail(r.detail),
  };
}

/** A `results` row as a result. */
export function resultFromRow(monitorId: string, r: Omit<ResultsTable, "id" | "monitor_seq">): StoredResult {
  const out: StoredResult = { monitorId, at: Number(r.at), health: r.health as Health, durationMs: Number(r.duration_ms), region: r.region };
  if (r.status_code !== null) out.statusCode = Number(r.status_code);
  if (r.phase !== null) out.phase = r.phase;
  if (r.failure !== null) out.failure = r.failure;
  if (r.reason !== null) out.reason = r.reason;
  if (r.detail !== null) out.detail = decodeDetail(r.detail);
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
