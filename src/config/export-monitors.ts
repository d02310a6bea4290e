/**
 * Monitors written back as native config: each with its explicit id and every setting that
 * differs from the default written on the monitor itself (groups carry no settings), so loading
 * the result gives the same resolved monitors whatever file, group defaults or run-time source
 * they first came from. Pure.
 */
import { maskSettings, SECRET_MASK } from "../alerting/secrets.ts";
import type { GroupNode, Monitor, MonitorSettings } from "./model.ts";
import { CHECK_SCHEMAS } from "./schema/checks.ts";
import { FLAPPING_DEFAULTS, SETTING_DEFAULTS } from "./schema/common.ts";
import { slugify } from "./semantics.ts";
import { parseDurationMs } from "../lib/duration.ts";

/** Keys of a monitor entry that are settings (written from the resolved settings, not from the check). */
export const SETTING_KEYS = ["interval", "timeout", "retries", "retryDelay", "failureThreshold", "successThreshold", "thresholds", "labels", "alerts", "paused", "dependsOn", "flapping"] as const;

const UNITS: Array<[string, number]> = [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000], ["ms", 1]];

/** A duration in the config's notation, exact to the millisecond (`90000` → `1m30s`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  let rest = Math.round(ms);
  let out = "";
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}

const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const isDefault = (written: string | number, d: string | number) => (typeof d === "number" ? written === d : parseDurationMs(written) === parseDurationMs(d));

/** The settings that differ from the defaults, in the config's notation. */
export function settingsEntry(s: MonitorSettings): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const put = (k: keyof typeof SETTING_DEFAULTS, v: string | number) => {
    if (!isDefault(v, SETTING_DEFAULTS[k])) out[k] = v;
  };
  put("interval", formatDuration(s.intervalMs));
  put("timeout", formatDuration(s.timeoutMs));
  put("retries", s.retries);
  put("retryDelay", formatDuration(s.retryDelayMs));
  put("failureThreshold", s.failureThreshold);
  put("successThreshold", s.successThreshold);
  const thresholds = plain(s.thresholds);
  if (Object.keys(thresholds).length) out.thresholds = thresholds;
  if (Object.keys(s.labels).length) out.labels = { ...s.labels };
  if (s.alerts.length) out.alerts = [...s.alerts];
  if (s.paused) out.paused = true;
  if (s.dependsOn?.length) out.dependsOn = [...s.dependsOn];
  const f = s.flapping;
  if (!f) out.flapping = false;
  else if (f.transitions !== FLAPPING_DEFAULTS.transitions || f.windowMs !== parseDurationMs(FLAPPING_DEFAULTS.window)) out.flapping = { transitions: f.transitions, window: formatDuration(f.windowMs) };
  return out;
}

/** A check with its secrets masked: header values, and a password in the URL. */
function maskedCheck(m: Monitor): Record<string, unknown> {
  const check = maskSettings(CHECK_SCHEMAS[m.kind], m.check) as Record<string, unknown>;
  if (typeof check.url === "string") {
    try {
      const u = new URL(check.url);
      if (u.password) {
        u.password = SECRET_MASK;
        check.url = u.toString();
      }
    } catch {
      // Not a URL: written as it is.
    }
  }
  return check;
}

/** One monitor as a native entry. */
export function monitorEntry(m: Monitor, secrets: boolean): Record<string, unknown> {
  const check = plain(secrets ? m.check : maskedCheck(m)) as Record<string, unknown>;
  const { id: _id, name: _name, type: _type, ...fields } = check;
  for (const k of SETTING_KEYS) delete fields[k];
  // The schema's defaults come back on loading: leaving them out keeps the file short.
  const props = (CHECK_SCHEMAS[m.kind] as { properties?: Record<string, { default?: unknown }> }).properties ?? {};
  for (const [k, v] of Object.entries(fields)) if (props[k]?.default !== undefined && JSON.stringify(props[k]?.default) === JSON.stringify(v)) delete fields[k];
  return { id: m.id, name: m.name, type: m.kind, ...fields, ...settingsEntry(m.settings) };
}

/** A group being written. */
interface OutGroup {
  name: string;
  segment: string;
  monitors: Record<string, unknown>[];
  groups: OutGroup[];
  comments: Map<number, string>;
}

const newGroup = (name: string, segment: string): OutGroup => ({ name, segment, monitors: [], groups: [], comments: new Map() });

function fromNode(n: GroupNode, index: Map<string, OutGroup>): OutGroup {
  const g = newGroup(n.name, n.id.split("/").at(-1) ?? slugify(n.name));
  for (const id of n.monitorIds) index.set(id, g);
  g.groups = n.groups.map((c) => fromNode(c, index));
  return g;
}

/** A group's plain form (`comments` collects `[path, text]` for monitors that need one). */
function groupOut(g: OutGroup, at: (string | number)[], comments: Array<[(string | number)[], string]>): Record<string, unknown> {
  const out: Record<string, unknown> = { name: g.name };
  if (g.segment !== slugify(g.name)) out.id = g.segment;
  if (g.monitors.length) out.monitors = g.monitors;
  for (const [i, text] of g.comments) comments.push([[...at, "monitors", i], text]);
  if (g.groups.length) out.groups = g.groups.map((c, i) => groupOut(c, [...at, "groups", i], comments));
  return out;
}

/** Why a monitor from another source looks the way it does in the export. */
function sourceNote(m: Monitor): string | undefined {
  const from = m.source.file ? ` ${m.source.file}` : "";
  switch (m.source.format) {
    case "cupcake":
      return ` From Cupcake's${from}: now a native monitor (Upbeat's retries and message wording instead of Cupcake's).`;
    case "lovebeat":
      return " A Lovebeat service: its clients set its timeout at run time; give it a period here if it should have one.";
    case "ping":
      return " Created by its first ping (?create=1).";
    case "cli":
      return " Given on the command line.";
    default:
      return m.source.format === "native" ? undefined : ` Made through the ${m.source.format === "api" ? "API" : m.source.format}.`;
  }
}

/** The `monitors` and `groups` of a native file holding `monitors`, placed in `groups` (the files' tree) or by group names. */
export function monitorTree(monitors: readonly Monitor[], groups: readonly GroupNode[], secrets: boolean): { monitors: Record<string, unknown>[]; groups: Record<string, unknown>[]; comments: Array<[(string | number)[], string]> } {
  const index = new Map<string, OutGroup>();
  const root = newGroup("", "");
  root.groups = groups.map((n) => fromNode(n, index));
  for (const m of monitors) {
    let g = index.get(m.id);
    if (!g) {
      g = root;
      for (const name of m.groupPath) {
        const next: OutGroup = g.groups.find((c) => c.name === name) ?? newGroup(name, slugify(name));
        if (!g.groups.includes(next)) g.groups.push(next);
        g = next;
      }
    }
    const note = sourceNote(m);
    if (note) g.comments.set(g.monitors.length, note);
    g.monitors.push(monitorEntry(m, secrets));
  }
  const comments: Array<[(string | number)[], string]> = [];
  for (const [i, text] of root.comments) comments.push([["monitors", i], text]);
  return { monitors: root.monitors, groups: root.groups.map((g, i) => groupOut(g, ["groups", i], comments)), comments };
}
