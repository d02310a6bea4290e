/** Lovebeat's JSON output (compat §2.5, §6): Go's `json.MarshalIndent(v, "", "  ")` + `\n`, its escaping, and the API reply bodies. */
import { type BeatAnalysis, beatAnalysis } from "./auto-timeout.ts";
import type { LovebeatAlarmRecord, LovebeatServiceRecord } from "./model.ts";

/** Body of every mutating Lovebeat endpoint (`Content-Length: 3`). */
export const EMPTY_REPLY = "{}\n";

const HEX = "0123456789abcdef";

/**
 * A JSON string literal escaped as Go's encoding/json (release-era Go) does: `<`, `>`, `&`,
 * U+2028 and U+2029 as `\u…`; control characters other than `\n`, `\r`, `\t` as `\u00xx`;
 * lone surrogates (invalid UTF-8 in Go) as `\ufffd`.
 */
export function goString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26) out += `\\u00${HEX[c >> 4]}${HEX[c & 15]}`;
    else if (c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16)}`;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && isLow(s.charCodeAt(i + 1))) {
      out += s[i] as string;
      out += s[++i] as string;
    } else if (c >= 0xd800 && c <= 0xdfff) out += "\\ufffd";
    else out += s[i] as string;
  }
  return `${out}"`;
}

const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

function encode(value: unknown, indent: string | undefined, depth: number): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return goString(value);
  if (typeof value === "number") return Number.isFinite(value) ? JSON.stringify(value) : "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "bigint") return value.toString();
  const inner = indent === undefined ? "" : `\n${indent.repeat(depth + 1)}`;
  const outer = indent === undefined ? "" : `\n${indent.repeat(depth)}`;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const items = value.map((v: unknown) => encode(v, indent, depth + 1));
    return `[${inner}${items.join(`,${inner}`)}${outer}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return "{}";
  const sep = indent === undefined ? ":" : ": ";
  const items = entries.map(([k, v]) => `${goString(k)}${sep}${encode(v, indent, depth + 1)}`);
  return `{${inner}${items.join(`,${inner}`)}${outer}}`;
}

/**
 * `json.MarshalIndent(value, "", "  ")` plus `\n`, as every Lovebeat JSON reply. Object keys keep
 * their insertion order (build objects in Go's struct order); `undefined` properties are left out
 * (Go's `omitempty`); non-finite numbers become `null`.
 */
export function goJson(value: unknown): string {
  return `${encode(value, "  ", 0)}\n`;
}

/** `json.Marshal(value)`: compact, Go's escaping, no trailing newline (DB file, event log, alert bodies). */
export function goJsonCompact(value: unknown): string {
  return encode(value, undefined, 0);
}

/** A service as the API shows it: no `beat_history`, `in_alarms` only when non-empty, `analysis` with ≥ 10 intervals. */
export interface LovebeatApiService extends Omit<LovebeatServiceRecord, "beat_history"> {
  /** Beat analysis (compat §2.5), present when the history has at least 10 intervals. */
  analysis?: BeatAnalysis;
}

/** The API form of a service record, fields in Go's order. */
export function apiService(s: LovebeatServiceRecord): LovebeatApiService {
  const out: LovebeatApiService = {
    name: s.name,
    last_beat: s.last_beat,
    timeout: s.timeout,
    state: s.state,
    muted_since: s.muted_since,
    last_state_change: s.last_state_change,
  };
  if (s.in_alarms && s.in_alarms.length > 0) out.in_alarms = [...s.in_alarms];
  const analysis = beatAnalysis(s.beat_history ?? []);
  if (analysis) out.analysis = analysis;
  return out;
}

/** The API form of an alarm: `failed_services` always an array. */
export function apiAlarm(a: LovebeatAlarmRecord): LovebeatAlarmRecord {
  return {
    name: a.name,
    state: a.state,
    incident_nbr: a.incident_nbr,
    failed_services: [...(a.failed_services ?? [])],
    last_state_change: a.last_state_change,
  };
}

/** Body of `GET /api/services/{name}`: `{"service":{…},"now":<ms>}`. */
export function serviceJson(service: LovebeatServiceRecord, nowMs: number): string {
  return goJson({ service: apiService(service), now: nowMs });
}

/** Body of `GET /api/services`: `{"services":[…],"now":<ms>}`. */
export function servicesJson(services: readonly LovebeatServiceRecord[], nowMs: number): string {
  return goJson({ services: services.map(apiService), now: nowMs });
}

/** Body of `GET /api/alarms/{name}`: `{"alarm":{…},"services":[…],"now":<ms>}`. */
export function alarmJson(alarm: LovebeatAlarmRecord, services: readonly LovebeatServiceRecord[], nowMs: number): string {
  return goJson({ alarm: apiAlarm(alarm), services: services.map(apiService), now: nowMs });
}

/** Body of `GET /api/alarms`: `{"alarms":[…],"now":<ms>}`. */
export function alarmsJson(alarms: readonly LovebeatAlarmRecord[], nowMs: number): string {
  return goJson({ alarms: alarms.map(apiAlarm), now: nowMs });
}

/** Plain-text body of `/api/status` (and `/api/alarms/{name}/status`). */
export function statusText(numOk: number, numError: number): string {
  return `num_ok ${numOk}\nnum_error ${numError}\nhas_error ${numError > 0}\ngood ${numError === 0}\n`;
}

/** JSON body of `/api/status` for `Accept: application/json` exactly. */
export function statusJson(numOk: number, numError: number): string {
  return goJson({ num_ok: numOk, num_error: numError, has_error: numError > 0, good: numError === 0 });
}

/** Plain-text body of `GET /version`. */
export function versionText(version: string): string {
  return `${version}\n`;
}

/** JSON body of `GET /version` for `Accept: application/json`. */
export function versionJson(version: string): string {
  return goJson({ version });
}
