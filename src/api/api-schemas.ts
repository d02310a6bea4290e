/**
 * TypeBox schemas shared by the monitor, history and incident routes: what they answer (for the
 * OpenAPI document and for serialisation) and the error shape every route uses.
 */
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { UPTIME_PERIODS } from "../store/types.ts";

/**
 * A value or null, as `type: [t, "null"]` rather than `anyOf`: the serialiser writes that
 * directly, where an `anyOf` costs a validator per field at start and per value when answering.
 */
export const Nullable = <T extends TSchema>(t: T) => Type.Unsafe<Static<T> | null>({ ...t, type: [t.type as string, "null"] });

/** The one error shape: `{ code, message, statusCode }`, with the problems of a refused body by path. */
export const ErrorBody = Type.Object(
  {
    code: Type.String({ description: "Stable error code (`UPBEAT_…`)." }),
    message: Type.String({ description: "What went wrong, in words." }),
    statusCode: Type.Integer(),
    problems: Type.Optional(Type.Array(Type.Object({ path: Type.String({ description: "Field path in the body (`expect.status[0]`); empty for the body itself." }), message: Type.String() }), { description: "Every problem of a refused body." })),
  },
  { $id: "Error", description: "An error." },
);

/** Error responses by status code, for route schemas. */
export function errors(...codes: number[]): Record<number, TSchema> {
  return Object.fromEntries(codes.map((c) => [c, Type.Ref("Error")]));
}

/** The id of `/api/v1/monitors/{id}/…`. */
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, description: "Monitor id, URL-encoded as one path segment (`shop%2Fcheckout`)." }) });

/** The id of the wildcard routes `/api/v1/monitors/*` (documented as `{id}`). */
export const WildIdParams = Type.Object({ "*": Type.String({ minLength: 1, description: "Monitor id." }) });

/** Monitor states. */
export const MONITOR_STATES = ["pending", "up", "degraded", "down", "paused", "maintenance"] as const;
/** A monitor state. */
export const MonitorState = Type.Union(MONITOR_STATES.map((s) => Type.Literal(s)));

/** Uptime and latency of one period. */
export const PeriodStatsSchema = Type.Object({
  checks: Type.Integer(),
  failures: Type.Integer(),
  degraded: Type.Integer(),
  downtimeSec: Type.Number(),
  uptimePct: Nullable(Type.Number()),
  latencyAvgMs: Nullable(Type.Number()),
  latencyMinMs: Nullable(Type.Number()),
  latencyMaxMs: Nullable(Type.Number()),
});

const periods = <T extends TSchema>(t: () => T) => Type.Object(Object.fromEntries(UPTIME_PERIODS.map((p) => [p, t()])) as Record<(typeof UPTIME_PERIODS)[number], T>);

/** Uptime percentage per period (listings). */
export const UptimeShort = periods(() => Nullable(Type.Number()));
/** Uptime and latency per period (detail). */
export const UptimeFull = periods(() => PeriodStatsSchema);

/** Who acknowledged an incident, and when. */
export const AckSchema = Type.Object({ at: Type.Number(), author: Type.String() });

/** An incident as listed. */
export const IncidentSchema = Type.Object({
  id: Type.Optional(Type.String({ description: "Incident id for `/api/v1/incidents/{id}`." })),
  monitorId: Type.Optional(Type.String()),
  number: Type.Integer({ description: "Number within its monitor, from 1." }),
  openedAt: Type.Number(),
  cause: Type.String(),
  resolvedAt: Type.Optional(Type.Number()),
  durationSec: Type.Optional(Type.Number()),
  resolution: Type.Optional(Type.String()),
  open: Type.Optional(Type.Boolean()),
  acknowledged: Type.Optional(Nullable(AckSchema)),
});

/** The latest result of a monitor, short form. */
export const LastResultSchema = Type.Object(
  {
    at: Type.Number(),
    health: Type.String(),
    durationMs: Type.Number(),
    statusCode: Type.Optional(Type.Integer()),
    phase: Type.Optional(Type.String()),
    failure: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String()),
    region: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

const summaryFields = {
  id: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  group: Type.Array(Type.String(), { description: "Enclosing group names, outermost first." }),
  labels: Type.Record(Type.String(), Type.String()),
  target: Nullable(Type.String({ description: "URL, host or DNS name checked (null for heartbeats)." })),
  source: Type.String({ description: "Where it was defined: native, cupcake, cli (files), lovebeat, ping, api." }),
  readOnly: Type.Boolean({ description: "Defined in a file or by a compatible tool: change it there." }),
  file: Type.Optional(Type.String({ description: "The file that defines it." })),
  status: MonitorState,
  since: Nullable(Type.Number()),
  incident: Nullable(IncidentSchema),
  lastResult: Nullable(LastResultSchema),
};

/** A monitor in listings. */
export const MonitorSummary = Type.Object({ ...summaryFields, uptime: UptimeShort });

/** One check result with everything stored about it. */
export const ResultSchema = Type.Object(
  {
    id: Type.Optional(Type.Number()),
    monitorId: Type.String(),
    at: Type.Number(),
    health: Type.String(),
    durationMs: Type.Number(),
    statusCode: Type.Optional(Type.Integer()),
    phase: Type.Optional(Type.String({ description: "Phase a failure ended in." })),
    failure: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String()),
    region: Type.String(),
    timings: Type.Optional(Type.Unknown({ description: "Timings per phase of the deciding attempt (ms)." })),
    attempts: Type.Optional(Type.Array(Type.Unknown(), { description: "Every attempt: health, timings per phase, status, failure, reason." })),
    assertions: Type.Optional(Type.Array(Type.Unknown(), { description: "Every assertion with expected and actual values." })),
    bodyExcerpt: Type.Optional(Type.String({ description: "The start of the response body." })),
    facts: Type.Optional(Type.Unknown({ description: "What the check saw: URL, headers, certificate, DNS answers…" })),
  },
  { description: "A check result." },
);

/** A monitor with its definition, uptime per period and recent history. */
export const MonitorDetail = Type.Object({
  ...summaryFields,
  uptime: UptimeFull,
  definition: Type.Unknown({ description: "The stored definition: the check as written with defaults (secrets masked), resolved settings, source." }),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
  recentResults: Type.Array(ResultSchema),
  heartbeat: Type.Optional(Type.Unknown()),
  recentPings: Type.Optional(Type.Array(Type.Unknown())),
});

/** `{ monitor }`. */
export const MonitorReply = Type.Object({ monitor: MonitorDetail });

/** A period of the uptime statistics. */
export const Period = Type.Union(UPTIME_PERIODS.map((p) => Type.Literal(p)), { default: "24h" });
/** A number or null. */
export const Num = Nullable(Type.Number());
/** The totals of a period. */
export const totals = { checks: Type.Integer(), failures: Type.Integer(), degraded: Type.Integer(), downtimeSec: Type.Number(), uptimePct: Num, latencyAvgMs: Num, latencyMinMs: Num, latencyMaxMs: Num };
