/**
 * The effective configuration: what the files say plus the objects made through the API.
 * API channels and maintenance windows join the files' lists; API routes are appended, sorted
 * by name, after the top-level children of the file's routing tree (so a file route that takes
 * a notification without `continue` keeps it from the API routes). A name a file defines wins:
 * an API object with the same name stays stored but is not used (it is "shadowed"). Pure.
 */
import { type ExtraRoute, type NotifierRegistry, resolveAlerting } from "../alerting/config.ts";
import type { AlertingConfig } from "../alerting/alerting.ts";
import { digestChannelProblems } from "../alerting/digests.ts";
import type { ApiObject, ApiObjectKind } from "./api-objects.ts";
import { httpMonitoringChannelProblems } from "./http-monitoring.ts";
import { type MaintenanceConfig, maintenanceOf } from "./maintenance.ts";
import type { ChannelConfig, RouteConfig, UpbeatConfig } from "./model.ts";
import { type ConfigProblem, formatPath } from "./problems.ts";
import type { ParsedSource } from "./source.ts";

/** The `file` of problems and objects that came through the API. */
export const API_SOURCE = "api";

/** Where an API object is reported in problems: `channels/<name>`, `routes/<name>`, `maintenance/<name>`. */
export function apiPath(kind: ApiObjectKind, name: string): string {
  return `${kind === "maintenance" ? "maintenance" : `${kind}s`}/${name}`;
}

/** The configuration in force and how it was made. */
export interface Effective {
  /** Files plus API objects: channels and maintenance merged, routes as one tree. */
  config: UpbeatConfig;
  /** The files' configuration alone. */
  files: UpbeatConfig;
  /** Channels and routes for alerting (meaningful only when `problems` has no error). */
  alerting: AlertingConfig;
  /** API objects in force. */
  objects: ApiObject[];
  /** API objects whose name a file defines (kept, not used). */
  shadowed: ApiObject[];
  /** Every problem, the API objects' with file `api`. */
  problems: ConfigProblem[];
}

/** A parsed source for an API object's spec, whose problems are located under its API path. */
function objectSource(kind: ApiObjectKind, name: string, value: unknown): ParsedSource {
  const base = apiPath(kind, name);
  return {
    file: API_SOURCE,
    value,
    problems: [],
    // Specs are compiled as one-item lists (`maintenance[0].cron`): the first two segments are dropped.
    problemAt: (segs, message, opts) => {
      const rest = formatPath(segs.slice(2));
      return { severity: opts?.severity ?? "error", file: API_SOURCE, path: rest ? `${base}${rest.startsWith("[") ? "" : "."}${rest}` : base, message };
    },
  };
}

/** An API channel as the alerting configuration takes it. */
function channelOf(o: ApiObject): ChannelConfig {
  const { name: _name, type, ...settings } = o.spec;
  return { name: o.name, type: String(type), settings, file: API_SOURCE, path: apiPath("channel", o.name) };
}

/** An API maintenance window, compiled (problems pushed to `problems`). */
function windowOf(o: ApiObject, problems: ConfigProblem[]): MaintenanceConfig | undefined {
  const [w] = maintenanceOf(objectSource("maintenance", o.name, [o.spec]), [o.spec], problems) ?? [];
  return w ? { ...w, name: o.name, file: API_SOURCE, path: apiPath("maintenance", o.name) } : undefined;
}

/** The API route specs (name removed), in the order they are tried. */
export function apiRoutes(objects: readonly ApiObject[]): Array<{ name: string; route: RouteConfig }> {
  return objects
    .filter((o) => o.kind === "route")
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((o) => {
      const { name: _name, ...route } = o.spec;
      return { name: o.name, route: route as RouteConfig };
    });
}

/** Merges the files' configuration with API objects and checks the whole. */
export function mergeConfig(files: UpbeatConfig, stored: readonly ApiObject[], registry: NotifierRegistry, extraChannels: readonly ChannelConfig[] = []): Effective {
  const problems: ConfigProblem[] = [];
  const fileNames = {
    channel: new Set([...(files.channels ?? []), ...extraChannels].map((c) => c.name)),
    maintenance: new Set((files.maintenance ?? []).map((w) => w.name)),
    route: new Set<string>(),
  } satisfies Record<ApiObjectKind, Set<string>>;
  const shadowed = stored.filter((o) => fileNames[o.kind].has(o.name));
  for (const o of shadowed) problems.push({ severity: "warning", file: API_SOURCE, path: apiPath(o.kind, o.name), message: `${o.kind} "${o.name}" is also defined in a file; the file's definition is used` });
  const objects = stored.filter((o) => !fileNames[o.kind].has(o.name));
  const channels = [...(files.channels ?? []), ...objects.filter((o) => o.kind === "channel").map(channelOf)];
  const windows = objects.filter((o) => o.kind === "maintenance").flatMap((o) => windowOf(o, problems) ?? []);
  const routes = apiRoutes(objects);
  const extra: ExtraRoute[] = routes.map((r) => ({ route: r.route, file: API_SOURCE, path: apiPath("route", r.name) }));
  const withChannels: UpbeatConfig = { ...files, channels };
  const resolved = resolveAlerting(withChannels, registry, [...extraChannels], extra);
  problems.push(...resolved.problems);
  const config: UpbeatConfig = { ...withChannels, maintenance: [...(files.maintenance ?? []), ...windows] };
  if (routes.length) {
    const root = files.routes?.root ?? {};
    config.routes = { root: { ...root, routes: [...(root.routes ?? []), ...routes.map((r) => r.route)] }, file: files.routes?.file ?? API_SOURCE };
  }
  const names = new Set([...channels, ...extraChannels].map((c) => c.name));
  problems.push(...digestChannelProblems(config, names), ...httpMonitoringChannelProblems(config.httpMonitoring, names));
  return { config, files, alerting: resolved.alerting, objects, shadowed, problems };
}

/** Whether a problem path is at or under an object's API path. */
export function isUnder(path: string, base: string): boolean {
  return path === base || path.startsWith(`${base}.`) || path.startsWith(`${base}[`);
}

/** The API object a problem belongs to, if any. */
export function problemObject(p: ConfigProblem, objects: readonly ApiObject[]): ApiObject | undefined {
  if (p.file !== API_SOURCE) return undefined;
  return objects.find((o) => isUnder(p.path, apiPath(o.kind, o.name)));
}

/**
 * Merges, leaving out API objects that make the configuration invalid (a file changed under
 * them): they stay stored and are reported, so a file edit can never keep Upbeat from starting
 * because of something made through the API, and the API can then fix them.
 */
export function mergeDroppingInvalid(files: UpbeatConfig, stored: readonly ApiObject[], registry: NotifierRegistry, extraChannels: readonly ChannelConfig[] = []): Effective & { dropped: ApiObject[] } {
  const dropped: ApiObject[] = [];
  const droppedProblems: ConfigProblem[] = [];
  let keep = [...stored];
  for (;;) {
    const e = mergeConfig(files, keep, registry, extraChannels);
    const theirs = e.problems.filter((p) => p.severity === "error" && problemObject(p, keep));
    if (!theirs.length) return { ...e, problems: [...droppedProblems, ...e.problems], dropped };
    const bad = new Set(theirs.map((p) => problemObject(p, keep) as ApiObject));
    for (const o of bad) droppedProblems.push({ severity: "warning", file: API_SOURCE, path: apiPath(o.kind, o.name), message: `${o.kind} "${o.name}" made through the API is not used until it is fixed or deleted` });
    // Reported, not fatal: the object is left out, so the configuration in force is valid.
    droppedProblems.push(...theirs.map((p) => ({ ...p, severity: "warning" as const })));
    dropped.push(...bad);
    keep = keep.filter((o) => !bad.has(o));
  }
}
