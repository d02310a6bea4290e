/**
 * The routing tree, with Alertmanager's semantics: a notification enters at the root and goes
 * down every child whose matchers all match its labels; the deepest matching routes take it,
 * the first match stops the search among siblings unless that child says `continue`. Settings
 * (channels, grouping, timing) are inherited from the parent when a route leaves them out. Pure.
 */
import { type Matcher, matches } from "../core/matchers.ts";

export { type Matcher, matches, parseMatcher } from "../core/matchers.ts";

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
