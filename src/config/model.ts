/** The validated, normalised configuration every part of Upbeat runs from, whatever file it came from. */
import type { Static } from "@sinclair/typebox";
import type { CheckInputOf, CheckKind } from "./schema/checks.ts";
import type { AuthConfig } from "./auth.ts";
import type { MaintenanceConfig } from "./maintenance.ts";
import type { HttpMonitoringConfig } from "./http-monitoring.ts";
import type { MetricsConfig } from "./metrics.ts";
import type { Thresholds } from "./schema/common.ts";
import type { StatusPagesConfig } from "./schema/status-pages.ts";

/** Response-time and certificate bounds, resolved down the tree. */
export type ThresholdSettings = Static<typeof Thresholds>;

/** How failed attempts are retried: Upbeat's backoff, or Cupcake's two rules (compat §1.4). */
export type RetryMode = "standard" | "cupcake";

/** Settings of one monitor after inheritance, in base units. */
export interface MonitorSettings {
  /** Run period. */
  intervalMs: number;
  /** Time allowed for one attempt. */
  timeoutMs: number;
  /** Extra attempts after a failure. */
  retries: number;
  /** Wait before the first retry; doubles after each. */
  retryDelayMs: number;
  /** How retries are made. */
  retryMode: RetryMode;
  /** Consecutive failures that open an incident. */
  failureThreshold: number;
  /** Consecutive successes that resolve one. */
  successThreshold: number;
  /** Response-time and certificate bounds. */
  thresholds: ThresholdSettings;
  /** Labels, merged down the tree. */
  labels: Record<string, string>;
  /** Alert routes or channels. */
  alerts: string[];
  /** Defined but not run. */
  paused: boolean;
  /** Ids of monitors whose being down holds this one's alerts. */
  dependsOn?: string[];
  /** Retry only attempts that got no answer or one of these statuses (http-monitoring's rule); absent: retry every failure. */
  retryStatuses?: number[];
  /** Flapping detection (absent: off). */
  flapping?: { transitions: number; windowMs: number };
}

/** Where a monitor was defined. */
export interface MonitorSource {
  /** The file format it came from. */
  format: "native" | "cupcake" | "cli" | "ping" | "lovebeat" | "api" | "http-monitoring";
  /** File path, when it came from a file. */
  file?: string;
  /** Location inside the file, as a path (`groups[0].monitors[1]`). */
  path?: string;
  /** Cupcake's identity tuple (environment group, environment, endpoint group, endpoint). */
  cupcakeKey?: [string, string, string, string];
  /** Cupcake's metrics groups for this endpoint. */
  metricsGroups?: string[];
  /** Cupcake's `expected` text, kept verbatim for its message wording. */
  cupcakeExpected?: string;
  /** Whether Cupcake's enabled flag was on (a disabled endpoint group is neither run nor counted). */
  enabled?: boolean;
  /** Cupcake's alert group ids for this endpoint (the most specific `alert-groups`, default `default`). */
  cupcakeAlertGroups?: string[];
  /** A target submitted to http-monitoring's API: its title (null when none) and when and where in its submission it came. */
  httpMonitoring?: { title: string | null; submittedAt: number; position: number };
}

/** A monitor of one kind, ready to run. */
export interface MonitorOf<K extends CheckKind> {
  /** Stable id (explicit, or the group path and name). */
  id: string;
  /** Name shown to people. */
  name: string;
  /** Check kind. */
  kind: K;
  /** The check as written, with defaults applied. */
  check: CheckInputOf<K>;
  /** Names of the enclosing groups, outermost first. */
  groupPath: string[];
  /** Resolved settings. */
  settings: MonitorSettings;
  /** Where it was defined. */
  source: MonitorSource;
}

/** Any monitor. */
export type Monitor = { [K in CheckKind]: MonitorOf<K> }[CheckKind];

/** A group in the tree, for state roll-ups and status pages. */
export interface GroupNode {
  /** Path id (`customer-abc/production`). */
  id: string;
  /** Name shown to people. */
  name: string;
  /** Sub-groups. */
  groups: GroupNode[];
  /** Ids of the monitors directly in this group. */
  monitorIds: string[];
}

/** The store settings, in base units. */
export interface DatabaseConfig {
  /** `postgres://…` or a SQLite path; absent: the default. */
  url?: string;
  /** Days each kind of data is kept. */
  retention: { resultsDays: number; upResultsDays: number; minuteDays: number; hourDays: number; dayDays: number; outboxDays: number };
  /** The file that set it. */
  file: string;
}

/** The heartbeat endpoint settings, in base units. */
export interface HeartbeatsConfig {
  /** Keys accepted in `/ping/<key>/<slug>`; empty: any. */
  pingKeys: string[];
  /** Bytes of a ping body kept. */
  bodyLimitBytes: number;
  /** Period of a heartbeat created by `?create=1`. */
  createdPeriodMs: number;
  /** Grace of a heartbeat created by `?create=1`. */
  createdGraceMs: number;
  /** The file that set it. */
  file: string;
}

/** The heartbeat settings when no file gives them. */
export const DEFAULT_HEARTBEATS: Omit<HeartbeatsConfig, "file"> = { pingKeys: [], bodyLimitBytes: 100_000, createdPeriodMs: 86_400_000, createdGraceMs: 3_600_000 };

/** A notification channel as written (settings checked against its type when alerting starts). */
export interface ChannelConfig {
  /** Name. */
  name: string;
  /** Type. */
  type: string;
  /** The other keys. */
  settings: Record<string, unknown>;
  /** File it came from. */
  file: string;
  /** Path in the file (`channels[2]`). */
  path: string;
}

/** A route as written (durations as written; matchers as strings). */
export interface RouteConfig {
  /** Matchers. */
  matchers?: string[];
  /** Channels. */
  channels?: string[];
  /** Grouping labels. */
  groupBy?: string[];
  /** Group wait. */
  groupWait?: string | number;
  /** Group interval. */
  groupInterval?: string | number;
  /** Repeat interval. */
  repeatInterval?: string | number;
  /** Continue. */
  continue?: boolean;
  /** Children. */
  routes?: RouteConfig[];
}

/** A digest as configured, checked (matchers as written). */
export interface DigestConfig {
  /** Name. */
  name: string;
  /** Channels it goes to. */
  channels: string[];
  /** Cron expression of when it is sent. */
  cron: string;
  /** IANA time zone of the cron expression and of the times in the text. */
  timezone: string;
  /** Matchers a monitor's labels must all meet to be included. */
  matchers: string[];
  /** Monitors listed by uptime, lowest first. */
  worst: number;
  /** File it came from. */
  file: string;
  /** Path in the file (`digests[0]`). */
  path: string;
}

/** Cupcake's alert groups, from its alert definitions file (compat §1.6). */
export interface CupcakeAlertsConfig {
  /** Group id → the channels of its alerts (`cupcake-<alert id>`), in order. */
  groups: Map<string, string[]>;
  /** The file that defined them. */
  file: string;
}

/** A whole loaded configuration. */
export interface UpbeatConfig {
  /** Store settings, when a file gave them. */
  database?: DatabaseConfig;
  /** Heartbeat endpoint settings, when a file gave them. */
  heartbeats?: HeartbeatsConfig;
  /** Sessions, cookie and rate limits, when a file gave them. */
  auth?: AuthConfig;
  /** Notification channels. */
  channels?: ChannelConfig[];
  /** The routing tree, with the file that set it. */
  routes?: { root: RouteConfig; file: string };
  /** Maintenance windows, from every file. */
  maintenance?: MaintenanceConfig[];
  /** Digests sent on a schedule. */
  digests?: DigestConfig[];
  /** Public status page settings, when a file gave them. */
  statusPages?: StatusPagesConfig;
  /** Cupcake's alert groups, when an alert definitions file was loaded. */
  cupcakeAlerts?: CupcakeAlertsConfig;
  /** The `/metrics` endpoint, when a file set it. */
  metrics?: MetricsConfig;
  /** http-monitoring's API, when a file set it. */
  httpMonitoring?: HttpMonitoringConfig;
  /** Every monitor, in file order. */
  monitors: Monitor[];
  /** Top-level groups. */
  groups: GroupNode[];
  /** The files it was loaded from. */
  files: string[];
}
