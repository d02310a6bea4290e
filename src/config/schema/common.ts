/** Schema pieces shared by every monitor kind and by groups: durations, settings inherited down the tree. */
import { type Static, Type } from "@sinclair/typebox";
import { DURATION_PATTERN } from "../../lib/duration.ts";

/** A duration: `500ms`, `10s`, `5m`, `1h30m`, or a number of seconds. */
export const Duration = (description: string, defaultValue?: string) =>
  Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: DURATION_PATTERN })], {
    description,
    errorMessage: "expected a duration such as 500ms, 30s, 5m, 1h, or a number of seconds",
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
  });

/** Default values of inherited settings (one place: the schema and the loader both read it). */
export const SETTING_DEFAULTS = {
  interval: "60s",
  timeout: "10s",
  retries: 0,
  retryDelay: "1s",
  failureThreshold: 1,
  successThreshold: 1,
} as const;

/** Default flapping detection of native monitors. */
export const FLAPPING_DEFAULTS = { transitions: 6, window: "1h" } as const;

/** Response-time and certificate bounds. */
export const Thresholds = Type.Object(
  {
    minMs: Type.Optional(Type.Number({ minimum: 0, description: "Down when the response took less than this many ms." })),
    maxMs: Type.Optional(Type.Number({ minimum: 0, description: "Down when the response took more than this many ms." })),
    degradedAboveMs: Type.Optional(
      Type.Number({ minimum: 0, description: "Degraded (not down) when the response took more than this many ms." }),
    ),
    certMinDays: Type.Optional(
      Type.Number({ description: "Down when the TLS certificate expires in fewer days than this." }),
    ),
    certWarnDays: Type.Optional(
      Type.Number({ description: "Degraded when the TLS certificate expires in fewer days than this." }),
    ),
  },
  { additionalProperties: false, title: "thresholds", description: "Response-time and certificate bounds; merged key by key down the tree." },
);

/** Settings that a group passes down to its groups and monitors, each overridable below. */
export const InheritedSettings = {
  interval: Type.Optional(Duration("How often the monitor runs (1s at the least).", SETTING_DEFAULTS.interval)),
  timeout: Type.Optional(Duration("Time allowed for one attempt; past it the attempt fails in the phase it was in.", SETTING_DEFAULTS.timeout)),
  retries: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 10, default: SETTING_DEFAULTS.retries, description: "Extra attempts after a failed one before the result counts." }),
  ),
  retryDelay: Type.Optional(Duration("Wait before the first retry; doubles for each further retry.", SETTING_DEFAULTS.retryDelay)),
  failureThreshold: Type.Optional(
    Type.Integer({ minimum: 1, default: SETTING_DEFAULTS.failureThreshold, description: "Consecutive failed results that open an incident." }),
  ),
  successThreshold: Type.Optional(
    Type.Integer({ minimum: 1, default: SETTING_DEFAULTS.successThreshold, description: "Consecutive good results that resolve an incident." }),
  ),
  thresholds: Type.Optional(Thresholds),
  labels: Type.Optional(
    Type.Record(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_.-]*$" }), Type.String(), {
      description: "Key/value labels for routing and filtering; merged down the tree, the lower value wins.",
      errorMessage: "labels must map names (letters, digits, _ . -) to strings",
    }),
  ),
  alerts: Type.Optional(
    Type.Array(Type.String({ minLength: 1 }), { description: "Alert routes or channels notified about incidents; replaces the inherited list." }),
  ),
  paused: Type.Optional(Type.Boolean({ description: "Keep the monitor defined but do not run it." })),
  dependsOn: Type.Optional(
    Type.Array(Type.String({ minLength: 1 }), {
      description: "Ids of monitors this one depends on (a router, a database). While one of them is down, this monitor's alerts are held; they go out if it is still down once its parents are up, and never if it recovered first. Replaces the inherited list.",
    }),
  ),
  flapping: Type.Optional(
    Type.Union(
      [
        Type.Literal(false),
        Type.Object(
          {
            transitions: Type.Optional(Type.Integer({ minimum: 2, default: FLAPPING_DEFAULTS.transitions, description: "Alerts (down and up) within the window that make the monitor flapping." })),
            window: Type.Optional(Duration("The window the alerts are counted in; a flapping monitor is stable again after a window without a change.", FLAPPING_DEFAULTS.window)),
          },
          { additionalProperties: false },
        ),
      ],
      { description: "Flapping detection: past `transitions` alerts within `window`, one \"flapping\" notice is sent and the monitor's alerts stop until it has been stable for a whole window; then one message gives its state. `false` turns it off. On by default for native monitors (6 in 1h); off for Cupcake and Lovebeat monitors, which alerted on every change." },
    ),
  ),
};

/** The inherited settings as one object (the root's `defaults`). */
export const Defaults = Type.Object(InheritedSettings, {
  additionalProperties: false,
  title: "defaults",
  description: "Settings inherited by every group and monitor.",
});
/** Type of the inherited settings. */
export type DefaultsInput = Static<typeof Defaults>;

/** Fields every monitor has, whatever its kind. */
export const MonitorCommon = {
  id: Type.Optional(
    Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9._/-]*$", description: "Stable id; derived from the group path and name when absent." }),
  ),
  name: Type.String({ minLength: 1, description: "Name shown to people." }),
  description: Type.Optional(Type.String({ description: "Free text shown with the monitor." })),
  ...InheritedSettings,
};

/** One TLS client option set, shared by HTTP, TCP and TLS checks. */
export const TlsOptions = Type.Object(
  {
    verify: Type.Optional(Type.Boolean({ default: true, description: "Verify the peer certificate chain and host name." })),
    ca: Type.Optional(Type.String({ description: "Trusted CA certificates: a PEM file path or inline PEM." })),
    cert: Type.Optional(Type.String({ description: "Client certificate (PEM file path or inline PEM)." })),
    key: Type.Optional(Type.String({ description: "Client private key (PEM file path or inline PEM)." })),
    servername: Type.Optional(Type.String({ description: "Server name sent in SNI and checked against the certificate." })),
  },
  { additionalProperties: false, title: "tls-options", description: "TLS client options." },
);
/** Type of the TLS options. */
export type TlsOptionsInput = Static<typeof TlsOptions>;

/** Operators for JSON-body and header assertions. */
export const OPERATORS = ["==", "!=", "<", "<=", ">", ">=", "contains", "not-contains", "matches", "not-matches", "exists", "not-exists"] as const;
/** One assertion operator. */
export type AssertionOperator = (typeof OPERATORS)[number];
/** Schema of an assertion operator. */
export const Operator = Type.Union(
  OPERATORS.map((op) => Type.Literal(op)),
  { errorMessage: "operator must be one of == != < <= > >= contains not-contains matches not-matches exists not-exists" },
);

/** Retention of stored data. */
export const Retention = Type.Object(
  {
    results: Type.Optional(Duration("How long raw results (every check with its attempts) are kept.", "14d")),
    upResults: Type.Optional(
      Duration("How long raw results whose health is up are kept (never longer than `results`). Failures and degraded results are kept for `results`; rollups keep the history of successes.", "2d"),
    ),
    minuteRollups: Type.Optional(Duration("How long per-minute rollups are kept.", "2d")),
    hourRollups: Type.Optional(Duration("How long per-hour rollups are kept.", "90d")),
    dayRollups: Type.Optional(Duration("How long per-day rollups are kept (uptime for 365 days needs at least 365d).", "731d")),
  },
  { additionalProperties: false, title: "retention", description: "How long history is kept; older rows are pruned in small batches." },
);

/** Where state and history are stored. */
export const DatabaseSettings = Type.Object(
  {
    url: Type.Optional(
      Type.String({ minLength: 1, description: "`postgres://user:password@host:5432/db` for PostgreSQL, or a SQLite file path. Default: `upbeat.db` in the data directory; Cupcake's `DB_TYPE`/`DB_NAME`/`DB_HOST`/`DB_USER`/`DB_PASSWORD` are used when set." }),
    ),
    retention: Type.Optional(Retention),
  },
  { additionalProperties: false, title: "database", description: "The store: SQLite (default) or PostgreSQL." },
);

/** Settings of the heartbeat endpoints. */
export const HeartbeatSettings = Type.Object(
  {
    pingKeys: Type.Optional(
      Type.Array(Type.String({ pattern: "^[A-Za-z0-9_-]{8,64}$" }), {
        description: "Keys accepted in `/ping/<ping-key>/<slug>` URLs. When none is given any key is accepted (anyone who can reach Upbeat can create heartbeats with `?create=1`).",
      }),
    ),
    bodyLimit: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 10_000_000, default: 100_000, description: "Bytes of a ping's request body kept with the ping (the rest is dropped; the ping still counts)." }),
    ),
    createdPeriod: Type.Optional(Duration("Period of a heartbeat created by its first ping (`?create=1`).", "1d")),
    createdGrace: Type.Optional(Duration("Grace of a heartbeat created by its first ping.", "1h")),
  },
  { additionalProperties: false, title: "heartbeats", description: "Ping endpoints: keys, body limit, and what `?create=1` creates." },
);

/** A notification channel: a name, a type, and the type's settings (see the channel types). */
export const ChannelSpec = Type.Object(
  {
    name: Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]*$", description: "Name that routes and monitors' `alerts` refer to." }),
    type: Type.String({ minLength: 1, description: "Channel type: webhook, slack, discord, teams, mattermost, google-chat, telegram, pagerduty, opsgenie, pushover, ntfy, gotify, matrix, email, mailgun, script, sns." }),
  },
  { additionalProperties: true, title: "channel", description: "A notification channel; the other keys are the settings of its type." },
);

/** One node of the routing tree. */
export const RouteNode = Type.Recursive(
  (This) =>
    Type.Object(
      {
        matchers: Type.Optional(Type.Array(Type.String(), { description: "`label=value`, `label!=value`, `label=~regex`, `label!~regex`; all must match. Labels: the monitor's own, plus monitor, name, group (a/b), kind, source, severity, event." })),
        channels: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: "Channels that receive what this route takes (inherited when absent)." })),
        groupBy: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: "Labels that split notifications into groups; `...` means every label (no grouping)." })),
        groupWait: Type.Optional(Duration("Wait before the first message of a new group, to collect what fails together.", "30s")),
        groupInterval: Type.Optional(Duration("Wait before a message about new members of a group already notified.", "5m")),
        repeatInterval: Type.Optional(Duration("Reminder period while an incident stays open.", "4h")),
        continue: Type.Optional(Type.Boolean({ description: "Keep matching later sibling routes after this one matched." })),
        routes: Type.Optional(Type.Array(This, { description: "Child routes, tried in order." })),
      },
      { additionalProperties: false },
    ),
  { $id: "Route", title: "route", description: "A route of the notification routing tree (Alertmanager's semantics)." },
);

/** A maintenance window: one-off (`start`, `end`) or recurring (`cron` + `duration` in `timezone`). */
export const MaintenanceSpec = Type.Object(
  {
    name: Type.String({ minLength: 1, description: "Name shown in the dashboard and in logs." }),
    matchers: Type.Array(Type.String(), {
      minItems: 1,
      description: "Monitors in the window: `label=value`, `label!=value`, `label=~regex`, `label!~regex`, all of which must match. Labels: the monitor's own, plus monitor (its id), name, group (a/b), kind, source.",
    }),
    start: Type.Optional(Type.String({ minLength: 1, description: "Start of a one-off window (ISO 8601 with a time zone offset, e.g. 2026-12-01T22:00:00+01:00)." })),
    end: Type.Optional(Type.String({ minLength: 1, description: "End of a one-off window." })),
    cron: Type.Optional(Type.String({ minLength: 1, description: "Start times of a recurring window (5 fields, or 6 with seconds), in `timezone`." })),
    duration: Type.Optional(Duration("Length of each recurring window.")),
    timezone: Type.Optional(Type.String({ minLength: 1, default: "UTC", description: "IANA time zone of `cron`." })),
    comment: Type.Optional(Type.String({ description: "Why (shown with the window)." })),
  },
  { additionalProperties: false, title: "maintenance", description: "During a maintenance window the monitors it matches open no incidents, send no alerts, and their downtime does not count against uptime." },
);
