/**
 * Cupcake's alert definitions file (`"@type": "alert-definitions"`, compat §1.6), accepted as-is.
 * Each alert becomes a channel named `cupcake-<alert id>`: `alert-slack-webhook` and the README's
 * `alert-slack` a `slack` channel, `alert-sns` an `sns` channel; both keep Cupcake's wire format
 * for Cupcake's messages. Each alert group becomes the list of its alerts' channels, and once every
 * file is loaded the Cupcake endpoints' `alert-groups` are turned into those channel names.
 */
import { Type } from "@sinclair/typebox";
import type { ChannelConfig, CupcakeAlertsConfig, UpbeatConfig } from "./model.ts";
import { type ConfigProblem, formatPath } from "./problems.ts";
import type { ParsedSource } from "./source.ts";
import { validateAt } from "./validate.ts";

type Segs = (string | number)[];
type Obj = Record<string, unknown>;

const Definitions = Type.Object(
  { "@type": Type.Literal("alert-definitions"), groups: Type.Array(Type.Unknown()), alerts: Type.Array(Type.Unknown()) },
  { additionalProperties: false },
);
const AlertGroup = Type.Object(
  { "@type": Type.Optional(Type.String()), id: Type.String({ minLength: 1 }), alerts: Type.Array(Type.String({ minLength: 1 })) },
  { additionalProperties: false },
);
const AlertHead = Type.Object({ "@type": Type.String({ minLength: 1 }), id: Type.String({ minLength: 1 }) });
const SlackAlert = Type.Object(
  { "@type": Type.String(), id: Type.String(), url: Type.String({ pattern: "^https?://", errorMessage: "url must be an http:// or https:// webhook URL" }) },
  { additionalProperties: false },
);
const SnsAlert = Type.Object(
  {
    "@type": Type.String(),
    id: Type.String(),
    arn: Type.String({ pattern: "^arn:aws[a-z-]*:sns:", errorMessage: "arn must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)" }),
    region: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

/** The alert types Cupcake knows, by `@type`. */
const ALERT_TYPES: Record<string, { schema: typeof SlackAlert | typeof SnsAlert; channel: "slack" | "sns" }> = {
  "alert-slack-webhook": { schema: SlackAlert, channel: "slack" },
  "alert-slack": { schema: SlackAlert, channel: "slack" },
  "alert-sns": { schema: SnsAlert, channel: "sns" },
};

/** The channel name of a Cupcake alert. */
export function cupcakeChannelName(alertId: string): string {
  return `cupcake-${alertId}`;
}

/** Whether a parsed value is a Cupcake alert definitions file. */
export function isCupcakeAlerts(value: unknown): boolean {
  return value !== null && typeof value === "object" && (value as Obj)["@type"] === "alert-definitions";
}

const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** SNS endpoint and credentials from the standard AWS variables (the SDK would read the same ones). */
function awsSettings(env: Readonly<Record<string, string | undefined>>): Obj {
  const endpoint = env.AWS_ENDPOINT_URL_SNS ?? env.AWS_ENDPOINT_URL;
  const keys = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } : {};
  return { ...(endpoint ? { endpoint } : {}), ...keys };
}

/** One alert as a channel, or undefined when it is ignored or wrong (the problem is recorded). */
function alertChannel(src: ParsedSource, raw: unknown, at: Segs, env: Readonly<Record<string, string | undefined>>, problems: ConfigProblem[]): ChannelConfig | undefined {
  const head = validateAt(src, at, AlertHead, raw);
  if (head.length || !isObj(raw)) {
    problems.push(...(isObj(raw) ? head : [src.problemAt(at, "an alert must be an object")]));
    return undefined;
  }
  const kind = ALERT_TYPES[String(raw["@type"])];
  if (!kind) {
    problems.push(src.problemAt([...at, "@type"], `alert type "${String(raw["@type"])}" is ignored (Cupcake sends alert-slack-webhook, alert-slack and alert-sns)`, { severity: "warning" }));
    return undefined;
  }
  const found = validateAt(src, at, kind.schema, raw, "warning");
  problems.push(...found);
  if (found.some((p) => p.severity === "error")) return undefined;
  const base = { name: cupcakeChannelName(String(raw.id)), type: kind.channel, file: src.file, path: formatPath(at) };
  if (kind.channel === "slack") return { ...base, settings: { url: raw.url } };
  return { ...base, settings: { topicArn: raw.arn, ...(typeof raw.region === "string" ? { region: raw.region } : {}), ...awsSettings(env) } };
}

/** Loads a Cupcake alert definitions file into channels and alert groups; every problem at once. */
export function loadCupcakeAlerts(src: ParsedSource, value: unknown, env: Readonly<Record<string, string | undefined>>): { config: UpbeatConfig; problems: ConfigProblem[] } {
  const head = validateAt(src, [], Definitions, value, "warning");
  const problems: ConfigProblem[] = [];
  const channels: ChannelConfig[] = [];
  const alertIds = new Map<string, Segs>();
  const root = isObj(value) ? value : {};
  (Array.isArray(root.alerts) ? root.alerts : []).forEach((raw, i) => {
    const at: Segs = ["alerts", i];
    const id = isObj(raw) && typeof raw.id === "string" ? raw.id : undefined;
    if (id !== undefined && alertIds.has(id)) {
      problems.push(src.problemAt([...at, "id"], `alert id "${id}" is already used at ${formatPath(alertIds.get(id) as Segs)}`));
      return;
    }
    const channel = alertChannel(src, raw, at, env, problems);
    if (id !== undefined) alertIds.set(id, at);
    if (channel) channels.push(channel);
  });
  const made = new Set(channels.map((c) => c.name));
  const groups = new Map<string, string[]>();
  // Groups come first in Cupcake's files: their problems are listed first.
  const groupProblems: ConfigProblem[] = [];
  (Array.isArray(root.groups) ? root.groups : []).forEach((raw, i) => {
    const at: Segs = ["groups", i];
    const found = validateAt(src, at, AlertGroup, raw, "warning");
    groupProblems.push(...found);
    if (found.some((p) => p.severity === "error") || !isObj(raw)) return;
    const g = raw as { id: string; alerts: string[] };
    if (groups.has(g.id)) {
      groupProblems.push(src.problemAt([...at, "id"], `alert group "${g.id}" is defined twice`));
      return;
    }
    const names: string[] = [];
    g.alerts.forEach((alertId, j) => {
      const name = cupcakeChannelName(alertId);
      if (!alertIds.has(alertId)) groupProblems.push(src.problemAt([...at, "alerts", j], `no alert with id "${alertId}" in this file; Cupcake skipped it`, { severity: "warning" }));
      else if (made.has(name) && !names.includes(name)) names.push(name);
    });
    groups.set(g.id, names);
  });
  const cupcakeAlerts: CupcakeAlertsConfig = { groups, file: src.file };
  return { config: { monitors: [], groups: [], files: [src.file], channels, cupcakeAlerts }, problems: [...head, ...groupProblems, ...problems] };
}

/**
 * Turns the Cupcake endpoints' alert group ids into channel names, once every file is loaded.
 * With an alert definitions file: the channels of the groups' alerts; a group the file does not
 * define is a warning (Cupcake sent those alerts nowhere). Without one: group ids that name a
 * configured channel are kept. An endpoint left without channels follows the `routes` tree.
 */
export function resolveCupcakeAlertGroups(config: UpbeatConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const defs = config.cupcakeAlerts;
  const known = new Set((config.channels ?? []).map((c) => c.name));
  const missing = new Map<string, { file: string; path: string; count: number }>();
  for (const m of config.monitors) {
    const groupIds = m.source.cupcakeAlertGroups;
    if (!groupIds) continue;
    if (!defs) {
      m.settings.alerts = groupIds.filter((id) => known.has(id));
      continue;
    }
    const names: string[] = [];
    for (const id of groupIds) {
      const channels = defs.groups.get(id);
      if (!channels) {
        const seen = missing.get(id) ?? { file: m.source.file ?? "", path: m.source.path ?? "", count: 0 };
        missing.set(id, { ...seen, count: seen.count + 1 });
      }
      for (const c of channels ?? []) if (!names.includes(c)) names.push(c);
    }
    m.settings.alerts = names;
  }
  for (const [id, where] of missing) {
    const who = where.count === 1 ? "1 endpoint names it" : `${where.count} endpoints name it`;
    const message = `alert group "${id}" is not defined in ${defs?.file ?? ""} (${who}); Cupcake sent their alerts nowhere, Upbeat sends them through routes (nowhere when there are none)`;
    problems.push({ severity: "warning", file: where.file, path: where.path, message });
  }
  return problems;
}
