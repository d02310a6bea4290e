/**
 * The Store: everything Upbeat keeps, behind one interface with a SQLite and a PostgreSQL
 * implementation that pass the same contract suite. Writes arrive in batches, one transaction
 * each; reads serve the API, status pages and the engine's start-up.
 */
import type { Kysely } from "kysely";
import type { Database } from "./schema.ts";
import type { Incident, MonitorState, MonitorStatus } from "../core/monitor-state.ts";
import type { Health } from "../core/types.ts";

/** Rollup granularities. */
export type RollupSize = "minute" | "hour" | "day";

/** A monitor's definition as stored (the running configuration is the source of truth). */
export interface MonitorRecord {
  /** Stable id. */
  id: string;
  /** Name shown to people. */
  name: string;
  /** Check kind (`http`, `tcp`, …; `heartbeat` later). */
  kind: string;
  /** Enclosing group names, outermost first. */
  groupPath: string[];
  /** Where it was defined: `native`, `cupcake`, `cli`, `api`. */
  source: string;
  /** The whole definition, for the API and for change detection. */
  definition: unknown;
}

/** A stored monitor with its store key. */
export interface StoredMonitor extends MonitorRecord {
  /** Small integer key used by results and rollups (saves space over the text id). */
  seq: number;
  /** Epoch ms first seen. */
  createdAt: number;
  /** Epoch ms of the last definition change. */
  updatedAt: number;
}

/** One check result: the observation and every attempt's timings, status and error. */
export interface ResultRecord {
  /** Monitor store key. */
  seq: number;
  /** Epoch ms of the observation. */
  at: number;
  /** up, degraded or down. */
  health: Health;
  /** Total time of the deciding attempt. */
  durationMs: number;
  /** HTTP status of the deciding attempt. */
  statusCode?: number;
  /** Phase a failure ended in. */
  phase?: string;
  /** Failure class. */
  failure?: string;
  /** One-line reason. */
  reason?: string;
  /** Region that observed it. */
  region: string;
  /** Attempts, assertions and facts (JSON); kept in full for anything but a plain success. */
  detail?: unknown;
}

/** A result as read back. */
export interface StoredResult extends Omit<ResultRecord, "seq"> {
  /** Monitor id. */
  monitorId: string;
}

/** One rollup row: what happened to one monitor in one minute, hour or day. */
export interface RollupRecord {
  /** Monitor store key. */
  seq: number;
  /** Epoch ms of the bucket start (UTC). */
  bucket: number;
  /** Checks. */
  checks: number;
  /** Checks that were down. */
  failures: number;
  /** Checks that were degraded. */
  degraded: number;
  /** Milliseconds spent in an open incident. */
  downMs: number;
  /** Latency samples. */
  latCount: number;
  /** Their sum (ms). */
  latSum: number;
  /** Smallest (ms). */
  latMin?: number;
  /** Largest (ms). */
  latMax?: number;
  /** Percentile sketch, text form (`sketch.ts`). */
  sketch: string;
}

/** Something the state machine asked for, persisted before it is carried out. */
export interface OutboxRecord {
  /** Monitor id. */
  monitorId: string;
  /** Effect type (`incident.opened`, …). */
  type: string;
  /** Epoch ms. */
  at: number;
  /** The effect (JSON). */
  payload: unknown;
}

/** A stored outbox entry. */
export interface StoredOutbox extends OutboxRecord {
  /** Row id. */
  id: number;
  /** pending, done or dead. */
  status: "pending" | "done" | "dead";
  /** Delivery attempts so far. */
  attempts: number;
}

/** Cupcake's `active` row (compat §1.9): one per failing Cupcake endpoint. */
export interface CupcakeActive {
  /** The four-part identity. */
  key: [string, string, string, string];
  /** Epoch seconds (float) when the incident opened. */
  timestamp: number;
  /** The alert message. */
  message: string;
  /** The final URL. */
  url: string;
}

/** One HTTP check-in as stored. */
export interface PingRecord {
  /** Monitor store key. */
  seq: number;
  /** Epoch ms received. */
  at: number;
  /** success, start, fail or log. */
  kind: "success" | "start" | "fail" | "log";
  /** Run id the client sent. */
  rid?: string;
  /** Exit code reported. */
  exitCode?: number;
  /** Run duration (start to finish), when the finish matched a start. */
  durationMs?: number;
  /** The request body, up to the limit (UTF-8 text). */
  body?: string;
  /** Size of the whole body in bytes (more than `body` holds when it was cut). */
  bodyBytes: number;
  /** Client address. */
  remote?: string;
}

/** A ping as read back. */
export interface StoredPing extends Omit<PingRecord, "seq"> {
  /** Row id (increasing). */
  id: number;
}

/** One notification to one channel, as queued. */
export interface DeliveryRecord {
  /** Idempotency key: (incident, transition, channel); a second insert with it is ignored. */
  key: string;
  /** Channel name. */
  channel: string;
  /** Deliveries of one channel with the same group key due together are sent as one message. */
  groupKey: string;
  /** What to send (the rendered notification, JSON). */
  payload: unknown;
  /** Not sent before this epoch-ms time (group wait, retry backoff). */
  notBefore: number;
  /** Queued as held (waiting for a parent to recover) or suppressed (silence, maintenance, flapping) rather than pending. */
  initial?: "held" | "suppressed";
  /** Why it was held or suppressed. */
  note?: string;
}

/** A silence: notifications whose labels match every matcher are not sent while it lasts. */
export interface SilenceRecord {
  /** Matchers as written (`label=value`, `label=~regex`, …). */
  matchers: string[];
  /** Epoch ms it starts. */
  startsAt: number;
  /** Epoch ms it ends. */
  endsAt: number;
  /** Who made it. */
  author: string;
  /** Why. */
  comment: string;
}

/** A stored silence. */
export interface StoredSilence extends SilenceRecord {
  /** Row id. */
  id: number;
  /** Epoch ms it was made. */
  createdAt: number;
}

/** A queued delivery as read back. */
export interface StoredDelivery extends DeliveryRecord {
  /** Row id. */
  id: number;
  /** pending, done, dead (gave up after the last try), held (a parent is down) or suppressed (never to be sent). */
  status: "pending" | "done" | "dead" | "held" | "suppressed";
  /** Attempts made. */
  attempts: number;
  /** Epoch ms queued. */
  createdAt: number;
  /** Epoch ms delivered or given up. */
  doneAt?: number;
  /** Last failure. */
  lastError?: string;
}

/** Monitor sources defined by files: a reload removes those of them not listed any more. Others (Lovebeat services, created heartbeats, API) live until deleted. */
export const FILE_SOURCES = ["native", "cupcake", "cli"] as const;

/** Everything one transaction writes. */
export interface WriteBatch {
  /** New results. */
  results: ResultRecord[];
  /** Monitor states to upsert, with the latest result for listings. */
  states: Array<{ seq: number; state: MonitorState; lastResult?: StoredResult }>;
  /** Incidents opened or resolved (upserted by monitor and number). */
  incidents: Array<{ seq: number; incident: Incident }>;
  /** Effects to persist. */
  outbox: OutboxRecord[];
  /** Rollup rows to write in full; `merge` adds them to a row already stored (after a restart mid-bucket). */
  rollups: Array<{ size: RollupSize; row: RollupRecord; merge: boolean }>;
  /** Cupcake `active` rows to insert. */
  activeInserts: CupcakeActive[];
  /** Cupcake `active` keys to delete. */
  activeDeletes: Array<CupcakeActive["key"]>;
  /** Heartbeat memories to upsert (JSON-serialisable). */
  tracks: Array<{ seq: number; track: unknown }>;
  /** HTTP check-ins. */
  pings: PingRecord[];
}

/** An empty batch. */
export function emptyBatch(): WriteBatch {
  return { results: [], states: [], incidents: [], outbox: [], rollups: [], activeInserts: [], activeDeletes: [], tracks: [], pings: [] };
}

/** A monitor's state with its open incident, as loaded at start-up. */
export interface StoredState {
  /** Monitor id. */
  monitorId: string;
  /** The state (with `incident` when one is open). */
  state: MonitorState;
  /** Epoch ms of the last result. */
  lastResultAt?: number;
}

/** An incident with its monitor, for listings. */
export interface StoredIncident extends Incident {
  /** Monitor id. */
  monitorId: string;
}

/** Uptime and latency of one period. */
export interface PeriodStats {
  /** Checks in the period. */
  checks: number;
  /** Down checks. */
  failures: number;
  /** Degraded checks. */
  degraded: number;
  /** Seconds in an open incident. */
  downtimeSec: number;
  /** Percentage of checks not down (null without checks). */
  uptimePct: number | null;
  /** Mean latency (ms). */
  latencyAvgMs: number | null;
  /** Smallest latency (ms). */
  latencyMinMs: number | null;
  /** Largest latency (ms). */
  latencyMaxMs: number | null;
}

/** The periods uptime is reported for. */
export const UPTIME_PERIODS = ["24h", "7d", "30d", "90d", "365d"] as const;

/** One of the reported periods. */
export type UptimePeriod = (typeof UPTIME_PERIODS)[number];

/** How long each kind of data is kept. */
export interface Retention {
  /** Raw results (default 14 days). */
  resultsDays: number;
  /** Raw results whose health is up (default 2 days; never longer than resultsDays). */
  upResultsDays: number;
  /** Minute rollups. */
  minuteDays: number;
  /** Hour rollups. */
  hourDays: number;
  /** Day rollups (at least a year). */
  dayDays: number;
  /** Delivered outbox entries. */
  outboxDays: number;
}

/** Default retention. */
export const DEFAULT_RETENTION: Retention = { resultsDays: 14, upResultsDays: 2, minuteDays: 2, hourDays: 90, dayDays: 731, outboxDays: 7 };

/** A monitor's row for listings: definition, state, open incident, last result. */
export interface MonitorView extends StoredMonitor {
  /** Current status (pending when never observed). */
  status: MonitorStatus;
  /** Epoch ms of the last status change. */
  since?: number;
  /** Open incident. */
  incident?: Incident;
  /** Last result. */
  lastResult?: StoredResult;
}

/**
 * A commit that found the database held by another connection and wrote nothing (SQLite: the
 * checkpointer restarting the log holds the write lock for a moment). The writer tries again
 * shortly instead of waiting inside the commit, which would hold the event loop.
 */
export class StoreBusyError extends Error {
  constructor(cause: unknown) {
    super(`the database is busy: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "StoreBusyError";
  }
}

/** The store. */
export interface Store {
  /** Which implementation. */
  readonly dialect: "sqlite" | "postgres";
  /** The query builder, for the feature modules that keep their own tables (users, status pages, …). */
  readonly db: Kysely<Database>;
  /** Upserts definitions; file-defined monitors (`FILE_SOURCES`) not listed are marked removed. Returns id → seq for all. */
  syncMonitors(monitors: MonitorRecord[], at: number): Promise<Map<string, number>>;
  /** Upserts monitors defined at run time (Lovebeat services, created heartbeats), removing none. Returns their seqs. */
  addMonitors(monitors: MonitorRecord[], at: number): Promise<Map<string, number>>;
  /** Marks monitors removed (their history stays). */
  removeMonitors(ids: string[], at: number): Promise<void>;
  /** Heartbeat memories of monitors not removed, by monitor id. */
  loadTracks(): Promise<Map<string, unknown>>;
  /** Pings of a monitor, newest first. */
  pings(id: string, o: { limit: number; before?: number }): Promise<StoredPing[]>;
  /** Monitors defined at run time by a source (e.g. `lovebeat`), not removed. */
  monitorsBySource(source: string): Promise<StoredMonitor[]>;
  /** States and open incidents of monitors not removed. */
  loadStates(): Promise<StoredState[]>;
  /** Writes a batch in one transaction; returns the ids given to the outbox rows, in order. */
  commit(batch: WriteBatch): Promise<number[]>;
  /** Monitors not removed, with state, open incident and last result. */
  listMonitors(): Promise<MonitorView[]>;
  /** One monitor, or undefined. */
  getMonitor(id: string): Promise<MonitorView | undefined>;
  /** Results of a monitor, newest first, before `before` (epoch ms). */
  results(id: string, o: { limit: number; before?: number; after?: number }): Promise<StoredResult[]>;
  /** Incidents, newest first; `since`: only those open at or after that time (opened or resolved since, or still open). */
  incidents(o: { monitorId?: string; open?: boolean; limit: number; before?: number; since?: number }): Promise<StoredIncident[]>;
  /** Uptime and latency for every period, from rollups, in one query (all monitors when `ids` is absent). */
  uptime(now: number, ids?: string[]): Promise<Map<string, Record<UptimePeriod, PeriodStats>>>;
  /** One rollup row, for tests and merges. */
  rollup(size: RollupSize, seq: number, bucket: number): Promise<RollupRecord | undefined>;
  /** Every monitor's row for one bucket (to continue the open buckets after a restart). */
  rollupsAt(size: RollupSize, bucket: number): Promise<RollupRecord[]>;
  /** Rollup rows of a monitor in a time range, oldest first. */
  rollups(size: RollupSize, id: string, from: number, to: number): Promise<RollupRecord[]>;
  /** Deletes up to `batch` expired rows of each kind; returns how many went. */
  prune(now: number, retention: Retention, batch: number): Promise<number>;
  /** Outbox entries by status, oldest first. */
  outbox(status: StoredOutbox["status"], limit: number): Promise<StoredOutbox[]>;
  /** Marks outbox entries delivered (or dead). */
  markOutbox(ids: number[], status: "done" | "dead", at: number, error?: string): Promise<void>;
  /** Cupcake's `active` rows. */
  cupcakeActives(): Promise<CupcakeActive[]>;
  /** Queues deliveries (ignoring keys already queued) and marks the outbox entries they came from done, in one transaction. */
  enqueueDeliveries(rows: DeliveryRecord[], outboxIds: number[], at: number): Promise<void>;
  /** Pending deliveries due at `now`, oldest first. */
  dueDeliveries(now: number, limit: number): Promise<StoredDelivery[]>;
  /** Records an attempt's outcome: done, dead, or pending again with the next time. */
  markDeliveries(ids: number[], o: { status: StoredDelivery["status"]; at: number; notBefore?: number; error?: string; attempt?: boolean }): Promise<void>;
  /** Deliveries whose key starts with `prefix` (the notifications of one incident transition, per channel). */
  deliveriesByKeyPrefix(prefix: string): Promise<StoredDelivery[]>;
  /** Adds a silence; returns it. */
  addSilence(s: SilenceRecord, at: number): Promise<StoredSilence>;
  /** Silences that have not ended by `now`, oldest first. */
  silences(now: number): Promise<StoredSilence[]>;
  /** Ends a silence now (it stays listed as ended); false when there is none with that id. */
  expireSilence(id: number, at: number): Promise<boolean>;
  /** Deliveries by status, channel or key, newest first (the API lists the dead ones). */
  deliveries(o: { status?: StoredDelivery["status"]; channel?: string; key?: string; limit: number }): Promise<StoredDelivery[]>;
  /** Puts dead deliveries back to pending, due at `at`, with their attempts counted afresh (the last error is kept); returns how many were dead. */
  requeueDeliveries(keys: string[], at: number): Promise<number>;
  /** Raw results stored (for retention checks and benchmarks). */
  countResults(): Promise<number>;
  /** Closes connections. */
  close(): Promise<void>;
}
