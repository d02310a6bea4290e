/** Lovebeat's data model (compat §2.3): the JSON shapes of services and alarms, and their special values. */

/** States of a Lovebeat service; `new` is transient until the first evaluation. */
export type LovebeatServiceState = "new" | "ok" | "error" | "muted";

/** States of a Lovebeat alarm. */
export type LovebeatAlarmState = "new" | "ok" | "error";

/** Timeout value meaning "no timeout" (`-1`). */
export const TIMEOUT_CLEAR = -1;

/** Timeout value meaning "automatic timeout from the beat history" (`-2`). */
export const TIMEOUT_AUTO = -2;

/** How many beat intervals a service keeps in `beat_history`. */
export const BEAT_HISTORY_COUNT = 100;

/** Lovebeat's service-name pattern (`service/client.go:8`): lower case only. */
export const SERVICE_NAME_PATTERN = "[a-z0-9._-]+";

const SERVICE_NAME_RE = new RegExp(`^${SERVICE_NAME_PATTERN}$`);

/** Whether `name` is a valid Lovebeat service (or alarm route) name. */
export function isLovebeatServiceName(name: string): boolean {
  return SERVICE_NAME_RE.test(name);
}

/** A service as Lovebeat stores it (field names and order of `model.Service`). */
export interface LovebeatServiceRecord {
  /** Service name, `[a-z0-9._-]+`. */
  name: string;
  /** Time of the last beat, ms since the epoch; `-1` if it never beat. */
  last_beat: number;
  /** The last ≤ 100 intervals between beats, in ms, oldest first; omitted when empty. */
  beat_history?: number[];
  /** Timeout in ms, or `-1` (none), `-2` (auto), `0` (always in error). */
  timeout: number;
  /** Current state. */
  state: LovebeatServiceState;
  /** When the service was muted, ms since the epoch; `0` when not muted. */
  muted_since: number;
  /** When the state last changed, ms since the epoch. */
  last_state_change: number;
  /** Names of the alarms the service is in; omitted when empty (never stored in the DB file). */
  in_alarms?: string[];
}

/** An alarm as Lovebeat stores it (field names and order of `model.Alarm`). */
export interface LovebeatAlarmRecord {
  /** Alarm name, expanded from its template. */
  name: string;
  /** Current state. */
  state: LovebeatAlarmState;
  /** Incident counter, raised when the alarm leaves `ok` or `new`. */
  incident_nbr: number;
  /** Names of the member services in error: an array in API replies, `null` in the DB file. */
  failed_services: string[] | null;
  /** When the state last changed, ms since the epoch. */
  last_state_change: number;
}
