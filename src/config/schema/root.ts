/** The native configuration file (`upbeat.yaml` / `upbeat.json`): groups of monitors, nested to any depth. */
import { type TSchema, Type } from "@sinclair/typebox";
import { DnsCheck, HeartbeatCheck, HttpCheck, TcpCheck, TlsCheck } from "./checks.ts";
import { ChannelSpec, DatabaseSettings, MaintenanceSpec, Defaults, HeartbeatSettings, InheritedSettings, RouteNode } from "./common.ts";
import { DigestSpec } from "./digests.ts";
import { AuthSettings } from "./auth.ts";
import { StatusPagesSettingsSchema } from "./status-pages.ts";
import { HttpMonitoringSettings, MetricsSettings } from "./metrics.ts";

/** Any monitor: one of the check kinds, chosen by `type` (or by the url's scheme when `type` is absent). */
export const Monitor = Type.Union([HttpCheck, TcpCheck, DnsCheck, TlsCheck, HeartbeatCheck], { description: "A monitor of one of the check kinds." });

/** The fields of a group, given the schemas its `monitors` and `groups` items use. */
export function groupFields(monitorItem: TSchema, groupItem: TSchema) {
  return {
    id: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9._-]*$", description: "Path segment of the group in monitor ids; derived from the name when absent." })),
    name: Type.String({ minLength: 1, description: "Name shown to people." }),
    description: Type.Optional(Type.String({ description: "Free text shown with the group." })),
    ...InheritedSettings,
    monitors: Type.Optional(Type.Array(monitorItem, { description: "Monitors in this group." })),
    groups: Type.Optional(Type.Array(groupItem, { description: "Sub-groups, nested to any depth." })),
  };
}

/** A group of monitors and groups; its settings are inherited below it. */
export const Group = Type.Recursive((This) => Type.Object(groupFields(Monitor, This), { additionalProperties: false }), {
  $id: "Group",
  description: "A group: settings inherited by everything below it, its monitors and its sub-groups.",
});

/** The fields of the root, given the schemas its `monitors` and `groups` items use. */
export function rootFields(monitorItem: TSchema, groupItem: TSchema) {
  return {
    version: Type.Optional(Type.Literal(1, { description: "Format version of this file." })),
    defaults: Type.Optional(Defaults),
    database: Type.Optional(DatabaseSettings),
    heartbeats: Type.Optional(HeartbeatSettings),
    auth: Type.Optional(AuthSettings),
    channels: Type.Optional(Type.Array(ChannelSpec, { description: "Notification channels." })),
    routes: Type.Optional(RouteNode),
    maintenance: Type.Optional(Type.Array(MaintenanceSpec, { description: "Maintenance windows." })),
    digests: Type.Optional(Type.Array(DigestSpec, { description: "Digests sent on a schedule." })),
    statusPages: Type.Optional(StatusPagesSettingsSchema),
    metrics: Type.Optional(MetricsSettings),
    httpMonitoring: Type.Optional(HttpMonitoringSettings),
    monitors: Type.Optional(Type.Array(monitorItem, { description: "Monitors at the top level." })),
    groups: Type.Optional(Type.Array(groupItem, { description: "Top-level groups." })),
  };
}

/** The whole native file. */
export const Root = Type.Object(rootFields(Monitor, Group), {
  additionalProperties: false,
  description: "An Upbeat configuration file.",
});

/** Shallow forms used while walking a file: items are checked one by one, so errors stay precise. */
export const ShallowGroup = Type.Object(groupFields(Type.Unknown(), Type.Unknown()), { additionalProperties: false });
/** Shallow form of the root (see `ShallowGroup`). */
export const ShallowRoot = Type.Object(rootFields(Type.Unknown(), Type.Unknown()), { additionalProperties: false });
