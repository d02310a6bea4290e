/** What the engine writes for a monitor, an observation and its effects. Pure. */
import type { Monitor } from "../config/model.ts";
import { cupcakeFailureMessage, cupcakeRecoveryMessage, cupcakeRepr } from "../core/cupcake.ts";
import type { Effect, MonitorState } from "../core/monitor-state.ts";
import type { AttemptRecord, Observation } from "../core/types.ts";
import type { MonitorRecord, ResultRecord, StoredResult, WriteBatch } from "../store/types.ts";

/** The stored form of a monitor's definition (compared on reload to find changes). */
export function monitorRecord(m: Monitor): MonitorRecord {
  const { file: _file, path: _path, ...source } = m.source;
  return { id: m.id, name: m.name, kind: m.kind, groupPath: m.groupPath, source: m.source.format, definition: { check: m.check, settings: m.settings, source: { ...source, ...(m.source.file ? { file: m.source.file } : {}) } } };
}

function attemptSummary(a: AttemptRecord) {
  return {
    attempt: a.attempt,
    health: a.health,
    timings: a.timings,
    ...(a.facts.statusCode !== undefined ? { statusCode: a.facts.statusCode } : {}),
    ...(a.phase && !a.ok ? { phase: a.phase } : {}),
    ...(a.failure ? { failure: a.failure } : {}),
    ...(a.reason ? { reason: a.reason } : {}),
  };
}

/**
 * A result row. A plain success keeps only its timings (most rows, so they stay small); anything
 * else keeps every attempt, the assertions and what the check saw.
 */
export function resultRecord(seq: number, o: Observation): ResultRecord {
  const attempts = o.attempts ?? [];
  const plain = o.health === "up" && attempts.length <= 1;
  const detail = plain
    ? { timings: o.timings }
    : { attempts: attempts.map(attemptSummary), assertions: o.assertions, facts: o.facts };
  const r: ResultRecord = { seq, at: o.at, health: o.health, durationMs: o.timings?.totalMs ?? 0, region: o.region, detail };
  if (o.facts?.statusCode !== undefined) r.statusCode = o.facts.statusCode;
  if (o.phase && o.health !== "up") r.phase = o.phase;
  if (o.failure) r.failure = o.failure;
  if (o.reason) r.reason = o.reason;
  return r;
}

/** The short form of the latest result shown in listings. */
export function lastResult(o: Observation): StoredResult {
  const r: StoredResult = { monitorId: o.monitorId, at: o.at, health: o.health, durationMs: o.timings?.totalMs ?? 0, region: o.region };
  if (o.facts?.statusCode !== undefined) r.statusCode = o.facts.statusCode;
  if (o.phase && o.health !== "up") r.phase = o.phase;
  if (o.failure) r.failure = o.failure;
  if (o.reason) r.reason = o.reason;
  return r;
}

/** The Cupcake wording of an incident effect, for Cupcake-sourced monitors (compat §1.5). */
export function cupcakeMessage(m: Monitor, e: Effect): string | undefined {
  const key = m.source.cupcakeKey;
  if (!key || (e.type !== "incident.opened" && e.type !== "incident.resolved")) return undefined;
  const o = e.observation;
  const url = o?.facts?.url ?? ("url" in m.check ? String(m.check.url) : "");
  const repr = cupcakeRepr(key, url);
  if (e.type === "incident.resolved") return e.incident.resolution === "recovered" ? cupcakeRecoveryMessage(repr, e.durationText) : undefined;
  const last = o?.attempts?.[o.attempts.length - 1];
  if (!last) return `${repr} expected ${m.source.cupcakeExpected ?? ""}, actual: BAD`;
  return cupcakeFailureMessage(repr, m.kind === "tcp" ? "tcp" : "http", m.source.cupcakeExpected ?? "", last);
}

/** Store writes for a step's effects: incidents, outbox entries and Cupcake's `active` rows. */
export function effectWrites(m: Monitor, seq: number, effects: Effect[]): Partial<WriteBatch> {
  const out: Required<Pick<WriteBatch, "incidents" | "outbox" | "activeInserts" | "activeDeletes">> = { incidents: [], outbox: [], activeInserts: [], activeDeletes: [] };
  for (const e of effects) {
    const message = cupcakeMessage(m, e);
    // The observation is summarised: the outbox keeps what a message needs, not the whole body.
    const { observation, ...rest } = e as Effect & { observation?: Observation };
    const payload = { ...rest, monitorName: m.name, groupPath: m.groupPath, ...(observation ? { result: lastResult(observation) } : {}), ...(message ? { cupcakeMessage: message } : {}) };
    out.outbox.push({ monitorId: m.id, type: e.type, at: e.at, payload });
    if (e.type === "incident.opened" || e.type === "incident.resolved") out.incidents.push({ seq, incident: e.incident });
    const key = m.source.cupcakeKey;
    if (!key) continue;
    if (e.type === "incident.opened" && message) out.activeInserts.push({ key, timestamp: e.at / 1000, message, url: observation?.facts?.url ?? ("url" in m.check ? String(m.check.url) : "") });
    if (e.type === "incident.resolved") out.activeDeletes.push(key);
  }
  return out;
}

/** The state write for a monitor. */
export function stateWrite(seq: number, state: MonitorState, o?: Observation): WriteBatch["states"][number] {
  return o ? { seq, state, lastResult: lastResult(o) } : { seq, state };
}
