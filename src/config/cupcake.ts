/**
 * Cupcake's endpoint definitions file, accepted as-is (compat §1.3, decisions §0): its four-level
 * hierarchy becomes the group tree, its fields become native checks that keep Cupcake's rules.
 */
import { type Static, Type } from "@sinclair/typebox";
import type { CupcakeEnv } from "./cupcake-env.ts";
import type { GroupNode, Monitor, UpbeatConfig } from "./model.ts";
import { type ConfigProblem, formatPath } from "./problems.ts";
import { HTTP_DEFAULTS } from "./schema/checks.ts";
import { slugify } from "./semantics.ts";
import { resolveSettings } from "./settings.ts";
import type { ParsedSource } from "./source.ts";
import { validateAt } from "./validate.ts";

const GroupIds = (what: string) => Type.Optional(Type.Array(Type.String(), { description: `${what} group ids; the most specific level wins.` }));
const Ignored = { "@type": Type.Optional(Type.String()), logo: Type.Optional(Type.String()) };
const Routing = { "alert-groups": GroupIds("Alert"), "metrics-groups": GroupIds("Metrics") };

const Endpoint = Type.Object(
  {
    ...Ignored,
    ...Routing,
    id: Type.String({ minLength: 1 }),
    url: Type.String({ minLength: 1 }),
    expected: Type.Optional(Type.String()),
    threshold: Type.Optional(Type.Object({ min: Type.Optional(Type.Number()), max: Type.Optional(Type.Number()) }, { additionalProperties: false })),
    retry: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
    timeout: Type.Optional(Type.Number({ minimum: 0 })),
    appendTraceID: Type.Optional(Type.Boolean()),
    traceArgumentKey: Type.Optional(Type.String({ minLength: 1 })),
    appendAttempt: Type.Optional(Type.Boolean()),
    attemptArgumentKey: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
const EnabledFlag = Type.Union([Type.Boolean(), Type.Literal("true"), Type.Literal("false")], {
  errorMessage: 'enabled must be "true", "false", true or false',
});
const EndpointGroup = Type.Object(
  { ...Ignored, ...Routing, id: Type.String({ minLength: 1 }), enabled: Type.Optional(EnabledFlag), endpoints: Type.Array(Type.Unknown()) },
  { additionalProperties: false },
);
const Environment = Type.Object(
  { ...Ignored, ...Routing, id: Type.String({ minLength: 1 }), "endpoint-groups": Type.Array(Type.Unknown()) },
  { additionalProperties: false },
);
const EnvironmentGroup = Type.Object(
  { ...Ignored, ...Routing, id: Type.String({ minLength: 1 }), environments: Type.Array(Type.Unknown()) },
  { additionalProperties: false },
);
const Definitions = Type.Object({ "@type": Type.Literal("endpoint-definitions"), groups: Type.Array(Type.Unknown()) }, { additionalProperties: false });

type EndpointInput = Static<typeof Endpoint>;
type Level = { id: string; "alert-groups"?: string[]; "metrics-groups"?: string[] };
type Segs = (string | number)[];

/** Whether a parsed value is a Cupcake endpoint definitions file. */
export function isCupcakeEndpoints(value: unknown): boolean {
  return value !== null && typeof value === "object" && (value as Record<string, unknown>)["@type"] === "endpoint-definitions";
}

/** Validates one level; returns it when it is usable (an object whose errors do not block its children). */
function checked<T>(src: ParsedSource, at: Segs, schema: Parameters<typeof validateAt>[2], value: unknown, problems: ConfigProblem[]): T | undefined {
  problems.push(...validateAt(src, at, schema, value, "warning"));
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as T) : undefined;
}

function regexProblem(src: ParsedSource, at: Segs, source: string, problems: ConfigProblem[]): void {
  try {
    new RegExp(source);
  } catch (err) {
    problems.push(src.problemAt(at, `invalid regular expression: ${(err as Error).message}`));
  }
}

/** The array under `key`, or none (its absence is already reported). */
function items(obj: object, key: string): unknown[] {
  const v = (obj as Record<string, unknown>)[key];
  return Array.isArray(v) ? v : [];
}

function buildMonitor(src: ParsedSource, ep: EndpointInput, at: Segs, chain: Level[], enabled: boolean, env: CupcakeEnv, problems: ConfigProblem[]): Monitor | undefined {
  const [eg, en, epg] = chain as [Level, Level, Level];
  if (![eg.id, en.id, epg.id].every((id) => typeof id === "string")) return undefined; // reported already
  const scheme = /^([a-z]+):\/\//i.exec(ep.url)?.[1]?.toLowerCase();
  if (scheme !== "http" && scheme !== "https" && scheme !== "tcp") {
    problems.push(src.problemAt([...at, "url"], `"${ep.url}" is never probed: Cupcake probes http://, https:// and tcp:// URLs`, { severity: "warning" }));
    return undefined;
  }
  const expected = ep.expected ?? "";
  if (scheme === "tcp" && !/^tcp:\/\/[^/]+:\d+/.test(ep.url)) {
    problems.push(src.problemAt([...at, "url"], `"${ep.url}" has no port; Cupcake reports such an endpoint as BAD on every cycle`, { severity: "warning" }));
  }
  const levels = [...chain, ep] as Level[];
  const mostSpecific = (key: "alert-groups" | "metrics-groups") => [...levels].reverse().find((l) => l[key] !== undefined)?.[key];
  const key: [string, string, string, string] = [eg.id, en.id, epg.id, ep.id];
  const alertGroups = mostSpecific("alert-groups") ?? ["default"];
  const timeoutSec = scheme !== "tcp" && ep.timeout ? ep.timeout : env.connectionTimeoutSeconds;
  const settings = resolveSettings(
    {
      interval: env.sleepSeconds,
      timeout: timeoutSec,
      retries: ep.retry ?? 0,
      thresholds: { minMs: ep.threshold?.min, maxMs: ep.threshold?.max },
      labels: { environment_group: eg.id, environment: en.id, endpoint_group: epg.id },
      alerts: alertGroups,
      paused: !enabled,
    },
    "cupcake",
  );
  const id = key.map(slugify).join("/");
  const source = { format: "cupcake" as const, file: src.file, path: formatPath(at), cupcakeKey: key, cupcakeAlertGroups: alertGroups, metricsGroups: mostSpecific("metrics-groups") ?? ["default"], cupcakeExpected: expected, enabled };
  const common = { id, name: ep.id, groupPath: [eg.id, en.id, epg.id], settings, source };
  if (scheme === "tcp") return { ...common, kind: "tcp", check: { type: "tcp", name: ep.id, url: ep.url } };
  const check = {
    type: "http" as const,
    name: ep.id,
    url: ep.url,
    method: "GET",
    followRedirects: false,
    maxRedirects: 0,
    userAgent: "cupcake/1.0.0",
    bodyLimitBytes: HTTP_DEFAULTS.bodyLimitBytes,
    expect: { statusRegex: expected },
    traceId: ep.appendTraceID ? (ep.traceArgumentKey ?? true) : undefined,
    attemptArg: ep.appendAttempt ? (ep.attemptArgumentKey ?? true) : undefined,
  };
  return { ...common, kind: "http", check };
}

function child(parent: GroupNode, level: Level): GroupNode {
  const name = typeof level.id === "string" ? level.id : "";
  const node: GroupNode = { id: parent.id ? `${parent.id}/${slugify(name)}` : slugify(name), name, groups: [], monitorIds: [] };
  parent.groups.push(node);
  return node;
}

/** Loads a Cupcake endpoint definitions file; unknown keys are warnings (Cupcake ignored them). */
export function loadCupcake(src: ParsedSource, value: unknown, env: CupcakeEnv): { config: UpbeatConfig; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const monitors: Monitor[] = [];
  const root: GroupNode = { id: "", name: "", groups: [], monitorIds: [] };
  const seen = new Map<string, Segs>();
  const defs = checked<{ groups: unknown[] }>(src, [], Definitions, value, problems);
  if (defs) items(defs, "groups").forEach((rawEg, i) => {
    const egAt: Segs = ["groups", i];
    const eg = checked<Level & { environments: unknown[] }>(src, egAt, EnvironmentGroup, rawEg, problems);
    if (!eg) return;
    const egNode = child(root, eg);
    items(eg, "environments").forEach((rawEn, j) => {
      const enAt: Segs = [...egAt, "environments", j];
      const en = checked<Level & { "endpoint-groups": unknown[] }>(src, enAt, Environment, rawEn, problems);
      if (!en) return;
      const enNode = child(egNode, en);
      items(en, "endpoint-groups").forEach((rawEpg, k) => {
        const epgAt: Segs = [...enAt, "endpoint-groups", k];
        const epg = checked<Level & { enabled?: boolean | string; endpoints: unknown[] }>(src, epgAt, EndpointGroup, rawEpg, problems);
        if (!epg) return;
        const epgNode = child(enNode, epg);
        const enabled = epg.enabled === undefined || epg.enabled === true || epg.enabled === "true";
        items(epg, "endpoints").forEach((rawEp, l) => {
          const epAt: Segs = [...epgAt, "endpoints", l];
          const errorsBefore = problems.filter((p) => p.severity === "error").length;
          const ep = checked<EndpointInput>(src, epAt, Endpoint, rawEp, problems);
          if (!ep) return;
          if (typeof ep.expected === "string") regexProblem(src, [...epAt, "expected"], ep.expected, problems);
          if (problems.filter((p) => p.severity === "error").length > errorsBefore) return;
          const m = buildMonitor(src, ep, epAt, [eg, en, epg], enabled, env, problems);
          if (!m) return;
          if (seen.has(m.id)) {
            problems.push(src.problemAt([...epAt, "id"], `endpoint "${ep.id}" is defined twice in ${eg.id} / ${en.id} / ${epg.id}`));
            return;
          }
          seen.set(m.id, epAt);
          monitors.push(m);
          epgNode.monitorIds.push(m.id);
        });
      });
    });
  });
  return { config: { monitors, groups: root.groups, files: [src.file] }, problems };
}
