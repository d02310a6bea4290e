/**
 * The native digest (`digests:` in the configuration): what is down now and since when, the
 * incidents opened or resolved in the last 24 hours with their durations, and the uptime of the
 * last 24 hours, overall and for the lowest monitors. Pure: the facts come in, a notification
 * every channel can render (title and text) goes out.
 */
import type { DigestConfig, Monitor } from "../config/model.ts";
import { durationWords } from "../core/duration-words.ts";
import type { MonitorState } from "../core/monitor-state.ts";
import type { Notification, NotifiedMonitor } from "../notifiers/types.ts";
import type { PeriodStats, StoredIncident } from "../store/types.ts";
import { type Matcher, matches, parseMatcher } from "./routes.ts";

/** The span a digest covers, ending at its time. */
export const DIGEST_SPAN_MS = 86_400_000;

/** Incidents listed at most; the rest are counted. */
const MAX_INCIDENTS = 50;

/** What a digest is made from. */
export interface DigestFacts {
  /** Epoch ms the digest is for (its scheduled time). */
  at: number;
  /** Monitors with their live state. */
  monitors: Array<{ monitor: Monitor; state: MonitorState }>;
  /** Incidents open at some point in the span (any monitor; filtered here). */
  incidents: StoredIncident[];
  /** Uptime of the last 24 hours by monitor id. */
  uptime: ReadonlyMap<string, PeriodStats>;
}

/** The labels a digest's matchers see: as routes, the monitor's own plus monitor, name, group, kind, source. */
export function digestLabels(m: Monitor): Record<string, string> {
  return { ...m.settings.labels, monitor: m.id, name: m.name, group: m.groupPath.join("/"), kind: m.kind, source: m.source.format };
}

/** The compiled matchers of a digest (checked at load, so a bad one cannot occur here). */
function matchersOf(spec: DigestConfig): Matcher[] {
  return spec.matchers.map(parseMatcher).filter((m): m is Matcher => !("error" in m));
}

/** `2024-01-02 03:04` in a time zone. */
export function localTime(ms: number, timeZone: string): string {
  const f = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const p = Object.fromEntries(f.formatToParts(ms).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** A percentage cut (not rounded) to two decimals, so that anything short of 100 never reads 100.00. */
export function percent(p: number): string {
  return `${(Math.floor(p * 100) / 100).toFixed(2)} %`;
}

const pathOf = (m: Monitor): string => [...m.groupPath, m.name].join(" / ");
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

function downSection(down: Array<{ monitor: Monitor; state: MonitorState }>, at: number, tz: string): string[] {
  if (!down.length) return ["Down now: none"];
  return [
    `Down now: ${down.length}`,
    ...down.map(({ monitor, state }) => {
      const since = state.incident?.openedAt ?? state.since;
      return `- ${pathOf(monitor)} since ${localTime(since, tz)} (${durationWords((at - since) / 1000)}): ${state.incident?.cause ?? "down"}`;
    }),
  ];
}

function incidentSection(incidents: StoredIncident[], names: ReadonlyMap<string, Monitor>, from: number, tz: string): string[] {
  if (!incidents.length) return ["Incidents: none"];
  const opened = incidents.filter((i) => i.openedAt >= from).length;
  const resolved = incidents.filter((i) => i.resolvedAt !== undefined && i.resolvedAt >= from).length;
  const lines = incidents.slice(0, MAX_INCIDENTS).map((i) => {
    const m = names.get(i.monitorId) as Monitor;
    const end = i.resolvedAt === undefined ? "still open" : `resolved ${localTime(i.resolvedAt, tz)} after ${durationWords(i.durationSec ?? (i.resolvedAt - i.openedAt) / 1000)}`;
    return `- ${pathOf(m)} #${i.number} opened ${localTime(i.openedAt, tz)}, ${end} (${i.cause})`;
  });
  if (incidents.length > MAX_INCIDENTS) lines.push(`- … and ${incidents.length - MAX_INCIDENTS} more`);
  return [`Incidents: ${opened} opened, ${resolved} resolved`, ...lines];
}

function uptimeSection(monitors: Monitor[], uptime: ReadonlyMap<string, PeriodStats>, worst: number): { lines: string[]; overall: number | undefined } {
  const rows = monitors.map((m) => ({ m, s: uptime.get(m.id) })).filter((r): r is { m: Monitor; s: PeriodStats } => !!r.s && r.s.checks > 0);
  const checks = rows.reduce((n, r) => n + r.s.checks, 0);
  if (!checks) return { lines: ["Uptime: no checks"], overall: undefined };
  const overall = (100 * (checks - rows.reduce((n, r) => n + r.s.failures, 0))) / checks;
  const lines = [`Uptime: ${percent(overall)} of ${plural(checks, "check")} across ${plural(rows.length, "monitor")}`];
  const lowest = rows
    .filter((r) => r.s.failures > 0)
    .sort((a, b) => (a.s.uptimePct ?? 100) - (b.s.uptimePct ?? 100) || pathOf(a.m).localeCompare(pathOf(b.m)))
    .slice(0, worst);
  if (lowest.length) lines.push("Lowest:", ...lowest.map((r) => `- ${pathOf(r.m)} ${percent(r.s.uptimePct ?? 100)} (${r.s.failures} of ${plural(r.s.checks, "check")} down)`));
  return { lines, overall };
}

/** The digest's notification. */
export function renderDigest(spec: DigestConfig, facts: DigestFacts): Notification {
  const from = facts.at - DIGEST_SPAN_MS;
  const matchers = matchersOf(spec);
  const inScope = facts.monitors.filter(({ monitor }) => matchers.every((x) => matches(x, digestLabels(monitor))));
  const byId = new Map(inScope.map((x) => [x.monitor.id, x.monitor]));
  const down = inScope.filter(({ state }) => state.status === "down").sort((a, b) => (a.state.incident?.openedAt ?? a.state.since) - (b.state.incident?.openedAt ?? b.state.since));
  const incidents = facts.incidents
    .filter((i) => byId.has(i.monitorId) && i.resolution !== "removed" && (i.openedAt >= from || (i.resolvedAt ?? Number.POSITIVE_INFINITY) >= from))
    .sort((a, b) => a.openedAt - b.openedAt);
  const up = uptimeSection(inScope.map((x) => x.monitor), facts.uptime, spec.worst);
  const text = [
    `Digest "${spec.name}": the 24 hours to ${localTime(facts.at, spec.timezone)} (${spec.timezone})`,
    "",
    ...downSection(down, facts.at, spec.timezone),
    "",
    ...incidentSection(incidents, byId, from, spec.timezone),
    "",
    ...up.lines,
  ].join("\n");
  const title = `Digest ${spec.name}: ${down.length} down, ${plural(incidents.length, "incident")}, ${up.overall === undefined ? "no checks" : `${percent(up.overall)} up`} in 24 hours`;
  const monitors: NotifiedMonitor[] = down.map(({ monitor, state }) => ({
    id: monitor.id,
    name: monitor.name,
    status: "down",
    group: monitor.groupPath,
    labels: { ...monitor.settings.labels },
    ...(state.incident ? { cause: state.incident.cause, incident: state.incident.number, openedAt: state.incident.openedAt, durationText: durationWords((facts.at - state.incident.openedAt) / 1000) } : {}),
  }));
  return { kind: "digest", severity: down.length ? "warning" : "info", title, text, monitors, at: facts.at, dedupKey: `upbeat:digest:${spec.name}`, idempotencyKey: `digest:${spec.name}:${facts.at}` };
}
