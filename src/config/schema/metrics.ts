/** Schemas of the `metrics` section (Prometheus `/metrics`) and the `httpMonitoring` section (http-monitoring's API, compat §5). */
import { Type } from "@sinclair/typebox";
import { Duration } from "./common.ts";

/** The Prometheus endpoint. */
export const MetricsSettings = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean({ default: true, description: "Serve `/metrics` (Prometheus text format). When off, `/metrics` answers 404." })),
    token: Type.Optional(
      Type.String({
        minLength: 8,
        secret: true,
        description: "Bearer token a scraper must send (`Authorization: Bearer <token>`; Prometheus `authorization: { credentials: … }`). Absent: `/metrics` is public, as Prometheus exporters usually are.",
      }),
    ),
  },
  { additionalProperties: false, title: "metrics", description: "The Prometheus `/metrics` endpoint; read again on reload." },
);

/** Defaults of the http-monitoring API, as the original tool documented them (compat §5). */
export const HTTP_MONITORING_DEFAULTS = {
  basePath: "/",
  interval: "300s",
  timeout: "5s",
  expectedStatus: 200,
  retries: 3,
  backoffFactor: 0.3,
  retryStatuses: [504],
  workerThreads: 5,
  queueSize: 3,
  maxTargets: 10_000,
} as const;

/** http-monitoring's REST API (`/status`, `/status/queue`, `/emails`). */
export const HttpMonitoringSettings = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean({ default: true, description: "Serve the http-monitoring API. Read at start." })),
    basePath: Type.Optional(
      Type.String({
        pattern: "^/([A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*/?)?$",
        default: HTTP_MONITORING_DEFAULTS.basePath,
        description: "Path the API is served under (`{base_url}` of the original): `/` gives `/status`, `/hm` gives `/hm/status`. Not under `/api/`. Read at start.",
      }),
    ),
    access: Type.Optional(
      Type.Union([Type.Literal("public"), Type.Literal("authenticated")], {
        default: "public",
        description: "`public`: anyone who can reach Upbeat may call it (the original's clients send no credentials). `authenticated`: reads need a viewer session or API key, `POST` and `GET /emails` an editor (read-write key).",
      }),
    ),
    emailChannels: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { description: "Channels `GET /emails` sends through. Default: every channel of type `email`." }),
    ),
    interval: Type.Optional(Duration("How often a submitted target is checked.", HTTP_MONITORING_DEFAULTS.interval)),
    timeout: Type.Optional(Duration("Time allowed for one request (`DEFAULT_HTTP_TIMEOUT`).", HTTP_MONITORING_DEFAULTS.timeout)),
    expectedStatus: Type.Optional(
      Type.Integer({ minimum: 100, maximum: 599, default: HTTP_MONITORING_DEFAULTS.expectedStatus, description: "Expected status of a target submitted without `expected_http_code` (`DEFAULT_HTTP_STATUS_CODE`)." }),
    ),
    retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 3, default: HTTP_MONITORING_DEFAULTS.retries, description: "Retries of a request that got no answer or a status in `retryStatuses` (`DEFAULT_HTTP_RETRIES`, at most 3)." })),
    backoffFactor: Type.Optional(
      Type.Number({ minimum: 0, maximum: 60, default: HTTP_MONITORING_DEFAULTS.backoffFactor, description: "Seconds before the first retry, doubling for each further one (`DEFAULT_BACKOFF_FACTOR`)." }),
    ),
    retryStatuses: Type.Optional(
      Type.Array(Type.Integer({ minimum: 501, maximum: 504 }), { minItems: 1, default: [...HTTP_MONITORING_DEFAULTS.retryStatuses], description: "Statuses that are retried (`DEFAULT_ERROR_CODES`): 501 to 504 only." }),
    ),
    workerThreads: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 64, default: HTTP_MONITORING_DEFAULTS.workerThreads, description: "Submitted targets given their first check at once (`worker_thread` of `POST /status/queue`; 0 there means this)." }),
    ),
    queueSize: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 10_000, default: HTTP_MONITORING_DEFAULTS.queueSize, description: "Submitted targets waiting for a worker for their first check; past it the rest wait for room, the answer to `POST /status` does not (`queue_size`; 0 there means this)." }),
    ),
    maxTargets: Type.Optional(
      Type.Integer({ minimum: 1, default: HTTP_MONITORING_DEFAULTS.maxTargets, description: "Most targets this API may create; a submission past it is refused." }),
    ),
  },
  { additionalProperties: false, title: "httpMonitoring", description: "http-monitoring's API (see docs/migrating-from-http-monitoring.md)." },
);
