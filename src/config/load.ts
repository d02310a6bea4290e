/** Reads configuration files (native YAML/JSON, Cupcake's endpoint and alert definitions) into one model. */
import { readFile } from "node:fs/promises";
import { errorMessage } from "../lib/errors.ts";
import { isCupcakeEndpoints, loadCupcake } from "./cupcake.ts";
import { isCupcakeAlerts, loadCupcakeAlerts, resolveCupcakeAlertGroups } from "./cupcake-alerts.ts";
import { type CupcakeEnv, parseCupcakeEnv } from "./cupcake-env.ts";
import { interpolate } from "./interpolate.ts";
import { heartbeatSlug, heartbeatUuid } from "../heartbeats/policy.ts";
import type { Monitor, UpbeatConfig } from "./model.ts";
import { loadNative } from "./native.ts";
import { parseS3Url, readS3Text } from "./s3.ts";
import type { ConfigProblem } from "./problems.ts";
import { parseSource } from "./source.ts";

/** What loading needs from the outside world (passed in: only main.ts reads the environment). */
export interface LoadOptions {
  /** Environment for `${VAR}` interpolation and Cupcake's variables. */
  env: Readonly<Record<string, string | undefined>>;
}

/** A load: the config (usable only when `problems` has no error) and every problem found. */
export interface LoadResult {
  /** The merged configuration. */
  config: UpbeatConfig;
  /** Every problem in every file, errors and warnings. */
  problems: ConfigProblem[];
}

/** Loads one configuration text; `file` names it in problems. */
export function loadText(file: string, text: string, opts: LoadOptions, cupcakeEnv?: CupcakeEnv): LoadResult {
  const src = parseSource(file, text);
  const empty: UpbeatConfig = { monitors: [], groups: [], files: [file] };
  if (src.problems.length) return { config: empty, problems: src.problems };
  const problems: ConfigProblem[] = [];
  const value = interpolate(src, src.value, opts.env, problems);
  const cupcake = cupcakeEnv ?? parseCupcakeEnv(opts.env).value;
  const loaded = isCupcakeEndpoints(value) ? loadCupcake(src, value, cupcake) : isCupcakeAlerts(value) ? loadCupcakeAlerts(src, value, opts.env) : loadNative(src, value);
  // One problem per place: an unset variable makes its value invalid too, and that is the same mistake.
  const seen = new Set(problems.map((p) => p.path));
  return { config: loaded.config, problems: [...problems, ...loaded.problems.filter((p) => !seen.has(p.path))] };
}

/** A heartbeat whose uuid, slug or push token another heartbeat already uses (they address it in ping URLs). */
function heartbeatClash(m: Monitor, seen: Map<string, string>): string | undefined {
  if (m.kind !== "heartbeat") return undefined;
  const keys: Array<[string, string | undefined]> = [
    ["uuid", heartbeatUuid(m.id, m.check.uuid)],
    ["slug", heartbeatSlug(m.id, m.check.slug)],
    ["pushToken", m.check.pushToken],
  ];
  for (const [what, value] of keys) {
    if (value === undefined) continue;
    const other = seen.get(`${what}:${value}`);
    if (other) return `heartbeat ${what} "${value}" of "${m.id}" is already used by "${other}"${what === "slug" ? "; give one of them an explicit slug" : ""}`;
  }
  for (const [what, value] of keys) if (value !== undefined) seen.set(`${what}:${value}`, m.id);
  return undefined;
}

/** Loads and merges several files; monitor ids must be unique across them. */
export async function loadFiles(files: readonly string[], opts: LoadOptions): Promise<LoadResult> {
  const env = parseCupcakeEnv(opts.env);
  // Cupcake's ALERT_DEFINITIONS_FILE is read like a file given on the command line.
  const alertsFile = env.value.alertDefinitionsFile;
  const all = alertsFile !== undefined && !files.includes(alertsFile) ? [...files, alertsFile] : [...files];
  const merged: LoadResult = { config: { monitors: [], groups: [], files: all }, problems: [...env.problems] };
  const owner = new Map<string, string>();
  const pingIds = new Map<string, string>();
  for (const file of all) {
    let text: string;
    try {
      text = parseS3Url(file) ? await readS3Text(file, opts.env) : await readFile(file, "utf8");
    } catch (err) {
      const name = err instanceof Error && err.name !== "Error" ? `${err.name}: ` : "";
      merged.problems.push({ severity: "error", file, path: "", message: `cannot read the file: ${name}${errorMessage(err)}` });
      continue;
    }
    const one = loadText(file, text, opts, env.value);
    merged.problems.push(...one.problems);
    for (const m of one.config.monitors) {
      const first = owner.get(m.id);
      if (first) {
        merged.problems.push({ severity: "error", file, path: m.source.path ?? "", message: `monitor id "${m.id}" is also defined in ${first}` });
        continue;
      }
      owner.set(m.id, file);
      const clash = heartbeatClash(m, pingIds);
      if (clash) {
        merged.problems.push({ severity: "error", file, path: m.source.path ?? "", message: clash });
        continue;
      }
      merged.config.monitors.push(m);
    }
    merged.config.groups.push(...one.config.groups);
    if (one.config.database && merged.config.database) {
      merged.problems.push({ severity: "error", file, path: "database", message: `the database is also set in ${merged.config.database.file}; set it in one file` });
    } else if (one.config.database) merged.config.database = one.config.database;
    for (const c of one.config.channels ?? []) {
      const other = (merged.config.channels ?? []).find((x) => x.name === c.name);
      if (other) merged.problems.push({ severity: "error", file, path: c.path, message: `channel "${c.name}" is also defined in ${other.file}` });
      else merged.config.channels = [...(merged.config.channels ?? []), c];
    }
    for (const w of one.config.maintenance ?? []) {
      const other = (merged.config.maintenance ?? []).find((x) => x.name === w.name && x.file !== w.file);
      if (other) merged.problems.push({ severity: "error", file, path: w.path, message: `maintenance window "${w.name}" is also defined in ${other.file}` });
      else merged.config.maintenance = [...(merged.config.maintenance ?? []), w];
    }
    if (one.config.routes && merged.config.routes) {
      merged.problems.push({ severity: "error", file, path: "routes", message: `routes are also set in ${merged.config.routes.file}; set them in one file` });
    } else if (one.config.routes) merged.config.routes = one.config.routes;
    if (one.config.heartbeats && merged.config.heartbeats) {
      merged.problems.push({ severity: "error", file, path: "heartbeats", message: `heartbeats is also set in ${merged.config.heartbeats.file}; set it in one file` });
    } else if (one.config.heartbeats) merged.config.heartbeats = one.config.heartbeats;
    if (one.config.auth && merged.config.auth) {
      merged.problems.push({ severity: "error", file, path: "auth", message: `auth is also set in ${merged.config.auth.file}; set it in one file` });
    } else if (one.config.auth) merged.config.auth = one.config.auth;
    if (one.config.statusPages && merged.config.statusPages) {
      merged.problems.push({ severity: "error", file, path: "statusPages", message: `statusPages is also set in ${merged.config.statusPages.file}; set it in one file` });
    } else if (one.config.statusPages) merged.config.statusPages = one.config.statusPages;
    for (const d of one.config.digests ?? []) {
      const other = (merged.config.digests ?? []).find((x) => x.name === d.name);
      if (other) merged.problems.push({ severity: "error", file, path: `${d.path}.name`, message: `digest "${d.name}" is also defined in ${other.file}` });
      else merged.config.digests = [...(merged.config.digests ?? []), d];
    }
    for (const k of ["metrics", "httpMonitoring"] as const) {
      const mine = one.config[k];
      if (mine && merged.config[k]) merged.problems.push({ severity: "error", file, path: k, message: `${k} is also set in ${merged.config[k]?.file}; set it in one file` });
      else if (mine) Object.assign(merged.config, { [k]: mine });
    }
    if (one.config.cupcakeAlerts && merged.config.cupcakeAlerts) {
      merged.problems.push({ severity: "error", file, path: "", message: `Cupcake's alert definitions are also given in ${merged.config.cupcakeAlerts.file}; give one file` });
    } else if (one.config.cupcakeAlerts) merged.config.cupcakeAlerts = one.config.cupcakeAlerts;
  }
  merged.problems.push(...dependencyProblems(merged.config.monitors));
  merged.problems.push(...resolveCupcakeAlertGroups(merged.config));
  return merged;
}

/** `dependsOn` must name monitors that exist, and never lead back to the monitor itself. */
function dependencyProblems(monitors: readonly Monitor[]): ConfigProblem[] {
  const byId = new Map(monitors.map((m) => [m.id, m]));
  const problems: ConfigProblem[] = [];
  for (const m of monitors) {
    const where = { file: m.source.file ?? "", path: `${m.source.path ?? m.id}.dependsOn` };
    for (const p of m.settings.dependsOn ?? []) if (!byId.has(p)) problems.push({ severity: "error", ...where, message: `monitor "${m.id}" depends on "${p}", which is not a monitor id` });
    // A cycle holds every monitor on it whenever one is down: refuse it.
    const seen = new Set<string>();
    const stack = [...(m.settings.dependsOn ?? [])];
    while (stack.length) {
      const id = stack.pop() as string;
      if (id === m.id) {
        problems.push({ severity: "error", ...where, message: `monitor "${m.id}" depends on itself through dependsOn` });
        break;
      }
      if (seen.has(id)) continue;
      seen.add(id);
      stack.push(...(byId.get(id)?.settings.dependsOn ?? []));
    }
  }
  return problems;
}
