/** How monitors, results and incidents look over the API. Pure. */
import { maskSettings, SECRET_MASK } from "../alerting/secrets.ts";
import type { Monitor } from "../config/model.ts";
import { CHECK_SCHEMAS, type CheckKind } from "../config/schema/checks.ts";
import type { Incident, MonitorStatus } from "../core/monitor-state.ts";
import type { IncidentNote } from "../store/incident-notes.ts";
import { type PeriodStats, type StoredResult, UPTIME_PERIODS, type UptimePeriod } from "../store/types.ts";

/** Sources the API may change: its own monitors and heartbeats created by their first ping. */
export const WRITABLE_SOURCES: readonly string[] = ["api", "ping"];

/** What a listing knows about a monitor, wherever it came from (the engine, or the store while starting). */
export interface MonitorRow {
  /** Id. */
  id: string;
  /** Name. */
  name: string;
  /** Kind. */
  kind: string;
  /** Group names. */
  groupPath: string[];
  /** Source format. */
  source: string;
  /** Defining file, if any. */
  file?: string;
  /** Own labels. */
  labels: Record<string, string>;
  /** URL, host or name checked. */
  target?: string;
  /** Status. */
  status: MonitorStatus;
  /** Last status change. */
  since?: number;
  /** Open incident. */
  incident?: Incident;
  /** Its acknowledgement. */
  ack?: { at: number; author: string };
  /** Latency of the last answered check. */
  lastMs?: number;
}

/** The target of a check as one string. */
export function targetOf(check: unknown): string | undefined {
  const c = check as { url?: unknown; query?: unknown } | undefined;
  if (typeof c?.url === "string") return maskUrl(c.url);
  if (typeof c?.query === "string") return c.query;
  return undefined;
}

/** A listing row from a running monitor. */
export function rowOfMonitor(m: Monitor, state: { status: MonitorStatus; since: number; incident?: Incident }, extra: { ack?: { at: number; author: string }; lastMs?: number } = {}): MonitorRow {
  const row: MonitorRow = { id: m.id, name: m.name, kind: m.kind, groupPath: m.groupPath, source: m.source.format, labels: m.settings.labels, status: state.status, since: state.since };
  if (m.source.file) row.file = m.source.file;
  const target = targetOf(m.check);
  if (target) row.target = target;
  if (state.incident) row.incident = state.incident;
  if (extra.ack) row.ack = extra.ack;
  if (extra.lastMs !== undefined) row.lastMs = extra.lastMs;
  return row;
}

const emptyStats = (): PeriodStats => ({ checks: 0, failures: 0, degraded: 0, downtimeSec: 0, uptimePct: null, latencyAvgMs: null, latencyMinMs: null, latencyMaxMs: null });

/** Every period's stats, zero where there were no checks. */
export function uptimeOf(u: Record<UptimePeriod, PeriodStats> | undefined): Record<UptimePeriod, PeriodStats> {
  return Object.fromEntries(UPTIME_PERIODS.map((p) => [p, u?.[p] ?? emptyStats()])) as Record<UptimePeriod, PeriodStats>;
}

/** An incident as the API shows it. */
export function incidentJson(i: Incident, ack?: { at: number; author: string } | null) {
  return { ...i, open: i.resolvedAt === undefined, acknowledged: ack ? { at: ack.at, author: ack.author } : null };
}

/** A monitor in listings. */
export function monitorSummary(r: MonitorRow, last: StoredResult | undefined, uptime: Record<UptimePeriod, PeriodStats> | undefined) {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    group: r.groupPath,
    labels: r.labels,
    target: r.target ?? null,
    source: r.source,
    readOnly: !WRITABLE_SOURCES.includes(r.source),
    ...(r.file ? { file: r.file } : {}),
    status: r.status,
    since: r.since ?? null,
    incident: r.incident ? incidentJson(r.incident, r.ack) : null,
    lastResult: last ?? null,
    uptime: Object.fromEntries(UPTIME_PERIODS.map((p) => [p, uptime?.[p]?.uptimePct ?? null])),
  };
}

/** A password in a URL masked. */
export function maskUrl(url: string): string {
  // Only a URL with user info can hold a password (and parsing 10,000 URLs per listing is not free).
  if (!url.includes("@")) return url;
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = SECRET_MASK;
    return u.toString();
  } catch {
    // Not a URL (a resolver or host name): shown as written.
    return url;
  }
}

/** A monitor's definition as the API shows it: request header values and a password in the URL masked. */
export function publicDefinition(kind: string, definition: unknown): unknown {
  const d = definition as { check?: Record<string, unknown> } | null;
  if (!d?.check || !(kind in CHECK_SCHEMAS)) return definition;
  const check = maskSettings(CHECK_SCHEMAS[kind as CheckKind], d.check) as Record<string, unknown>;
  if (typeof check.url === "string") check.url = maskUrl(check.url);
  return { ...d, check };
}

/** A result with its stored detail spread into named fields. */
export function resultJson(r: StoredResult & { id?: number }) {
  const { detail, ...rest } = r;
  const d = (detail ?? {}) as { timings?: unknown; attempts?: Array<{ timings?: unknown }>; assertions?: unknown[]; facts?: { bodyExcerpt?: string; url?: unknown } };
  const facts = d.facts && typeof d.facts.url === "string" ? { ...d.facts, url: maskUrl(d.facts.url) } : d.facts;
  const timings = d.timings ?? d.attempts?.at(-1)?.timings;
  return {
    ...rest,
    ...(timings !== undefined ? { timings } : {}),
    ...(d.attempts ? { attempts: d.attempts } : {}),
    ...(d.assertions ? { assertions: d.assertions } : {}),
    ...(typeof d.facts?.bodyExcerpt === "string" ? { bodyExcerpt: d.facts.bodyExcerpt } : {}),
    ...(facts ? { facts } : {}),
  };
}

/** A note as a timeline entry. */
export function noteEntry(n: IncidentNote) {
  return { type: n.kind, at: n.at, author: n.author, ...(n.text ? { text: n.text } : {}) };
}
