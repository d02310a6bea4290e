/**
 * Search over monitors: filters by group (prefix), labels, state, kind, source and text, then
 * sorting. Pure and in memory: at 10,000 monitors a filter and a sort take a few milliseconds,
 * less than one query would.
 */
import { type Static, Type } from "@sinclair/typebox";
import { slugify } from "../config/semantics.ts";
import { worstStatus } from "../core/monitor-state.ts";
import { MONITOR_STATES } from "./api-schemas.ts";
import type { MonitorRow } from "./monitor-json.ts";

const OneOrMany = <T extends ReturnType<typeof Type.String>>(t: T, description: string) => Type.Union([t, Type.Array(t)], { description });
const STATE_LIST = `(${MONITOR_STATES.join("|")})(,(${MONITOR_STATES.join("|")}))*`;

/** The filters, as query arguments (also the `filter` of bulk requests). */
export const MonitorFilterFields = {
  group: Type.Optional(Type.String({ description: "Only monitors under this group path: names (or their slugs) separated by `/`, outermost first; a prefix of the path." })),
  label: Type.Optional(OneOrMany(Type.String({ minLength: 1 }), "`key:value` (that value) or `key` (any value); repeat for all of several.")),
  state: Type.Optional(OneOrMany(Type.String({ pattern: `^${STATE_LIST}$` }), `Only monitors in one of these states (${MONITOR_STATES.join(", ")}); repeat or separate by commas.`)),
  kind: Type.Optional(OneOrMany(Type.String({ minLength: 1 }), "Only these check kinds (http, tcp, dns, tls, heartbeat).")),
  source: Type.Optional(OneOrMany(Type.String({ minLength: 1 }), "Only monitors from these sources (native, cupcake, cli, lovebeat, ping, api).")),
  q: Type.Optional(Type.String({ description: "Text in the id, name or target (case-insensitive)." })),
};

/** A filter object (bulk requests). */
export const MonitorFilter = Type.Object(MonitorFilterFields, { additionalProperties: false, description: "Monitors matching every given criterion." });
/** A filter's type. */
export type MonitorFilterInput = Static<typeof MonitorFilter>;

/** Sort keys. */
export const SORT_KEYS = ["id", "name", "status", "since", "kind", "group", "latency"] as const;
/** A sort key. */
export type SortKey = (typeof SORT_KEYS)[number];

const list = (v: string | string[] | undefined): string[] | undefined => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean));

/** Whether a filter has any criterion at all. */
export function hasCriteria(f: MonitorFilterInput): boolean {
  return Object.values(f).some((v) => v !== undefined && v !== "" && !(Array.isArray(v) && v.length === 0));
}

/** Whether a group path starts with the segments asked for (each matched by name or by slug). */
function underGroup(path: readonly string[], want: readonly string[]): boolean {
  return want.every((g, i) => {
    const have = path[i];
    return have !== undefined && (have === g || slugify(have) === g || have.toLowerCase() === g.toLowerCase());
  });
}

/** A predicate for the filter. */
export function matcher(f: MonitorFilterInput): (r: MonitorRow) => boolean {
  const group = f.group?.split("/").map((s) => s.trim()).filter(Boolean);
  const labels = (list(f.label) ?? []).map((l) => {
    const i = l.indexOf(":");
    return i < 0 ? { key: l } : { key: l.slice(0, i), value: l.slice(i + 1) };
  });
  const states = list(f.state);
  const kinds = list(f.kind);
  const sources = list(f.source);
  const q = f.q?.trim().toLowerCase();
  return (r) =>
    (!group?.length || underGroup(r.groupPath, group)) &&
    labels.every((l) => (l.value === undefined ? l.key in r.labels : r.labels[l.key] === l.value)) &&
    (!states || states.includes(r.status)) &&
    (!kinds || kinds.includes(r.kind)) &&
    (!sources || sources.includes(r.source)) &&
    (!q || r.id.toLowerCase().includes(q) || r.name.toLowerCase().includes(q) || (r.target ?? "").toLowerCase().includes(q));
}

const STATE_RANK: Record<string, number> = { down: 0, degraded: 1, pending: 2, up: 3, maintenance: 4, paused: 5 };

function compareBy(key: SortKey): (a: MonitorRow, b: MonitorRow) => number {
  const byId = (a: MonitorRow, b: MonitorRow) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const then = (f: (a: MonitorRow, b: MonitorRow) => number) => (a: MonitorRow, b: MonitorRow) => f(a, b) || byId(a, b);
  switch (key) {
    case "id":
      return byId;
    case "name":
      return then((a, b) => a.name.localeCompare(b.name));
    case "status":
      return then((a, b) => (STATE_RANK[a.status] ?? 9) - (STATE_RANK[b.status] ?? 9));
    case "since":
      return then((a, b) => (a.since ?? 0) - (b.since ?? 0));
    case "kind":
      return then((a, b) => a.kind.localeCompare(b.kind));
    case "group":
      return then((a, b) => a.groupPath.join("/").localeCompare(b.groupPath.join("/")));
    case "latency":
      // Monitors without a latency go last whichever the order.
      return then((a, b) => (a.lastMs ?? Number.MAX_VALUE) - (b.lastMs ?? Number.MAX_VALUE));
  }
}

/** Filters and sorts rows (`desc` reverses the order; ties are broken by id). */
export function search(rows: Iterable<MonitorRow>, f: MonitorFilterInput, sort: SortKey = "id", order: "asc" | "desc" = "asc"): MonitorRow[] {
  const match = matcher(f);
  const out: MonitorRow[] = [];
  for (const r of rows) if (match(r)) out.push(r);
  const cmp = compareBy(sort);
  return out.sort(order === "desc" ? (a, b) => cmp(b, a) : cmp);
}

/** A group in the tree, with counts per state. */
export interface GroupTreeNode {
  /** Group name. */
  name: string;
  /** Names from the top, joined by `/`. */
  path: string;
  /** Monitors in it and below. */
  total: number;
  /** Of those, how many are in each state. */
  states: Record<string, number>;
  /** The worst state in it. */
  status: string;
  /** Monitors directly in it. */
  monitors: number;
  /** Sub-groups, by name. */
  groups: GroupTreeNode[];
}

/** The group tree of some monitors, with counts per state at every level. */
export function groupTree(rows: Iterable<MonitorRow>): GroupTreeNode {
  const root: GroupTreeNode = { name: "", path: "", total: 0, states: {}, status: "pending", monitors: 0, groups: [] };
  const children = new Map<GroupTreeNode, Map<string, GroupTreeNode>>();
  for (const r of rows) {
    let node = root;
    const count = (n: GroupTreeNode) => {
      n.total++;
      n.states[r.status] = (n.states[r.status] ?? 0) + 1;
    };
    count(node);
    for (const name of r.groupPath) {
      const kids = children.get(node) ?? new Map<string, GroupTreeNode>();
      children.set(node, kids);
      let next = kids.get(name);
      if (!next) {
        next = { name, path: node.path ? `${node.path}/${name}` : name, total: 0, states: {}, status: "pending", monitors: 0, groups: [] };
        kids.set(name, next);
        node.groups.push(next);
      }
      node = next;
      count(node);
    }
    node.monitors++;
  }
  const finish = (n: GroupTreeNode): void => {
    n.status = worstStatus(Object.keys(n.states) as Array<Parameters<typeof worstStatus>[0] extends Iterable<infer S> ? S : never>);
    n.groups.sort((a, b) => a.name.localeCompare(b.name));
    n.groups.forEach(finish);
  };
  finish(root);
  return root;
}
