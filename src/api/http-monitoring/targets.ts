/**
 * http-monitoring's targets (compat §5): request bodies checked field by field, a target turned
 * into an Upbeat HTTP monitor with the original's defaults, and a monitor's last result in the
 * original's exact JSON (keys sorted as Flask's jsonify sorts them, its value formats).
 */
import { createHash } from "node:crypto";
import type { HttpMonitoringConfig } from "../../config/http-monitoring.ts";
import type { Monitor, MonitorOf } from "../../config/model.ts";
import { resolveSettings } from "../../config/settings.ts";
import type { Health } from "../../core/types.ts";

/** Source name of the monitors this API creates. */
export const HTTP_MONITORING_SOURCE = "http-monitoring";
/** The group they are shown in. */
export const HTTP_MONITORING_GROUP = "http-monitoring";
/** Targets accepted in one request at most. */
export const MAX_TARGETS_PER_REQUEST = 1000;

/** A target as submitted. */
export interface Target {
  /** Title (null when none was given). */
  title: string | null;
  /** URL checked. */
  endpoint: string;
  /** Expected status code. */
  expected: number;
}

/** A body that could not be read: the field and what is wrong with it. */
export interface BodyProblem {
  /** Where (`targets[0].endpoint`). */
  field: string;
  /** What. */
  message: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

function endpointProblem(v: unknown): string | undefined {
  if (typeof v !== "string" || !v) return "is required: the URL to check (http:// or https://)";
  if (v.length > 2048) return "is longer than 2048 characters";
  try {
    const u = new URL(v);
    if (u.protocol !== "http:" && u.protocol !== "https:") return `must be an http:// or https:// URL, not ${u.protocol}`;
  } catch {
    return `is not a URL: ${JSON.stringify(v.slice(0, 100))}`;
  }
  return undefined;
}

/** Reads `{"targets":[{title, endpoint, expected_http_code}]}`; every problem is reported, nothing is half-read. */
export function readTargets(body: unknown, expectedDefault: number): { targets: Target[] } | { problems: BodyProblem[] } {
  if (!isObject(body)) return { problems: [{ field: "body", message: 'must be a JSON object {"targets": [...]}' }] };
  const list = body.targets;
  if (!Array.isArray(list) || !list.length) return { problems: [{ field: "targets", message: "must be a non-empty list of {title, endpoint, expected_http_code}" }] };
  if (list.length > MAX_TARGETS_PER_REQUEST) return { problems: [{ field: "targets", message: `has ${list.length} items; at most ${MAX_TARGETS_PER_REQUEST} per request` }] };
  const problems: BodyProblem[] = [];
  const targets: Target[] = [];
  list.forEach((t: unknown, i) => {
    const at = `targets[${i}]`;
    if (!isObject(t)) return void problems.push({ field: at, message: "must be an object {title, endpoint, expected_http_code}" });
    const bad = endpointProblem(t.endpoint);
    if (bad) problems.push({ field: `${at}.endpoint`, message: bad });
    const title = t.title ?? null;
    if (title !== null && (typeof title !== "string" || title.length > 200)) problems.push({ field: `${at}.title`, message: "must be a string of at most 200 characters, or null" });
    const code = t.expected_http_code ?? expectedDefault;
    if (!Number.isInteger(code) || (code as number) < 100 || (code as number) > 599) problems.push({ field: `${at}.expected_http_code`, message: "must be an HTTP status code, an integer from 100 to 599" });
    targets.push({ title: typeof title === "string" ? title : null, endpoint: String(t.endpoint), expected: code as number });
  });
  return problems.length ? { problems } : { targets };
}

/** The monitor id of an endpoint: stable, short, and free of URL characters. */
export function targetId(endpoint: string): string {
  return `${HTTP_MONITORING_GROUP}/${createHash("sha256").update(endpoint).digest("hex").slice(0, 16)}`;
}

/** The monitor checking a target, with the API's settings (timeout, retries on 501–504 with backoff, interval). */
export function targetMonitor(t: Target, c: HttpMonitoringConfig, submittedAt: number, position: number): MonitorOf<"http"> {
  const name = t.title ?? t.endpoint;
  const settings = resolveSettings({ interval: `${c.intervalMs}ms`, timeout: `${c.timeoutMs}ms`, retries: c.retries, retryDelay: `${Math.round(c.backoffFactor * 1000)}ms` });
  return {
    id: targetId(t.endpoint),
    name,
    kind: "http",
    check: { type: "http", name, url: t.endpoint, expect: { status: [t.expected] } },
    groupPath: [HTTP_MONITORING_GROUP],
    settings: { ...settings, retryStatuses: [...c.retryStatuses] },
    source: { format: HTTP_MONITORING_SOURCE, httpMonitoring: { title: t.title, submittedAt, position } },
  };
}

/** The target a monitor checks, if it came from this API. */
export function targetOf(m: Monitor): Target | undefined {
  if (m.source.format !== HTTP_MONITORING_SOURCE || m.kind !== "http") return undefined;
  const expected = m.check.expect?.status?.[0];
  return { title: m.source.httpMonitoring?.title ?? null, endpoint: m.check.url, expected: typeof expected === "number" ? expected : 200 };
}

/** Whether two monitors of this API check the same thing the same way (a resubmission changes nothing). */
export function sameTarget(a: Monitor, b: Monitor): boolean {
  const ta = targetOf(a);
  const tb = targetOf(b);
  return !!ta && !!tb && ta.title === tb.title && ta.expected === tb.expected && a.settings.intervalMs === b.settings.intervalMs && a.settings.timeoutMs === b.settings.timeoutMs && a.settings.retries === b.settings.retries && a.settings.retryDelayMs === b.settings.retryDelayMs && JSON.stringify(a.settings.retryStatuses) === JSON.stringify(b.settings.retryStatuses);
}

/** What a status answer is made from: the last check of a target. */
export interface LastCheck {
  /** Epoch ms of the check. */
  at: number;
  /** Its verdict. */
  health: Health;
  /** Status received (none when nothing answered). */
  statusCode?: number;
  /** Time taken (ms). */
  durationMs: number;
}

/** `2023-01-24 12:32:41` (UTC), the original's timestamp format. */
export function pythonTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

/** `0.15 seconds`, the original's duration format (two decimals). */
export function seconds(value: number): string {
  return `${value.toFixed(2)} seconds`;
}

/** One target's `data` object, keys in the original's (sorted) order; before its first check every result field is null and both flags false. */
export function statusData(t: Target, last: LastCheck | undefined) {
  return {
    actual_response: last?.statusCode ?? null,
    elapsed: last ? seconds(last.durationMs / 1000) : null,
    endpoint: t.endpoint,
    expected_response: t.expected,
    is_down: last ? last.health === "down" : false,
    is_up: last ? last.health !== "down" : false,
    timestamp: last ? pythonTimestamp(last.at) : null,
    title: t.title,
  };
}
