/** The `httpMonitoring` section in base units, with the checks the schema cannot make. */
import { parseDurationMs } from "../lib/duration.ts";
import type { ConfigProblem } from "./problems.ts";
import { HTTP_MONITORING_DEFAULTS as D } from "./schema/metrics.ts";
import type { ParsedSource } from "./source.ts";

/** Settings of the http-monitoring API. */
export interface HttpMonitoringConfig {
  /** Serve it. */
  enabled: boolean;
  /** Path prefix (`/` or `/a/b`, no trailing slash except the root). */
  basePath: string;
  /** Who may call it. */
  access: "public" | "authenticated";
  /** Channels `GET /emails` sends through (absent: every `email` channel). */
  emailChannels?: string[];
  /** Check period of a submitted target. */
  intervalMs: number;
  /** Time allowed for one request. */
  timeoutMs: number;
  /** Expected status when a target gives none. */
  expectedStatus: number;
  /** Retries on no answer or a status in `retryStatuses`. */
  retries: number;
  /** Seconds before the first retry (doubling). */
  backoffFactor: number;
  /** Statuses retried. */
  retryStatuses: number[];
  /** First checks at once. */
  workerThreads: number;
  /** First checks waiting for a worker. */
  queueSize: number;
  /** Most targets the API may create. */
  maxTargets: number;
  /** The file that set it (empty for the defaults). */
  file: string;
}

/** The settings when no file gives them. */
export const DEFAULT_HTTP_MONITORING: HttpMonitoringConfig = {
  enabled: true,
  basePath: D.basePath,
  access: "public",
  intervalMs: 300_000,
  timeoutMs: 5000,
  expectedStatus: D.expectedStatus,
  retries: D.retries,
  backoffFactor: D.backoffFactor,
  retryStatuses: [...D.retryStatuses],
  workerThreads: D.workerThreads,
  queueSize: D.queueSize,
  maxTargets: D.maxTargets,
  file: "",
};

type Raw = Partial<Record<keyof HttpMonitoringConfig | "interval" | "timeout", unknown>>;

const num = (v: unknown, d: number): number => (typeof v === "number" && Number.isFinite(v) ? v : d);
const dur = (v: unknown, d: number): number => (typeof v === "string" || typeof v === "number" ? (parseDurationMs(v) ?? d) : d);

/** The `httpMonitoring` section (shape errors are reported by the schema; this checks meaning). */
export function httpMonitoringOf(src: ParsedSource, raw: unknown, problems: ConfigProblem[]): HttpMonitoringConfig | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  const h = raw as Raw;
  const basePath = typeof h.basePath === "string" ? h.basePath.replace(/\/+$/, "") || "/" : D.basePath;
  if (basePath === "/api" || basePath.startsWith("/api/")) problems.push(src.problemAt(["httpMonitoring", "basePath"], "the http-monitoring API cannot live under /api (Upbeat's own API and Lovebeat's are there)"));
  const intervalMs = dur(h.interval, DEFAULT_HTTP_MONITORING.intervalMs);
  if (intervalMs < 1000) problems.push(src.problemAt(["httpMonitoring", "interval"], "the interval must be at least 1s"));
  return {
    enabled: h.enabled !== false,
    basePath,
    access: h.access === "authenticated" ? "authenticated" : "public",
    ...(Array.isArray(h.emailChannels) ? { emailChannels: h.emailChannels.filter((c): c is string => typeof c === "string") } : {}),
    intervalMs: Math.max(1000, intervalMs),
    timeoutMs: dur(h.timeout, DEFAULT_HTTP_MONITORING.timeoutMs),
    expectedStatus: num(h.expectedStatus, D.expectedStatus),
    retries: num(h.retries, D.retries),
    backoffFactor: num(h.backoffFactor, D.backoffFactor),
    retryStatuses: Array.isArray(h.retryStatuses) ? h.retryStatuses.filter((s): s is number => typeof s === "number") : [...D.retryStatuses],
    workerThreads: num(h.workerThreads, D.workerThreads),
    queueSize: num(h.queueSize, D.queueSize),
    maxTargets: num(h.maxTargets, D.maxTargets),
    file: src.file,
  };
}

/** `emailChannels` must name channels that exist. */
export function httpMonitoringChannelProblems(c: HttpMonitoringConfig | undefined, channels: ReadonlySet<string>): ConfigProblem[] {
  return (c?.emailChannels ?? []).flatMap((name, i) => (channels.has(name) ? [] : [{ severity: "error" as const, file: c?.file ?? "", path: `httpMonitoring.emailChannels[${i}]`, message: `no channel named "${name}"` }]));
}
