/** Notifications from committed effects, and one message from several (grouping). Pure and shared by every channel. */
import type { Monitor } from "../config/model.ts";
import { monitorLabels } from "../core/matchers.ts";
import { durationWords } from "../core/duration-words.ts";
import type { Incident, MonitorState } from "../core/monitor-state.ts";
import type { CupcakeCompat, LovebeatCompat, NotificationKind, Notification, NotifiedMonitor, Severity } from "../notifiers/types.ts";
import type { OutboxRecord, StoredResult } from "../store/types.ts";

/** What the engine put in an outbox entry (records.ts `effectWrites`). */
export interface EffectPayload {
  /** The incident. */
  incident?: Incident;
  /** Outage length in words (resolutions). */
  durationText?: string;
  /** Seconds open (reminders). */
  openForSec?: number;
  /** Monitor name. */
  monitorName?: string;
  /** Group path. */
  groupPath?: string[];
  /** The deciding result. */
  result?: StoredResult;
  /** Cupcake's message, for Cupcake monitors. */
  cupcakeMessage?: string;
}

const KIND: Record<string, NotificationKind | undefined> = { "incident.opened": "incident.opened", "incident.resolved": "incident.resolved", "reminder.due": "reminder" };

/** The labels routes, silences and windows match on: the monitor's own, plus `monitor`, `name`, `group`, `kind`, `source`, `severity`, `event`. */
export function labelsOf(m: Monitor | undefined, record: Pick<OutboxRecord, "monitorId" | "type" | "payload">): Record<string, string> {
  const p = (record.payload ?? {}) as EffectPayload;
  const base = m ? monitorLabels(m) : { monitor: record.monitorId, name: p.monitorName ?? record.monitorId, group: (p.groupPath ?? []).join("/"), kind: "", source: "" };
  return { ...base, severity: record.type === "incident.resolved" ? "resolved" : "critical", event: record.type };
}

function targetOf(m: Monitor | undefined): string | undefined {
  if (!m) return undefined;
  if (m.kind === "dns") return `${m.check.query} ${m.check.recordType ?? "A"}`;
  if (m.kind === "heartbeat") return "heartbeat";
  return m.check.url;
}

/** The notification for one effect, or undefined when the effect notifies nobody (a state change alone). */
export function renderEffect(record: OutboxRecord, m: Monitor | undefined, o: { publicUrl?: string; lovebeatPublicUrl?: string } = {}): Notification | undefined {
  const kind = KIND[record.type];
  const p = record.payload as EffectPayload;
  if (!kind || !p.incident) return undefined;
  if (kind === "incident.resolved" && p.incident.resolution === "removed") return undefined;
  const name = m?.name ?? p.monitorName ?? record.monitorId;
  const path = [...(m?.groupPath ?? p.groupPath ?? []), name].join(" / ");
  const cause = p.incident.cause;
  const target = targetOf(m);
  const monitor: NotifiedMonitor = { id: record.monitorId, name, status: kind === "incident.resolved" ? "up" : "down", group: m?.groupPath ?? p.groupPath ?? [], cause, incident: p.incident.number, openedAt: p.incident.openedAt, labels: { ...(m?.settings.labels ?? {}) }, ...(target ? { target } : {}) };
  if (p.incident.resolvedAt !== undefined) monitor.resolvedAt = p.incident.resolvedAt;
  if (p.durationText) monitor.durationText = p.durationText;
  const severity: Severity = kind === "incident.resolved" ? "resolved" : "critical";
  const title = kind === "incident.opened" ? `DOWN: ${path}` : kind === "incident.resolved" ? `UP: ${path} after ${p.durationText ?? "a while"}` : `STILL DOWN: ${path}`;
  const lines = [
    kind === "incident.opened" ? `${path} is down: ${cause}` : kind === "incident.resolved" ? `${path} is up again after ${p.durationText ?? "a while"} (incident #${p.incident.number}: ${cause})` : `${path} has been down for ${Math.round((p.openForSec ?? 0) / 60)} minutes: ${cause}`,
    ...(target ? [`Target: ${target}`] : []),
    `Incident #${p.incident.number}, opened ${new Date(p.incident.openedAt).toISOString()}`,
  ];
  const base = `${record.monitorId}#${p.incident.number}`;
  const n: Notification = { kind, severity, title, text: lines.join("\n"), monitors: [monitor], at: record.at, dedupKey: `upbeat:${base}`, idempotencyKey: `${base}:${record.type}:${record.at}` };
  if (o.publicUrl) n.url = `${o.publicUrl.replace(/\/+$/, "")}/monitors/${encodeURIComponent(record.monitorId)}`;
  const compat = compatOf(record, m, p, kind, o.lovebeatPublicUrl);
  if (compat) n.compat = compat;
  return n;
}

/** One message for several notifications of one group (same channel, due together). */
export function combine(ns: readonly Notification[]): Notification {
  if (ns.length === 1) return ns[0] as Notification;
  const first = ns[0] as Notification;
  const down = ns.filter((n) => n.kind !== "incident.resolved");
  const up = ns.length - down.length;
  const title = [down.length ? `${down.length} DOWN` : "", up ? `${up} UP` : ""].filter(Boolean).join(", ") + `: ${ns.map((n) => n.monitors[0]?.name ?? "").slice(0, 5).join(", ")}${ns.length > 5 ? ", …" : ""}`;
  return {
    kind: down.length ? "incident.opened" : "incident.resolved",
    severity: down.length ? "critical" : "resolved",
    title,
    text: ns.map((n) => n.text.split("\n")[0]).join("\n"),
    monitors: ns.flatMap((n) => n.monitors),
    at: Math.max(...ns.map((n) => n.at)),
    dedupKey: `upbeat:group:${first.dedupKey}`,
    idempotencyKey: `group:${ns.map((n) => n.idempotencyKey).join(",")}`,
    ...(first.url ? { url: first.url } : {}),
  };
}

/** The original tool's alert facts, for monitors that came from Cupcake or are Lovebeat alarms. */
function compatOf(record: OutboxRecord, m: Monitor | undefined, p: EffectPayload, kind: NotificationKind, lovebeatPublicUrl?: string): CupcakeCompat | LovebeatCompat | undefined {
  const incident = p.incident as Incident;
  if (record.monitorId.startsWith("lovebeat-alarm/") && kind !== "reminder") {
    const opened = kind === "incident.opened";
    const failed = /^failed services: (.*)$/.exec(incident.cause)?.[1]?.split(", ").filter(Boolean) ?? [];
    return { tool: "lovebeat", alarm: record.monitorId.slice("lovebeat-alarm/".length), previous: opened ? "ok" : "error", current: opened ? "error" : "ok", incident: incident.number, failedServices: opened ? failed : [], publicUrl: lovebeatPublicUrl ?? "http://lovebeat.example.com/" };
  }
  const key = m?.source.cupcakeKey;
  if (key && p.cupcakeMessage) {
    const url = p.result?.monitorId ? ((m && "url" in m.check ? String(m.check.url) : "")) : "";
    const status = p.result?.statusCode;
    const actual = status !== undefined ? String(status) : "";
    const result = kind === "incident.resolved" ? { actual, message: "OK", result: true } : { actual, message: p.result?.failure === "timeout" ? "TIMEOUT" : "BAD", result: false };
    const dict = { endpoint: key[3], endpoint_group: key[2], environment: key[1], environment_group: key[0], expected: m?.source.cupcakeExpected ?? "", message: p.cupcakeMessage, presentation_message: `result was ${result.message}${actual ? `, actual: ${actual}` : ""}`, result, timestamp: kind === "incident.resolved" ? new Date(record.at).toISOString() : incident.openedAt / 1000, url };
    return { tool: "cupcake", message: p.cupcakeMessage, incident: dict };
  }
  return undefined;
}

/** The one notice sent when a monitor starts flapping (it replaces the alert that crossed the limit). */
export function flappingNotice(n: Notification, changes: number, windowMs: number): Notification {
  const m = n.monitors[0] as NotifiedMonitor;
  const path = [...m.group, m.name].join(" / ");
  const window = durationWords(windowMs / 1000);
  return {
    ...n,
    kind: "flapping",
    severity: "warning",
    title: `FLAPPING: ${path}`,
    text: `${path} changed state ${changes} times within ${window} (last: ${m.status}, ${m.cause ?? ""}).\nIts alerts are paused until it has been stable for ${window}; then one message gives its state.`,
  };
}

/** The message when a flapping monitor has been stable for a whole window: its state now. */
export function settledNotice(m: Monitor | undefined, monitorId: string, state: MonitorState | undefined, at: number, windowMs: number): Notification {
  const name = m?.name ?? monitorId;
  const group = m?.groupPath ?? [];
  const path = [...group, name].join(" / ");
  const down = Boolean(state?.incident);
  const since = state ? new Date(state.since).toISOString() : "";
  const cause = state?.incident?.cause;
  const monitor: NotifiedMonitor = { id: monitorId, name, status: down ? "down" : (state?.status ?? "up"), group, labels: { ...(m?.settings.labels ?? {}) }, ...(cause ? { cause } : {}), ...(state?.incident ? { incident: state.incident.number, openedAt: state.incident.openedAt } : {}) };
  const key = `${monitorId}:settled:${at}`;
  return {
    kind: down ? "incident.opened" : "incident.resolved",
    severity: down ? "critical" : "resolved",
    title: `${down ? "STILL DOWN" : "STABLE"}: ${path} stopped flapping`,
    text: `${path} has not changed state for ${durationWords(windowMs / 1000)}; it is ${down ? `down since ${since}: ${cause ?? ""}` : `${monitor.status} since ${since}`}.`,
    monitors: [monitor],
    at,
    dedupKey: state?.incident ? `upbeat:${monitorId}#${state.incident.number}` : `upbeat:${monitorId}:settled`,
    idempotencyKey: key,
  };
}
