/**
 * The routing tree, with Alertmanager's semantics: a notification enters at the root and goes
 * down every child whose matchers all match its labels; the deepest matching routes take it,
 * the first match stops the search among siblings unless that child says `continue`. Settings
 * (channels, grouping, timing) are inherited from the parent when a route leaves them out. Pure.
 */

/** One matcher: `label=value`, `label!=value`, `label=~regex`, `label!~regex` (regexes anchored). */
export interface Matcher {
  /** Label name. */
  label: string;
  /** Operator. */
  op: "=" | "!=" | "=~" | "!~";
  /** Value or regex source. */
  value: string;
  /** Compiled, for regex operators. */
  regex?: RegExp;
}

/** A route as configured (times in ms, all optional below the root). */
export interface RouteSpec {
  /** Matchers, all of which must match. */
  matchers?: Matcher[];
  /** Channels that receive what this route takes. */
  channels?: string[];
  /** Labels whose values split notifications into groups (`...` = every label: no grouping). */
  groupBy?: string[];
  /** Wait before the first message of a new group (collects what fails together). */
  groupWaitMs?: number;
  /** Wait before a message about new members of a group already notified. */
  groupIntervalMs?: number;
  /** Reminder period while an incident stays open. */
  repeatIntervalMs?: number;
  /** Keep looking at later siblings after this one matched. */
  continue?: boolean;
  /** Child routes. */
  routes?: RouteSpec[];
}

/** Where a notification goes, with the settings in force there. */
export interface RouteMatch {
  /** Path of the route in the tree (`0.2.1`; `root` for the root). */
  id: string;
  /** Channels. */
  channels: string[];
  /** Grouping labels. */
  groupBy: string[];
  /** Group wait (ms). */
  groupWaitMs: number;
  /** Group interval (ms). */
  groupIntervalMs: number;
  /** Repeat interval (ms). */
  repeatIntervalMs: number;
}

/** Alertmanager's defaults. */
export const ROUTE_DEFAULTS = { groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 4 * 3_600_000 } as const;

/** Parses `label=value`, `label!=value`, `label=~re`, `label!~re`; an error names what is wrong. */
export function parseMatcher(text: string): Matcher | { error: string } {
  const m = /^\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/.exec(text);
  if (!m) return { error: `matcher "${text}" is not label=value, label!=value, label=~regex or label!~regex` };
  const [, label, op, raw] = m as unknown as [string, string, Matcher["op"], string];
  const value = /^".*"$/.test(raw) ? raw.slice(1, -1) : raw;
  if (op === "=~" || op === "!~") {
    try {
      return { label, op, value, regex: new RegExp(`^(?:${value})$`) };
    } catch (e) {
      return { error: `matcher "${text}": invalid regular expression: ${(e as Error).message}` };
    }
  }
  return { label, op, value };
}

/** Whether one matcher accepts the labels (a missing label is the empty string, as in Alertmanager). */
export function matches(m: Matcher, labels: Readonly<Record<string, string>>): boolean {
  const v = labels[m.label] ?? "";
  switch (m.op) {
    case "=":
      return v === m.value;
    case "!=":
      return v !== m.value;
    case "=~":
      return (m.regex as RegExp).test(v);
    case "!~":
      return !(m.regex as RegExp).test(v);
  }
}

function resolved(spec: RouteSpec, parent: RouteMatch | undefined, id: string): RouteMatch {
  return {
    id,
    channels: spec.channels ?? parent?.channels ?? [],
    groupBy: spec.groupBy ?? parent?.groupBy ?? [],
    groupWaitMs: spec.groupWaitMs ?? parent?.groupWaitMs ?? ROUTE_DEFAULTS.groupWaitMs,
    groupIntervalMs: spec.groupIntervalMs ?? parent?.groupIntervalMs ?? ROUTE_DEFAULTS.groupIntervalMs,
    repeatIntervalMs: spec.repeatIntervalMs ?? parent?.repeatIntervalMs ?? ROUTE_DEFAULTS.repeatIntervalMs,
  };
}

function walk(spec: RouteSpec, here: RouteMatch, labels: Readonly<Record<string, string>>, out: RouteMatch[]): void {
  let matchedChild = false;
  for (const [i, child] of (spec.routes ?? []).entries()) {
    if (!(child.matchers ?? []).every((m) => matches(m, labels))) continue;
    matchedChild = true;
    walk(child, resolved(child, here, here.id === "root" ? String(i) : `${here.id}.${i}`), labels, out);
    if (!child.continue) break;
  }
  if (!matchedChild) out.push(here);
}

/** The routes that take a notification with these labels (at least the root). */
export function route(root: RouteSpec, labels: Readonly<Record<string, string>>): RouteMatch[] {
  const out: RouteMatch[] = [];
  walk(root, resolved(root, undefined, "root"), labels, out);
  return out;
}

/** The group a notification joins on a route: the values of its `groupBy` labels. */
export function groupKey(r: RouteMatch, labels: Readonly<Record<string, string>>): string {
  if (r.groupBy.includes("...")) return `${r.id}|${JSON.stringify(Object.entries(labels).sort())}`;
  return `${r.id}|${JSON.stringify(r.groupBy.map((l) => [l, labels[l] ?? ""]))}`;
}
