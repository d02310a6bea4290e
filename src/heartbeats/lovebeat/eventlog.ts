/** Lovebeat's JSON-lines event log (compat §2.10): the line builders and a rotate-aware append-only writer. */
import type { FileHandle } from "node:fs/promises";
import { open, stat } from "node:fs/promises";
import { goJsonCompact } from "./json.ts";
import type { LovebeatAlarmRecord, LovebeatAlarmState, LovebeatServiceRecord, LovebeatServiceState } from "./model.ts";

/** A service as `service_state_changed` carries it: Go's struct without `beat_history` and `in_alarms`. */
export type LovebeatEventService = Omit<LovebeatServiceRecord, "beat_history" | "in_alarms">;

/** One event-log line; the payload key repeats `type`, as Lovebeat's `{"ts","type",<type>}` map does. */
export type LovebeatEvent =
  | { ts: number; type: "service_added"; service_added: { service: LovebeatServiceRecord } }
  | {
      ts: number;
      type: "service_state_changed";
      service_state_changed: { service: LovebeatEventService; previous: LovebeatServiceState; current: LovebeatServiceState };
    }
  | { ts: number; type: "service_removed"; service_removed: { service: LovebeatServiceRecord } }
  | { ts: number; type: "alarm_added"; alarm_added: { alarm: LovebeatAlarmRecord } }
  | {
      ts: number;
      type: "alarm_state_changed";
      alarm_state_changed: { alarm: LovebeatAlarmRecord; previous: LovebeatAlarmState; current: LovebeatAlarmState };
    }
  | { ts: number; type: "alarm_removed"; alarm_removed: { alarm: LovebeatAlarmRecord } };

/** The event types Lovebeat logs. */
export type LovebeatEventType = LovebeatEvent["type"];

// Rebuilt field by field so the JSON keys come out in Go's struct order whatever the caller's object looks like.
function baseService(s: LovebeatServiceRecord): LovebeatEventService {
  return { name: s.name, last_beat: s.last_beat, timeout: s.timeout, state: s.state, muted_since: s.muted_since, last_state_change: s.last_state_change };
}

function fullService(s: LovebeatServiceRecord): LovebeatServiceRecord {
  // Go's omitempty: beat_history (between last_beat and timeout) and in_alarms (last) are left out when empty.
  const history = s.beat_history && s.beat_history.length > 0 ? { beat_history: [...s.beat_history] } : {};
  const alarms = s.in_alarms && s.in_alarms.length > 0 ? { in_alarms: [...s.in_alarms] } : {};
  const { name, last_beat, timeout, state, muted_since, last_state_change } = s;
  return { name, last_beat, ...history, timeout, state, muted_since, last_state_change, ...alarms };
}

function alarmOf(a: LovebeatAlarmRecord): LovebeatAlarmRecord {
  // A nil slice in Go marshals as null, so null stays null.
  const failed = a.failed_services === null ? null : [...a.failed_services];
  return { name: a.name, state: a.state, incident_nbr: a.incident_nbr, failed_services: failed, last_state_change: a.last_state_change };
}

/** `service_added`: a service appeared (beat, API call or DB load). */
export function serviceAddedEvent(ts: number, service: LovebeatServiceRecord): LovebeatEvent {
  return { ts, type: "service_added", service_added: { service: fullService(service) } };
}

/** `service_state_changed`: logged only when the state really changed; the service is shown without history and alarms. */
export function serviceStateChangedEvent(ts: number, service: LovebeatServiceRecord, previous: LovebeatServiceState, current: LovebeatServiceState): LovebeatEvent {
  return { ts, type: "service_state_changed", service_state_changed: { service: baseService(service), previous, current } };
}

/** `service_removed`: a service was deleted through the API. */
export function serviceRemovedEvent(ts: number, service: LovebeatServiceRecord): LovebeatEvent {
  return { ts, type: "service_removed", service_removed: { service: fullService(service) } };
}

/** `alarm_added`: an alarm was created from its template. */
export function alarmAddedEvent(ts: number, alarm: LovebeatAlarmRecord): LovebeatEvent {
  return { ts, type: "alarm_added", alarm_added: { alarm: alarmOf(alarm) } };
}

/** `alarm_state_changed`: an alarm moved between new/ok/error. */
export function alarmStateChangedEvent(ts: number, alarm: LovebeatAlarmRecord, previous: LovebeatAlarmState, current: LovebeatAlarmState): LovebeatEvent {
  return { ts, type: "alarm_state_changed", alarm_state_changed: { alarm: alarmOf(alarm), previous, current } };
}

/** `alarm_removed`: an alarm was deleted through the API. */
export function alarmRemovedEvent(ts: number, alarm: LovebeatAlarmRecord): LovebeatEvent {
  return { ts, type: "alarm_removed", alarm_removed: { alarm: alarmOf(alarm) } };
}

/** The text of one log line: Go's compact `json.Marshal` plus `\n`. */
export function eventLine(event: LovebeatEvent): string {
  return `${goJsonCompact(event)}\n`;
}

/** Options of {@link EventLog.open}. */
export interface EventLogOptions {
  /** Called for every failed open or write; the log itself never throws into the caller. */
  onError?: (err: Error) => void;
  /** How often at most the path is checked for rotation (default 1000 ms; 0 = before every write). */
  checkIntervalMs?: number;
  /** Lines kept while the disk is slow; beyond this new lines are dropped (default 10000). */
  maxPendingLines?: number;
}

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

/**
 * Append-only JSON-lines writer that follows logrotate: when the path stops naming the open file
 * (renamed or removed), the next write creates a fresh file there, like Lovebeat's `rfw` writer.
 */
export class EventLog {
  /** Lines written to disk. */
  written = 0;
  /** Failed opens and writes. */
  errors = 0;
  /** Lines that never reached the disk: refused after close, over the pending limit, or in a failed write. */
  dropped = 0;

  private fh: FileHandle | undefined;
  private ino = -1;
  private dev = -1;
  private lastCheckMs = 0;
  private pending: string[] = [];
  private draining: Promise<void> | undefined;
  private reopenWanted = false;
  private closed = false;
  private readonly checkIntervalMs: number;
  private readonly maxPendingLines: number;

  private constructor(
    private readonly path: string,
    private readonly mode: number,
    private readonly options: EventLogOptions,
  ) {
    this.checkIntervalMs = options.checkIntervalMs ?? 1000;
    this.maxPendingLines = options.maxPendingLines ?? 10_000;
  }

  /** Opens (creating with `mode`, subject to the umask as in Go) `path` for appending; rejects when it cannot be opened at start. */
  static async open(path: string, mode: number, options: EventLogOptions = {}): Promise<EventLog> {
    const log = new EventLog(path, mode, options);
    await log.openFile();
    return log;
  }

  /** Queues one event; never throws, problems go to `onError` and the counters. */
  write(event: LovebeatEvent): void {
    if (this.closed || this.pending.length >= this.maxPendingLines) {
      this.dropped++;
      return;
    }
    let line: string;
    try {
      line = eventLine(event);
    } catch (e) {
      this.fail(e, 1);
      return;
    }
    this.pending.push(line);
    void this.kick();
  }

  /** Reopens the path before the next write (for a SIGHUP after rotation); resolves once done. */
  async reopen(): Promise<void> {
    if (this.closed) return;
    this.reopenWanted = true;
    await this.flush();
  }

  /** Resolves when every queued line has been written (or failed). */
  async flush(): Promise<void> {
    if (this.pending.length > 0 || this.reopenWanted) void this.kick();
    while (this.draining) await this.draining;
  }

  /** Flushes and closes the file; later writes are dropped silently. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    await this.closeFile();
  }

  private kick(): Promise<void> {
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
      // A line queued between the loop's last check and here would otherwise wait for the next write.
      if (this.pending.length > 0) void this.kick();
    });
    return this.draining;
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0 || this.reopenWanted) {
      await this.ensureFile();
      if (this.pending.length === 0) continue;
      const lines = this.pending;
      this.pending = [];
      try {
        if (!this.fh) throw new Error(`event log ${this.path} is not open`);
        await this.fh.appendFile(lines.join(""));
        this.written += lines.length;
      } catch (e) {
        this.fail(e, lines.length);
        // Drop the handle so the next batch retries the open instead of the broken descriptor.
        await this.closeFile();
      }
    }
  }

  private async ensureFile(): Promise<void> {
    const forced = this.reopenWanted;
    this.reopenWanted = false;
    if (this.fh && !forced && !(await this.rotated())) return;
    await this.closeFile();
    try {
      await this.openFile();
    } catch (e) {
      this.fail(e, 0);
    }
  }

  private async rotated(): Promise<boolean> {
    const now = Date.now();
    if (now - this.lastCheckMs < this.checkIntervalMs) return false;
    this.lastCheckMs = now;
    try {
      const st = await stat(this.path);
      return st.ino !== this.ino || st.dev !== this.dev;
    } catch (e) {
      // Gone means rotated away; any other stat problem is no reason to leave a working descriptor.
      return (e as NodeJS.ErrnoException).code === "ENOENT";
    }
  }

  private async openFile(): Promise<void> {
    const fh = await open(this.path, "a", this.mode);
    try {
      const st = await fh.stat();
      this.ino = st.ino;
      this.dev = st.dev;
    } catch (e) {
      await fh.close().catch(() => undefined);
      throw e;
    }
    this.fh = fh;
    this.lastCheckMs = Date.now();
  }

  private async closeFile(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    if (fh) await fh.close().catch((e: unknown) => this.fail(e, 0));
  }

  private fail(e: unknown, lostLines: number): void {
    this.errors++;
    this.dropped += lostLines;
    try {
      this.options.onError?.(asError(e));
    } catch {
      // A throwing error callback must not break the writer.
    }
  }
}
