/**
 * The whole configuration in force as one native YAML file: monitors from every source (files,
 * the API, run-time creation, Cupcake and Lovebeat as their native equivalents), channels,
 * routes, maintenance windows, digests, heartbeat and database settings. Loading the file gives
 * the same resolved monitors, channels, routes and windows. Secrets are masked unless asked for:
 * a masked export is for reading and comparing; it does not load back with working secrets.
 */
import { Document, isNode } from "yaml";
import type { NotifierRegistry } from "../alerting/config.ts";
import { maskSettings, SECRET_MASK } from "../alerting/secrets.ts";
import type { MaintenanceConfig } from "./maintenance.ts";
import type { DatabaseConfig, HeartbeatsConfig, Monitor, UpbeatConfig } from "./model.ts";
import { formatDuration, monitorTree } from "./export-monitors.ts";

/** What goes into an export. */
export interface ExportInput {
  /** The configuration in force (files plus API objects). */
  config: UpbeatConfig;
  /** Every running monitor, whatever its source. */
  monitors: readonly Monitor[];
  /** Channel types (their schemas say which settings are secret). */
  registry: NotifierRegistry;
  /** Write secrets as they are (else masked). */
  secrets: boolean;
  /** Epoch ms of the export, for the header. */
  at: number;
  /** Monitors left out, with why (Lovebeat alarms). */
  skipped?: Array<{ id: string; why: string }>;
}

function channelsOut(config: UpbeatConfig, registry: NotifierRegistry, secrets: boolean) {
  return (config.channels ?? []).map((c) => {
    const schema = registry[c.type]?.schema;
    const settings = secrets || !schema ? c.settings : (maskSettings(schema, c.settings) as Record<string, unknown>);
    return { name: c.name, type: c.type, ...settings };
  });
}

/** A window as written: matchers as text, one-off times in ISO 8601 UTC, durations in the config's notation. */
export function windowOut(w: MaintenanceConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { name: w.name, matchers: w.matchers.map((m) => `${m.label}${m.op}${m.value}`) };
  if (w.start !== undefined && w.end !== undefined) Object.assign(out, { start: new Date(w.start).toISOString(), end: new Date(w.end).toISOString() });
  else Object.assign(out, { cron: w.cron?.expr, duration: formatDuration(w.durationMs ?? 0), timezone: w.cron?.timezone ?? "UTC" });
  if (w.comment !== undefined) out.comment = w.comment;
  return out;
}

function heartbeatsOut(h: HeartbeatsConfig, secrets: boolean) {
  return {
    ...(h.pingKeys.length ? { pingKeys: secrets ? h.pingKeys : h.pingKeys.map(() => SECRET_MASK) } : {}),
    bodyLimit: h.bodyLimitBytes,
    createdPeriod: formatDuration(h.createdPeriodMs),
    createdGrace: formatDuration(h.createdGraceMs),
  };
}

function databaseOut(d: DatabaseConfig, secrets: boolean) {
  let url = d.url;
  if (url && !secrets) {
    try {
      const u = new URL(url);
      if (u.password) {
        u.password = SECRET_MASK;
        url = u.toString();
      }
    } catch {
      // A SQLite path: nothing secret in it.
    }
  }
  const days = (n: number) => formatDuration(n * 86_400_000);
  const r = d.retention;
  return { ...(url ? { url } : {}), retention: { results: days(r.resultsDays), upResults: days(r.upResultsDays), minuteRollups: days(r.minuteDays), hourRollups: days(r.hourDays), dayRollups: days(r.dayDays) } };
}

/** The export as a plain object, with comments to attach by path. */
export function exportObject(x: ExportInput): { value: Record<string, unknown>; comments: Array<[(string | number)[], string]> } {
  const c = x.config;
  const tree = monitorTree(x.monitors, c.groups, x.secrets);
  const value: Record<string, unknown> = { version: 1 };
  if (c.database) value.database = databaseOut(c.database, x.secrets);
  if (c.heartbeats) value.heartbeats = heartbeatsOut(c.heartbeats, x.secrets);
  const channels = channelsOut(c, x.registry, x.secrets);
  if (channels.length) value.channels = channels;
  if (c.routes) value.routes = c.routes.root;
  if (c.maintenance?.length) value.maintenance = c.maintenance.map(windowOut);
  if (c.digests?.length) value.digests = c.digests.map((d) => ({ name: d.name, channels: d.channels, cron: d.cron, timezone: d.timezone, ...(d.matchers.length ? { matchers: d.matchers } : {}), worst: d.worst }));
  if (tree.monitors.length) value.monitors = tree.monitors;
  if (tree.groups.length) value.groups = tree.groups;
  return { value: JSON.parse(JSON.stringify(value)) as Record<string, unknown>, comments: tree.comments };
}

/** The export as YAML text, with a header saying what it is and comments on monitors from other sources. */
export function exportYaml(x: ExportInput): string {
  const { value, comments } = exportObject(x);
  const doc = new Document(value);
  const header = [
    ` Upbeat configuration exported ${new Date(x.at).toISOString()}: files, API objects and monitors from every source.`,
    x.secrets ? " Holds every secret in clear text: keep it like a password file." : ` Secrets are masked as ${SECRET_MASK}: this file does not load back with working secrets (export with ?secrets=include for that).`,
    " Lovebeat's own configuration (alarms, [alerts.*]) is not included: keep giving Upbeat that file.",
    ...(x.skipped ?? []).map((s) => ` Not included: ${s.id} (${s.why}).`),
  ];
  doc.commentBefore = header.join("\n");
  for (const [path, text] of comments) {
    const node = doc.getIn(path, true);
    if (isNode(node)) node.commentBefore = text;
  }
  return doc.toString({ lineWidth: 0 });
}
