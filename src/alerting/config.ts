/**
 * The alerting configuration from the loaded files: channels checked against their type's
 * settings schema, the routing tree with matchers compiled and durations in ms, every problem
 * reported with its file and path. Lovebeat's `[alerts.*]` become channels too.
 */
import { Value } from "@sinclair/typebox/value";
import type { ChannelConfig, RouteConfig, UpbeatConfig } from "../config/model.ts";
import type { ConfigProblem } from "../config/problems.ts";
import type { LovebeatConfig } from "../heartbeats/lovebeat/config.ts";
import { parseDurationMs } from "../lib/duration.ts";
import type { Notifier } from "../notifiers/types.ts";
import type { Channel } from "./delivery.ts";
import { type Matcher, parseMatcher, type RouteSpec } from "./routes.ts";
import type { AlertingConfig } from "./alerting.ts";

/** Channel types by name. */
export type NotifierRegistry = Readonly<Record<string, Notifier<unknown>>>;

function channelOf(c: ChannelConfig, registry: NotifierRegistry, problems: ConfigProblem[]): Channel | undefined {
  const notifier = registry[c.type];
  if (!notifier) {
    problems.push({ severity: "error", file: c.file, path: `${c.path}.type`, message: `unknown channel type "${c.type}"; expected one of: ${Object.keys(registry).sort().join(", ")}` });
    return undefined;
  }
  const settings = Value.Default(notifier.schema, Value.Clone(c.settings)) as Record<string, unknown>;
  const errors = [...Value.Errors(notifier.schema, settings)];
  for (const e of errors.slice(0, 10)) {
    const at = e.path.replace(/^\//, "").replaceAll("/", ".");
    problems.push({ severity: "error", file: c.file, path: `${c.path}${at ? `.${at}` : ""}`, message: `${c.type} channel "${c.name}": ${e.message}` });
  }
  return errors.length ? undefined : { name: c.name, kind: c.type, settings, notifier };
}

function routeOf(r: RouteConfig, path: string, file: string, known: ReadonlySet<string>, problems: ConfigProblem[]): RouteSpec {
  const spec: RouteSpec = {};
  const matchers: Matcher[] = [];
  (r.matchers ?? []).forEach((text, i) => {
    const m = parseMatcher(text);
    if ("error" in m) problems.push({ severity: "error", file, path: `${path}.matchers[${i}]`, message: m.error });
    else matchers.push(m);
  });
  if (matchers.length) spec.matchers = matchers;
  for (const [i, ch] of (r.channels ?? []).entries()) if (!known.has(ch)) problems.push({ severity: "error", file, path: `${path}.channels[${i}]`, message: `no channel named "${ch}"` });
  if (r.channels) spec.channels = r.channels;
  if (r.groupBy) spec.groupBy = r.groupBy;
  const ms = (v: string | number | undefined) => (v === undefined ? undefined : parseDurationMs(v));
  const gw = ms(r.groupWait);
  const gi = ms(r.groupInterval);
  const ri = ms(r.repeatInterval);
  if (gw !== undefined) spec.groupWaitMs = gw;
  if (gi !== undefined) spec.groupIntervalMs = gi;
  if (ri !== undefined) spec.repeatIntervalMs = ri;
  if (r.continue) spec.continue = true;
  if (r.routes) spec.routes = r.routes.map((c, i) => routeOf(c, `${path}.routes[${i}]`, file, known, problems));
  return spec;
}

/** Channels made from Lovebeat's `[alerts.<id>]` tables (one per channel field set), named `lovebeat-<id>-<field>`. */
export function lovebeatChannels(lb: LovebeatConfig, file: string): ChannelConfig[] {
  const out: ChannelConfig[] = [];
  for (const [id, a] of Object.entries(lb.alerts)) {
    const base = { file, path: `alerts.${id}` };
    if (a.webhook) out.push({ ...base, name: `lovebeat-${id}-webhook`, type: "webhook", settings: { url: a.webhook, method: a.method } });
    if (a.slackChannel) out.push({ ...base, name: `lovebeat-${id}-slack`, type: "slack", settings: { url: lb.slack.webhookUrl, channel: a.slackChannel } });
    if (a.mail && lb.mailgun.domain) out.push({ ...base, name: `lovebeat-${id}-mail`, type: "mailgun", settings: { domain: lb.mailgun.domain, apiKey: lb.mailgun.apiKey, from: lb.mailgun.from, to: a.mail } });
    else if (a.mail) {
      const [host, port] = lb.mail.server.split(":");
      out.push({ ...base, name: `lovebeat-${id}-mail`, type: "email", settings: { host: host || "localhost", port: Number(port || 25), from: lb.mail.from, to: a.mail } });
    }
    if (a.script) out.push({ ...base, name: `lovebeat-${id}-script`, type: "script", settings: { path: a.script } });
  }
  return out;
}

/** Channel names an alarm's Lovebeat alert ids stand for. */
export function lovebeatAlertChannels(lb: LovebeatConfig, alertIds: readonly string[]): string[] {
  const names = lovebeatChannels(lb, "").map((c) => c.name);
  return alertIds.flatMap((id) => names.filter((n) => n.startsWith(`lovebeat-${id}-`)));
}

/** A top-level route defined outside the file's tree (through the API), with where to report its problems. */
export interface ExtraRoute {
  /** The route as written. */
  route: RouteConfig;
  /** Where it was defined (`api`). */
  file: string;
  /** Its location there (`routes/<name>`). */
  path: string;
}

/** Builds the alerting configuration, or lists what is wrong; `extraRoutes` are appended after the root's own children, in order. */
export function resolveAlerting(config: UpbeatConfig, registry: NotifierRegistry, extraChannels: ChannelConfig[] = [], extraRoutes: readonly ExtraRoute[] = []): { alerting: AlertingConfig; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const channels = new Map<string, Channel>();
  for (const c of [...(config.channels ?? []), ...extraChannels]) {
    const ch = channelOf(c, registry, problems);
    if (ch) channels.set(c.name, ch);
  }
  const known = new Set([...(config.channels ?? []), ...extraChannels].map((c) => c.name));
  const routes = config.routes ? routeOf(config.routes.root, "routes", config.routes.file, known, problems) : {};
  const extra = extraRoutes.map((r) => routeOf(r.route, r.path, r.file, known, problems));
  if (extra.length) routes.routes = [...(routes.routes ?? []), ...extra];
  for (const m of config.monitors) {
    for (const [i, a] of m.settings.alerts.entries()) {
      if (!known.has(a) && m.source.format === "native") problems.push({ severity: "error", file: m.source.file ?? "", path: `${m.source.path ?? ""}.alerts[${i}]`, message: `no channel named "${a}"` });
    }
  }
  return { alerting: { channels, routes }, problems };
}
