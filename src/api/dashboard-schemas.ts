/** TypeBox schemas of the dashboard routes (`/api/v1/dashboard*`, `/api/v1/events`). */
import { Type } from "@sinclair/typebox";
import { SORT_KEYS, STATUS_ORDER } from "./dashboard-rows.ts";

const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);

/** A monitor state. */
export const State = Type.Union(STATUS_ORDER.map((s) => Type.Literal(s)), { description: "Monitor state." });

const STATE_LIST = `^(${STATUS_ORDER.join("|")})(,(${STATUS_ORDER.join("|")}))*$`;

/** Filters and paging shared by `/dashboard` and `/dashboard/rows`. */
export const RowsQuery = Type.Object(
  {
    offset: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: "Rows to skip." })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100, description: "Rows to return." })),
    q: Type.Optional(Type.String({ maxLength: 200, description: "Words that must all appear in the name, id or group path (any case)." })),
    state: Type.Optional(Type.String({ pattern: STATE_LIST, description: "Comma-separated states, e.g. `down,degraded`." })),
    group: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: "Only monitors under this group path (`a/b`)." })),
    label: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: "A label matcher: `env=prod`, `env!=dev`, `team=~web|api`, `tier!~db.*`; the built-in labels `monitor`, `name`, `group`, `kind`, `source` count too." })),
    kind: Type.Optional(Type.String({ pattern: "^[a-z0-9-]{1,40}$", description: "Check kind (`http`, `tcp`, `dns`, `heartbeat`, …)." })),
    sort: Type.Optional(Type.Union(SORT_KEYS.map((s) => Type.Literal(s)), { default: "problems", description: "`problems`: down, degraded and pending first (longest-standing first), then by name; `name`; `latency` (slowest first); `changed` (latest change first)." })),
  },
  { additionalProperties: false },
);

/** One monitor row of the listing. */
export const Row = Type.Object({
  id: Type.String(),
  name: Type.String(),
  group: Type.Array(Type.String(), { description: "Enclosing groups, outermost first." }),
  kind: Type.String(),
  state: State,
  since: Nullable(Type.Number({ description: "Epoch ms of the last state change." })),
  latencyMs: Nullable(Type.Number({ description: "Total time of the latest answered check." })),
  lastAt: Nullable(Type.Number({ description: "Epoch ms of the latest result." })),
  reason: Type.Optional(Type.String({ description: "Why the latest result failed or degraded (down and degraded rows only)." })),
  uptime24h: Nullable(Type.Number({ description: "Percentage of checks not down over the last 24 hours." })),
  uptime30d: Nullable(Type.Number({ description: "Same over 30 days." })),
  bar: Type.String({ description: "One character per hour, oldest first: `-` no checks, `u` all up, `g` some degraded, `f` some down, `d` mostly down." }),
  readOnly: Type.Boolean({ description: "Defined in a file or by a compatible tool (change it there, not through the API)." }),
});

/** Where the bars start and how long each segment is. */
export const BarInfo = Type.Object({
  fromMs: Type.Number({ description: "Epoch ms of the first segment's start." }),
  bucketMs: Type.Number({ description: "Length of a segment." }),
  segments: Type.Integer(),
});

/** A page of rows. */
export const RowsPage = Type.Object({
  now: Type.Number({ description: "Server time (epoch ms) the page was made at." }),
  bar: BarInfo,
  total: Type.Integer({ description: "Rows passing the filters." }),
  offset: Type.Integer(),
  rows: Type.Array(Row),
});

/** Counts by state. */
export const Counts = Type.Object(Object.fromEntries(STATUS_ORDER.map((s) => [s, Type.Integer()])) as Record<(typeof STATUS_ORDER)[number], ReturnType<typeof Type.Integer>>);

/** A group of the tree; the tree is listed depth-first, each group after its parent. */
export const Group = Type.Object({
  name: Type.String(),
  path: Type.String({ description: "Full path (`a/b`), what the `group` filter takes." }),
  depth: Type.Integer({ description: "0 for a top-level group." }),
  total: Type.Integer({ description: "Monitors under it, at any depth." }),
  problems: Type.Integer({ description: "Of them, down or degraded." }),
  counts: Type.Partial(Counts),
});

/** Everything the first screen needs. */
export const Dashboard = Type.Object({
  version: Type.String(),
  now: Type.Number(),
  total: Type.Integer({ description: "Every monitor." }),
  counts: Counts,
  groups: Type.Array(Group, { description: "The group tree, depth-first, groups sorted by name." }),
  kinds: Type.Array(Type.String(), { description: "Check kinds in use." }),
  page: RowsPage,
});

/** Query of the detail route. */
export const DetailQuery = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 500, description: "Monitor id." }),
    range: Type.Optional(Type.Union(["1h", "24h", "7d"].map((r) => Type.Literal(r)), { default: "24h", description: "Span of the latency chart." })),
  },
  { additionalProperties: false },
);

/** The error shape. */
export const ErrorBody = Type.Object({ code: Type.String(), message: Type.String(), statusCode: Type.Integer() });

const NullNum = Type.Union([Type.Number(), Type.Null()]);

/** Uptime and latency of one period. */
export const PeriodStatsSchema = Type.Object({
  checks: Type.Integer(),
  failures: Type.Integer(),
  degraded: Type.Integer(),
  downtimeSec: Type.Number(),
  uptimePct: NullNum,
  latencyAvgMs: NullNum,
  latencyMinMs: NullNum,
  latencyMaxMs: NullNum,
});

/** A monitor's page. */
export const Detail = Type.Object({
  now: Type.Number(),
  bar: BarInfo,
  monitor: Type.Object({
    ...Row.properties,
    labels: Type.Record(Type.String(), Type.String(), { description: "Own labels (inherited ones included)." }),
    paused: Type.Boolean(),
    incident: Type.Union([Type.Object({ number: Type.Integer(), openedAt: Type.Number(), cause: Type.String() }, { additionalProperties: true }), Type.Null()], { description: "The open incident." }),
  }),
  uptime: Type.Object(Object.fromEntries(["24h", "7d", "30d", "90d", "365d"].map((p) => [p, PeriodStatsSchema]))),
  latency: Type.Object(
    {
      stepMs: Type.Integer({ description: "Length of a step." }),
      t: Type.Array(Type.Number(), { description: "Epoch ms of each step's start." }),
      phases: Type.Object(Object.fromEntries(["dns", "connect", "tls", "ttfb", "transfer"].map((p) => [p, Type.Array(NullNum)])), { description: "Mean ms of each phase per step over the answered checks (null: none)." }),
      total: Type.Array(NullNum, { description: "Mean total ms per step." }),
      failures: Type.Array(Type.Integer(), { description: "Down checks per step." }),
      results: Type.Integer({ description: "Results read." }),
    },
    { description: "Chart columns (uPlot's layout)." },
  ),
  daily: Type.Object({ fromMs: Type.Number(), bucketMs: Type.Number(), bar: Type.String({ description: "One character per day, as the listing's bar." }), uptime: Type.Array(NullNum) }),
  failures: Type.Array(
    Type.Object({
      at: Type.Number(),
      health: Type.String(),
      durationMs: Type.Number(),
      statusCode: Type.Union([Type.Integer(), Type.Null()]),
      phase: Type.Union([Type.String(), Type.Null()]),
      failure: Type.Union([Type.String(), Type.Null()]),
      reason: Type.Union([Type.String(), Type.Null()]),
      region: Type.String(),
      detail: Type.Unknown({ description: "Every attempt with its timings, the assertions and what the check saw (status, headers, body excerpt, certificate)." }),
    }),
    { description: "The last 10 failed or degraded results, newest first." },
  ),
});
