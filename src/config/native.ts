/** Loads the native file: walks groups to any depth, validates each piece, resolves inheritance and ids. */
import { maintenanceOf } from "./maintenance.ts";
import { Value } from "@sinclair/typebox/value";
import { parseDurationMs } from "../lib/duration.ts";
import { authOf } from "./auth.ts";
import { digestsOf } from "./digests.ts";
import { statusPagesOf } from "./schema/status-pages.ts";
import { httpMonitoringOf } from "./http-monitoring.ts";
import { metricsOf } from "./metrics.ts";
import { type DatabaseConfig, DEFAULT_HEARTBEATS, type GroupNode, type HeartbeatsConfig, type Monitor, type RouteConfig, type UpbeatConfig } from "./model.ts";
import { type ConfigProblem, formatPath } from "./problems.ts";
import { CHECK_SCHEMAS, type CheckInput, type CheckKind } from "./schema/checks.ts";
import { ShallowGroup, ShallowRoot } from "./schema/root.ts";
import { checkSemantics, slugify } from "./semantics.ts";
import { mergeSettings, resolveSettings, type SettingsLayer, settingsOf } from "./settings.ts";
import type { ParsedSource } from "./source.ts";
import { validateAt } from "./validate.ts";

type Segs = (string | number)[];
type Obj = Record<string, unknown>;

const SCHEME_KIND: Record<string, CheckKind> = { "http:": "http", "https:": "http", "tcp:": "tcp", "tls:": "tls" };

/** The kind a monitor declares, or the one its url's scheme implies. */
function kindOf(m: Obj): CheckKind | undefined {
  if (typeof m.type === "string") return m.type in CHECK_SCHEMAS ? (m.type as CheckKind) : undefined;
  if (typeof m.url === "string") return SCHEME_KIND[/^[a-z]+:/i.exec(m.url)?.[0].toLowerCase() ?? ""];
  return undefined;
}

/** Meaning checks on a check that may not match its schema: whatever cannot be read is skipped. */
function safeSemantics(check: CheckInput): ReturnType<typeof checkSemantics> {
  try {
    return checkSemantics(check);
  } catch {
    return [];
  }
}

interface Walk {
  src: ParsedSource;
  problems: ConfigProblem[];
  monitors: Monitor[];
  ids: Map<string, string>;
}

function durationProblems(w: Walk, at: Segs, layer: SettingsLayer): void {
  if (layer.interval !== undefined && (parseDurationMs(layer.interval) ?? 0) < 1000) {
    w.problems.push(w.src.problemAt([...at, "interval"], "interval must be at least 1s"));
  }
  if (layer.timeout !== undefined && (parseDurationMs(layer.timeout) ?? 0) < 1) {
    w.problems.push(w.src.problemAt([...at, "timeout"], "timeout must be above 0"));
  }
}

function loadMonitor(w: Walk, raw: unknown, at: Segs, inherited: SettingsLayer, groupPath: string[], idPrefix: string[]): string | undefined {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    w.problems.push(w.src.problemAt(at, "a monitor must be an object"));
    return undefined;
  }
  const obj = raw as Obj;
  const kind = kindOf(obj);
  if (!kind) {
    const msg = obj.type !== undefined ? `unknown type "${String(obj.type)}"; expected one of: ${Object.keys(CHECK_SCHEMAS).join(", ")}` : "type is required (or a url starting with http://, https://, tcp:// or tls://)";
    w.problems.push(w.src.problemAt(obj.type !== undefined ? [...at, "type"] : at, msg));
    return undefined;
  }
  const withType = { ...obj, type: kind };
  const schema = CHECK_SCHEMAS[kind];
  const found = validateAt(w.src, at, schema, withType);
  const check = Value.Default(schema, Value.Clone(withType)) as CheckInput;
  // Checks of meaning run even past schema errors, so one run reports everything; one problem per place.
  const taken = new Set([...found, ...w.problems].map((p) => p.path));
  for (const p of safeSemantics(check)) {
    const problem = w.src.problemAt([...at, ...p.at], p.message);
    if (!taken.has(problem.path)) found.push(problem);
  }
  w.problems.push(...found);
  if (found.length) return undefined;
  const layer = settingsOf(obj);
  durationProblems(w, at, layer);
  const id = check.id ?? [...idPrefix, slugify(check.name)].join("/");
  const clash = w.ids.get(id);
  if (clash) {
    w.problems.push(w.src.problemAt(check.id ? [...at, "id"] : [...at, "name"], `monitor id "${id}" is already used at ${clash}; give one of them an explicit id`));
    return undefined;
  }
  w.ids.set(id, `${w.src.file}:${w.src.problemAt(at, "").line ?? "?"}`);
  const settings = resolveSettings(mergeSettings(inherited, layer));
  w.monitors.push({ id, name: check.name, kind, check, groupPath, settings, source: { format: "native", file: w.src.file, path: formatPath(at) } } as Monitor);
  return id;
}

/**
 * Loads one monitor entry exactly as a file's entry in `groupPath` would be (schema, defaults,
 * meaning checks, id rule, settings resolution): the API's create and update bodies. Problem
 * paths are relative to the entry.
 */
export function loadMonitorEntry(src: ParsedSource, raw: unknown, groupPath: string[]): { monitor?: Monitor; problems: ConfigProblem[] } {
  const w: Walk = { src, problems: [], monitors: [], ids: new Map() };
  loadMonitor(w, raw, [], {}, groupPath, groupPath.map(slugify));
  const monitor = w.problems.length ? undefined : w.monitors[0];
  return monitor ? { monitor, problems: [] } : { problems: w.problems };
}

function loadGroup(w: Walk, raw: unknown, at: Segs, inherited: SettingsLayer, groupPath: string[], idPrefix: string[]): GroupNode | undefined {
  w.problems.push(...validateAt(w.src, at, ShallowGroup, raw));
  // Descend even past errors here, so that problems further down are reported in the same run.
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return undefined;
  const g = raw as Obj & { name: string; id?: string };
  if (typeof g.name !== "string") g.name = "unnamed";
  const layer = settingsOf(g);
  durationProblems(w, at, layer);
  const prefix = [...idPrefix, g.id ?? slugify(g.name)];
  return loadChildren(w, g, at, mergeSettings(inherited, layer), [...groupPath, g.name], prefix, g.name);
}

function loadChildren(w: Walk, obj: Obj, at: Segs, settings: SettingsLayer, groupPath: string[], prefix: string[], name: string): GroupNode {
  const node: GroupNode = { id: prefix.join("/"), name, groups: [], monitorIds: [] };
  (Array.isArray(obj.monitors) ? obj.monitors : []).forEach((m, i) => {
    const id = loadMonitor(w, m, [...at, "monitors", i], settings, groupPath, prefix);
    if (id) node.monitorIds.push(id);
  });
  (Array.isArray(obj.groups) ? obj.groups : []).forEach((g, i) => {
    const child = loadGroup(w, g, [...at, "groups", i], settings, groupPath, prefix);
    if (child) node.groups.push(child);
  });
  return node;
}

const DAY_MS = 86_400_000;

/** The `database` section in base units (the schema has checked its shape). */
function databaseOf(file: string, raw: unknown): DatabaseConfig | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  const d = raw as { url?: string; retention?: Record<string, string | number> };
  const days = (k: string, dflt: string) => (parseDurationMs(d.retention?.[k] ?? dflt) ?? parseDurationMs(dflt) ?? 0) / DAY_MS;
  const retention = { resultsDays: days("results", "14d"), upResultsDays: days("upResults", "2d"), minuteDays: days("minuteRollups", "2d"), hourDays: days("hourRollups", "90d"), dayDays: days("dayRollups", "731d"), outboxDays: 7 };
  return { ...(typeof d.url === "string" ? { url: d.url } : {}), retention, file };
}

/** The `heartbeats` section in base units. */
function heartbeatsOf(file: string, raw: unknown): HeartbeatsConfig | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  const h = raw as { pingKeys?: string[]; bodyLimit?: number; createdPeriod?: string | number; createdGrace?: string | number };
  const d = DEFAULT_HEARTBEATS;
  return {
    pingKeys: Array.isArray(h.pingKeys) ? h.pingKeys.filter((k) => typeof k === "string") : d.pingKeys,
    bodyLimitBytes: typeof h.bodyLimit === "number" ? h.bodyLimit : d.bodyLimitBytes,
    createdPeriodMs: (h.createdPeriod !== undefined ? parseDurationMs(h.createdPeriod) : undefined) ?? d.createdPeriodMs,
    createdGraceMs: (h.createdGrace !== undefined ? parseDurationMs(h.createdGrace) : undefined) ?? d.createdGraceMs,
    file,
  };
}

/** Loads a parsed native file into monitors and groups, collecting every problem. */
export function loadNative(src: ParsedSource, value: unknown): { config: UpbeatConfig; problems: ConfigProblem[] } {
  const w: Walk = { src, problems: [], monitors: [], ids: new Map() };
  const empty: UpbeatConfig = { monitors: [], groups: [], files: [src.file] };
  if (value === undefined || value === null) return { config: empty, problems: [] };
  w.problems.push(...validateAt(src, [], ShallowRoot, value));
  if (typeof value !== "object" || Array.isArray(value)) return { config: empty, problems: w.problems };
  const root = value as Obj & { defaults?: SettingsLayer };
  const defaults = root.defaults ?? {};
  durationProblems(w, ["defaults"], defaults);
  const top = loadChildren(w, root, [], mergeSettings({}, defaults), [], [], "");
  const database = databaseOf(src.file, root.database);
  const heartbeats = heartbeatsOf(src.file, root.heartbeats);
  const channels = Array.isArray(root.channels)
    ? root.channels.filter((c): c is Obj & { name: string; type: string } => !!c && typeof c === "object" && typeof (c as Obj).name === "string" && typeof (c as Obj).type === "string").map((c, i) => {
        const { name, type, ...settings } = c;
        return { name, type, settings, file: src.file, path: `channels[${i}]` };
      })
    : undefined;
  const routes = root.routes && typeof root.routes === "object" ? { root: root.routes as RouteConfig, file: src.file } : undefined;
  const maintenance = maintenanceOf(src, root.maintenance, w.problems);
  const config: UpbeatConfig = { monitors: w.monitors, groups: top.groups, files: [src.file], ...(database ? { database } : {}), ...(heartbeats ? { heartbeats } : {}), ...(channels ? { channels } : {}), ...(routes ? { routes } : {}), ...(maintenance ? { maintenance } : {}) };
  const auth = authOf(src.file, root.auth);
  if (auth) config.auth = auth;
  const digests = digestsOf(src, root.digests, w.problems);
  if (digests) config.digests = digests;
  const statusPages = statusPagesOf(src.file, root.statusPages);
  if (statusPages) config.statusPages = statusPages;
  const metrics = metricsOf(src.file, root.metrics);
  if (metrics) config.metrics = metrics;
  const httpMonitoring = httpMonitoringOf(src, root.httpMonitoring, w.problems);
  if (httpMonitoring) config.httpMonitoring = httpMonitoring;
  return { config, problems: w.problems };
}
