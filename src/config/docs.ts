/** Generates the configuration reference (docs/config.md) from the schema, its single source. */
import { Kind, type TSchema } from "@sinclair/typebox";
import { CHECK_SCHEMAS } from "./schema/checks.ts";
import { NOTIFIERS } from "../notifiers/registry.ts";
import { HttpMonitoringSettings, MetricsSettings } from "./schema/metrics.ts";
import { DatabaseSettings, Defaults, HeartbeatSettings, MaintenanceSpec, Retention, RouteNode, Thresholds, TlsOptions } from "./schema/common.ts";
import { AuthSettings } from "./schema/auth.ts";
import { DigestSpec } from "./schema/digests.ts";
import { StatusPagesSettingsSchema } from "./schema/status-pages.ts";
import { ShallowGroup, ShallowRoot } from "./schema/root.ts";

type Props = Record<string, TSchema>;

/** Object schemas with their own section are marked by a `title`; tables link to them. */
const hasSection = (s: TSchema) => typeof s.title === "string";
const ITEMS: Record<string, string> = { monitors: "list of monitors (see the Monitor types)", groups: "list of [groups](#group)" };

function typeOf(s: TSchema, field = ""): string {
  if (hasSection(s)) return `object ([${s.title}](#${s.title}))`;
  if (s[Kind] === "Union" && (s.anyOf as TSchema[]).some((x) => typeof x.pattern === "string" && x.pattern.startsWith("^(\\d"))) return "duration";
  if (s[Kind] === "Array" && (s.items as TSchema)[Kind] === "Unknown") return ITEMS[field] ?? "list";
  switch (s[Kind]) {
    case "Literal":
      return `\`${JSON.stringify(s.const)}\``;
    case "Union":
      return (s.anyOf as TSchema[]).map((x) => typeOf(x)).join(" \\| ");
    case "Array":
      return `list of ${typeOf(s.items as TSchema)}`;
    case "Record":
      return "map of string to string";
    case "Object":
      return "object";
    case "String":
      return "string";
    default:
      return String(s[Kind]).toLowerCase();
  }
}

function fieldTable(props: Props, required: readonly string[]): string[] {
  const rows = ["| Field | Type | Default | Description |", "|---|---|---|---|"];
  for (const [name, s] of Object.entries(props)) {
    const def = s.default === undefined ? "" : `\`${JSON.stringify(s.default)}\``;
    const req = required.includes(name) ? " **(required)**" : "";
    rows.push(`| \`${name}\`${req} | ${typeOf(s, name).replace(/\|(?! )/g, "\\|")} | ${def} | ${String(s.description ?? "").replace(/\|/g, "\\|")} |`);
  }
  return rows;
}

function section(title: string, s: TSchema, intro?: string): string[] {
  const out = [`## ${title}`, ""];
  if (intro ?? s.description) out.push(String(intro ?? s.description), "");
  out.push(...fieldTable(s.properties as Props, (s.required as string[] | undefined) ?? []), "");
  const nested = Object.entries(s.properties as Props).filter(([, p]) => p[Kind] === "Object" && !hasSection(p));
  for (const [name, p] of nested) {
    out.push(`### \`${name}\` of ${title}`, "", ...(p.description ? [String(p.description), ""] : []), ...fieldTable(p.properties as Props, (p.required as string[] | undefined) ?? []), "");
    const items = Object.entries(p.properties as Props).filter(([, q]) => q[Kind] === "Array" && (q.items as TSchema)[Kind] === "Object");
    for (const [n, q] of items) out.push(`#### Items of \`${name}.${n}\``, "", ...fieldTable((q.items as TSchema).properties as Props, ((q.items as TSchema).required as string[] | undefined) ?? []), "");
  }
  return out;
}

/** The whole reference as Markdown. */
export function configReference(): string {
  const out = [
    "# Configuration reference",
    "",
    "Generated from the schema in `src/config/schema/` by `npm run docs`; do not edit by hand.",
    "",
    "A file is YAML or JSON. Monitors sit in `groups`, nested to any depth. The settings marked",
    "inherited are passed down from `defaults` through each group to its monitors; a value set lower",
    "wins, `labels` and `thresholds` merge key by key, `alerts` replaces. A monitor's id is explicit",
    "or its group ids and name joined by `/`. Strings may use `${VAR}` or `${VAR:-default}` from the",
    "environment (`$$` for a literal `$`). Durations are `500ms`, `30s`, `5m`, `1h`, `1d`, combined",
    "(`1m30s`), or a number of seconds. A Cupcake endpoint definitions file (`\"@type\":",
    "\"endpoint-definitions\"`) and alert definitions file (`\"@type\": \"alert-definitions\"`) are",
    "accepted as-is; see `docs/migrating-from-cupcake.md`.",
    "",
    ...section("File", ShallowRoot, "The top level of a file."),
    ...section("defaults", Defaults, "Inherited settings: allowed in `defaults`, on every group and on every monitor."),
    ...section("Group", ShallowGroup, "A group: its own inherited settings, its monitors and its sub-groups."),
  ];
  for (const [kind, s] of Object.entries(CHECK_SCHEMAS)) out.push(...section(`Monitor type \`${kind}\``, s));
  out.push(...section("thresholds", Thresholds), ...section("tls-options", TlsOptions));
  out.push(...section("database", DatabaseSettings), ...section("retention", Retention));
  out.push(...section("heartbeats", HeartbeatSettings), ...section("route", RouteNode as unknown as TSchema, "A node of the `routes` tree."));
  out.push(...section("maintenance", MaintenanceSpec, "An item of the `maintenance` list: one-off (`start`, `end`) or recurring (`cron`, `duration`, `timezone`)."));
  out.push(...section("digest", DigestSpec), ...section("auth", AuthSettings), ...section("statusPages", StatusPagesSettingsSchema));
  out.push(...section("metrics", MetricsSettings), ...section("httpMonitoring", HttpMonitoringSettings));
  for (const [kind, n] of Object.entries(NOTIFIERS)) out.push(...section(`Channel type \`${kind}\``, n.schema, `A channel \`{ name, type: ${kind}, … }\` with these settings (secrets are never logged or returned).`));
  return `${out.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd()}\n`;
}
