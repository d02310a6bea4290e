/** Schemas of the check kinds: one object per kind, discriminated by `type`. */
import { type Static, Type } from "@sinclair/typebox";
import { Duration, MonitorCommon, Operator, TlsOptions } from "./common.ts";

/** Defaults of HTTP checks (read by both the schema and the probe). */
export const HTTP_DEFAULTS = {
  method: "GET",
  followRedirects: true,
  maxRedirects: 10,
  bodyLimitBytes: 64 * 1024,
  userAgent: "Upbeat/0.1 (+monitoring)",
  traceKey: "cupcake_trace_id",
  attemptKey: "cupcake_attempt",
} as const;

const StatusSpec = Type.Union([Type.Integer({ minimum: 100, maximum: 599 }), Type.String({ pattern: "^([1-5]xx|[1-5][0-9]{2}(-[1-5][0-9]{2})?)$" })], {
  errorMessage: "a status is a code (200), a class (2xx) or a range (200-299)",
});

const JsonAssertion = Type.Object(
  {
    path: Type.String({ minLength: 1, description: "Path into the JSON body: `$.a.b[0].c`; `.length` of arrays and strings." }),
    op: Type.Optional(Operator),
    value: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()], { description: "Value compared with." })),
    severity: Type.Optional(Type.Union([Type.Literal("down"), Type.Literal("degraded")], { default: "down", description: "What a failure means." })),
  },
  { additionalProperties: false, description: "An assertion on a value in the JSON body (operator defaults to `==`)." },
);

const HeaderAssertion = Type.Object(
  {
    name: Type.String({ minLength: 1, description: "Header name (case-insensitive)." }),
    op: Type.Optional(Operator),
    value: Type.Optional(Type.String({ description: "Value compared with." })),
    severity: Type.Optional(Type.Union([Type.Literal("down"), Type.Literal("degraded")], { default: "down", description: "What a failure means." })),
  },
  { additionalProperties: false, description: "An assertion on a response header (operator defaults to `==`)." },
);

const StringOrList = (description: string) =>
  Type.Union([Type.String(), Type.Array(Type.String())], { description, errorMessage: "expected a string or a list of strings" });

/** What an HTTP response must satisfy. */
export const HttpExpect = Type.Object(
  {
    status: Type.Optional(
      Type.Array(StatusSpec, { description: "Accepted status codes: codes, classes (`2xx`) or ranges (`200-299`). Default `2xx`." }),
    ),
    statusRegex: Type.Optional(
      Type.String({ description: "Regular expression matched at the start of the status code (Cupcake's `expected`)." }),
    ),
    bodyContains: Type.Optional(StringOrList("Text the body must contain (each, when a list).")),
    bodyNotContains: Type.Optional(StringOrList("Text the body must not contain.")),
    bodyMatches: Type.Optional(Type.String({ description: "Regular expression the body must match." })),
    bodyNotMatches: Type.Optional(Type.String({ description: "Regular expression the body must not match." })),
    json: Type.Optional(Type.Array(JsonAssertion, { description: "Assertions on the JSON body." })),
    headers: Type.Optional(Type.Array(HeaderAssertion, { description: "Assertions on response headers." })),
  },
  { additionalProperties: false, description: "What the response must satisfy." },
);
/** Type of the HTTP expectations. */
export type HttpExpectInput = Static<typeof HttpExpect>;

/** An HTTP(S) check. */
export const HttpCheck = Type.Object(
  {
    type: Type.Literal("http", { description: "HTTP or HTTPS request (inferred from an http:// or https:// url)." }),
    url: Type.String({ pattern: "^https?://", description: "Target URL (http:// or https://)." }),
    method: Type.Optional(Type.String({ pattern: "^[A-Z]+$", default: HTTP_DEFAULTS.method, description: "Request method." })),
    headers: Type.Optional(Type.Record(Type.String(), Type.String(), { description: "Request headers (their values are never returned by the API: they often carry credentials).", secret: true })),
    body: Type.Optional(Type.String({ description: "Request body." })),
    query: Type.Optional(Type.Record(Type.String(), Type.String(), { description: "Query arguments added to the URL." })),
    followRedirects: Type.Optional(Type.Boolean({ default: HTTP_DEFAULTS.followRedirects, description: "Follow 3xx redirects." })),
    maxRedirects: Type.Optional(Type.Integer({ minimum: 0, maximum: 50, default: HTTP_DEFAULTS.maxRedirects, description: "Redirects followed at most." })),
    tls: Type.Optional(TlsOptions),
    expect: Type.Optional(HttpExpect),
    userAgent: Type.Optional(Type.String({ default: HTTP_DEFAULTS.userAgent, description: "User-Agent header sent." })),
    bodyLimitBytes: Type.Optional(
      Type.Integer({ minimum: 0, default: HTTP_DEFAULTS.bodyLimitBytes, description: "Body bytes read and kept for assertions and failure details." }),
    ),
    traceId: Type.Optional(
      Type.Union([Type.Boolean(), Type.String({ minLength: 1 })], {
        description: "Append a fresh trace id (uuid) to the query, once per run: `true` uses key `cupcake_trace_id`, a string names the key.",
      }),
    ),
    attemptArg: Type.Optional(
      Type.Union([Type.Boolean(), Type.String({ minLength: 1 })], {
        description: "Append the attempt number to the query: `true` uses key `cupcake_attempt`, a string names the key.",
      }),
    ),
    ...MonitorCommon,
  },
  { additionalProperties: false, description: "An HTTP(S) request with assertions on the response." },
);
/** Type of an HTTP check as written. */
export type HttpCheckInput = Static<typeof HttpCheck>;

/** A TCP check. */
export const TcpCheck = Type.Object(
  {
    type: Type.Literal("tcp", { description: "TCP connect (inferred from a tcp:// url)." }),
    url: Type.String({ pattern: "^tcp://", description: "Target as `tcp://host:port`." }),
    send: Type.Optional(Type.String({ description: "Text sent after connecting (`\\r\\n` escapes allowed in YAML double quotes)." })),
    expect: Type.Optional(Type.String({ description: "Text the reply must contain." })),
    expectRegex: Type.Optional(Type.String({ description: "Regular expression the reply must match." })),
    tls: Type.Optional(Type.Union([Type.Boolean(), TlsOptions], { description: "Wrap the connection in TLS (`true` or TLS options)." })),
    ...MonitorCommon,
  },
  { additionalProperties: false, description: "A TCP connection, optionally with TLS and a send/expect exchange." },
);
/** Type of a TCP check as written. */
export type TcpCheckInput = Static<typeof TcpCheck>;

/** DNS record types a DNS check may ask for. */
export const DNS_TYPES = ["A", "AAAA", "CNAME", "MX", "TXT", "NS", "SOA", "SRV", "PTR", "CAA"] as const;
/** DNS response codes a DNS check may expect. */
export const DNS_RCODES = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"] as const;

/** A DNS check. */
export const DnsCheck = Type.Object(
  {
    type: Type.Literal("dns", { description: "DNS query to a resolver." }),
    query: Type.String({ minLength: 1, description: "Name to look up." }),
    recordType: Type.Optional(Type.Union(DNS_TYPES.map((t) => Type.Literal(t)), { default: "A", description: "Record type asked for.", errorMessage: `record type must be one of ${DNS_TYPES.join(" ")}` })),
    resolver: Type.Optional(Type.String({ description: "Resolver as `host` or `host:port` (default: the system's first resolver)." })),
    transport: Type.Optional(Type.Union([Type.Literal("udp"), Type.Literal("tcp")], { default: "udp", description: "Transport to the resolver." })),
    rcode: Type.Optional(Type.Union(DNS_RCODES.map((t) => Type.Literal(t)), { default: "NOERROR", description: "Expected response code.", errorMessage: `rcode must be one of ${DNS_RCODES.join(" ")}` })),
    records: Type.Optional(Type.Array(Type.String(), { description: "Values that must all be among the answers (`1.2.3.4`, `10 mx.example.com`)." })),
    exactRecords: Type.Optional(Type.Boolean({ default: false, description: "The answers must be exactly `records`, nothing more." })),
    ...MonitorCommon,
  },
  { additionalProperties: false, description: "A DNS query with expectations on the response code and records." },
);
/** Type of a DNS check as written. */
export type DnsCheckInput = Static<typeof DnsCheck>;

/** A TLS check. */
export const TlsCheck = Type.Object(
  {
    type: Type.Literal("tls", { description: "TLS handshake (inferred from a tls:// url)." }),
    url: Type.String({ pattern: "^tls://", description: "Target as `tls://host:port`." }),
    starttls: Type.Optional(Type.Union([Type.Literal("smtp")], { description: "Protocol upgraded with STARTTLS before the handshake." })),
    tls: Type.Optional(TlsOptions),
    ...MonitorCommon,
  },
  { additionalProperties: false, description: "A TLS handshake: chain validity and days to expiry (14 days warn by default)." },
);
/** Type of a TLS check as written. */
export type TlsCheckInput = Static<typeof TlsCheck>;

/** A heartbeat: a job or service checks in (HTTP ping, push URL, statsd); silence past its deadline is a failure. */
export const HeartbeatCheck = Type.Object(
  {
    type: Type.Literal("heartbeat", { description: "Passive: the job checks in; no probe is sent." }),
    period: Type.Optional(Duration("Expected time between check-ins (leave out when `cron` is given). Default 1d.")),
    cron: Type.Optional(Type.String({ minLength: 1, description: "Cron expression (5 or 6 fields) of the expected check-ins, instead of `period`." })),
    timezone: Type.Optional(Type.String({ minLength: 1, default: "UTC", description: "IANA time zone of `cron` (e.g. `Europe/Stockholm`)." })),
    grace: Type.Optional(Duration("Time after a check-in was due before it counts as missed (state `late` meanwhile).", "1m")),
    minRun: Type.Optional(Duration("A run (start → success) shorter than this is a failure.")),
    maxRun: Type.Optional(Duration("A run longer than this is a failure.")),
    startGrace: Type.Optional(Duration("A started run that sends no finish within this time is a failure (default: `maxRun`).")),
    slug: Type.Optional(Type.String({ pattern: "^[a-z0-9][a-z0-9_-]*$", description: "Name in `/ping/<ping-key>/<slug>` URLs; derived from the name when absent." })),
    uuid: Type.Optional(Type.String({ pattern: "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", description: "Id in `/ping/<uuid>` URLs; derived from the monitor id when absent." })),
    pushToken: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_-]{4,64}$", description: "Token of an Uptime Kuma style push URL `/api/push/<token>`." })),
    ...MonitorCommon,
  },
  { additionalProperties: false, description: "A heartbeat: pings to `/ping/<uuid>` (or a push URL) are expected every period or at each cron time, plus grace." },
);
/** Type of a heartbeat as written. */
export type HeartbeatCheckInput = Static<typeof HeartbeatCheck>;

/** Every check schema by kind: adding a kind here makes the compiler ask for its probe. */
export const CHECK_SCHEMAS = { http: HttpCheck, tcp: TcpCheck, dns: DnsCheck, tls: TlsCheck, heartbeat: HeartbeatCheck } as const;
/** A check kind. */
export type CheckKind = keyof typeof CHECK_SCHEMAS;
/** Kinds that Upbeat probes actively (every kind but heartbeats, which wait for check-ins). */
export type ProbeKind = Exclude<CheckKind, "heartbeat">;
/** A check as written, by kind. */
export type CheckInputOf<K extends CheckKind> = Static<(typeof CHECK_SCHEMAS)[K]>;
/** Any check as written. */
export type CheckInput = CheckInputOf<CheckKind>;
