/** The shapes the dashboard reads from the API. */

/** A monitor's state. */
export type State = "down" | "degraded" | "pending" | "up" | "maintenance" | "paused";

/** Every state, problems first (the listing's order). */
export const STATES: readonly State[] = ["down", "degraded", "pending", "up", "maintenance", "paused"];

/** A row of the listing (`/api/v1/dashboard/rows`). */
export interface Row {
  id: string;
  name: string;
  group: string[];
  kind: string;
  state: State;
  since: number | null;
  latencyMs: number | null;
  lastAt: number | null;
  reason?: string;
  uptime24h: number | null;
  uptime30d: number | null;
  bar: string;
  readOnly: boolean;
}

/** Where the bars start and how long a segment is. */
export interface BarInfo {
  fromMs: number;
  bucketMs: number;
  segments: number;
}

/** A page of rows. */
export interface RowsPage {
  now: number;
  bar: BarInfo;
  total: number;
  offset: number;
  rows: Row[];
}

/** A group of the tree (listed depth-first). */
export interface Group {
  name: string;
  path: string;
  depth: number;
  total: number;
  problems: number;
  counts: Partial<Record<State, number>>;
}

/** The first screen (`/api/v1/dashboard`). */
export interface Dashboard {
  version: string;
  now: number;
  total: number;
  counts: Record<State, number>;
  groups: Group[];
  kinds: string[];
  page: RowsPage;
}

/** Uptime and latency of one period. */
export interface PeriodStats {
  checks: number;
  failures: number;
  degraded: number;
  downtimeSec: number;
  uptimePct: number | null;
  latencyAvgMs: number | null;
  latencyMinMs: number | null;
  latencyMaxMs: number | null;
}

/** Timings of one attempt (ms). */
export interface Timings {
  dnsMs?: number;
  connectMs?: number;
  tlsMs?: number;
  ttfbMs?: number;
  transferMs?: number;
  totalMs: number;
}

/** An assertion's outcome. */
export interface Assertion {
  name: string;
  ok: boolean;
  severity: "down" | "degraded";
  expected: string;
  actual: string;
}

/** A failed result in full. */
export interface Failure {
  at: number;
  health: string;
  durationMs: number;
  statusCode: number | null;
  phase: string | null;
  failure: string | null;
  reason: string | null;
  region: string;
  detail: {
    attempts?: Array<{ attempt: number; health: string; timings?: Timings; statusCode?: number; phase?: string; failure?: string; reason?: string }>;
    assertions?: Assertion[];
    facts?: { url?: string; statusCode?: number; bodyExcerpt?: string; bodyBytes?: number; headers?: Record<string, string>; remoteAddress?: string; redirects?: string[]; cert?: { subject: string; issuer: string; validTo: string; daysLeft: number; trusted: boolean; trustError?: string } };
    timings?: Timings;
  } | null;
}

/** The phases charted. */
export const PHASES = ["dns", "connect", "tls", "ttfb", "transfer"] as const;

/** A monitor's page (`/api/v1/dashboard/monitor`). */
export interface Detail {
  now: number;
  bar: BarInfo;
  monitor: Row & { labels: Record<string, string>; paused: boolean; incident: { number: number; openedAt: number; cause: string } | null };
  uptime: Record<"24h" | "7d" | "30d" | "90d" | "365d", PeriodStats>;
  latency: { stepMs: number; t: number[]; phases: Record<(typeof PHASES)[number], Array<number | null>>; total: Array<number | null>; failures: number[]; results: number };
  daily: { fromMs: number; bucketMs: number; bar: string; uptime: Array<number | null> };
  failures: Failure[];
}

/** An incident as `/api/v1/incidents` lists it. */
export interface Incident {
  id?: string;
  number: number;
  openedAt: number;
  cause: string;
  resolvedAt?: number;
  durationSec?: number;
  resolution?: string;
  open: boolean;
  acknowledged?: { at: number; author: string } | null;
}

/** One entry of an incident's timeline. */
export interface TimelineEntry {
  type: string;
  at: number;
  author?: string;
  text?: string;
  channel?: string;
  event?: string;
  status?: string;
}

/** The logged-in user. */
export interface User {
  id: string;
  name: string;
  role: "viewer" | "editor" | "admin";
  totpEnabled?: boolean;
}

/** A silence as listed. */
export interface Silence {
  id: number;
  matchers: string[];
  startsAt: string;
  endsAt: string;
  author: string;
  comment: string;
  active: boolean;
}
