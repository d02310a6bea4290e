/** Lovebeat's database file (compat §2.11): gzip text, `SERV\t<json>` and `ALARM\t<json>` lines. No file system here. */
import { constants, gunzipSync, gzipSync } from "node:zlib";
import { goJsonCompact } from "./json.ts";
import type { LovebeatAlarmRecord, LovebeatAlarmState, LovebeatServiceRecord, LovebeatServiceState } from "./model.ts";

/** The records of a Lovebeat database. */
export interface LovebeatDb {
  /** Services, one per name. */
  services: LovebeatServiceRecord[];
  /** Alarms, one per name (kept after the alarm is deleted through the API, as Lovebeat does). */
  alarms: LovebeatAlarmRecord[];
}

/** What was read from a database file. */
export interface ParsedLovebeatDb extends LovebeatDb {
  /** Lines skipped: unknown prefix, broken JSON, no name. */
  skipped: number;
  /** What went wrong, in words (damaged gzip, skipped lines, repaired fields); empty for a clean file. */
  problems: string[];
}

const SERV = "SERV\t";
const ALARM = "ALARM\t";
const SERVICE_STATES: readonly string[] = ["new", "ok", "error", "muted"] satisfies LovebeatServiceState[];
const ALARM_STATES: readonly string[] = ["new", "ok", "error"] satisfies LovebeatAlarmState[];
/** Skipped lines named one by one in `problems`, then summed up. */
const MAX_LINE_PROBLEMS = 20;

/** Reads a database file; never throws: damaged parts are skipped, counted and described. */
export function parseLovebeatDb(buf: Buffer): ParsedLovebeatDb {
  const problems: string[] = [];
  const text = decompress(buf, problems);
  const services = new Map<string, LovebeatServiceRecord>();
  const alarms = new Map<string, LovebeatAlarmRecord>();
  let skipped = 0;
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const where = i === lines.length - 1 ? `line ${i + 1} (incomplete last line)` : `line ${i + 1}`;
    const res = parseLine(line, where, problems);
    if (typeof res === "string") {
      skipped++;
      if (skipped <= MAX_LINE_PROBLEMS) problems.push(`${where} skipped: ${res}`);
    } else if (res.kind === "service") services.set(res.record.name, res.record);
    else alarms.set(res.record.name, res.record);
  });
  if (skipped > MAX_LINE_PROBLEMS) problems.push(`${skipped - MAX_LINE_PROBLEMS} more lines skipped`);
  return { services: [...services.values()], alarms: [...alarms.values()], skipped, problems };
}

/** Writes a database file that Lovebeat (and {@link parseLovebeatDb}) reads: services, then alarms. */
export function serializeLovebeatDb(db: { services: readonly LovebeatServiceRecord[]; alarms: readonly LovebeatAlarmRecord[] }): Buffer {
  let text = "";
  for (const s of db.services) {
    const history = s.beat_history && s.beat_history.length > 0 ? s.beat_history : undefined;
    const record = { name: s.name, last_beat: s.last_beat, beat_history: history, timeout: s.timeout, state: s.state, muted_since: s.muted_since, last_state_change: s.last_state_change };
    text += `${SERV}${goJsonCompact(record)}\n`;
  }
  for (const a of db.alarms) {
    // Lovebeat stores its internal alarm, whose failed_services is always nil.
    const record = { name: a.name, state: a.state, incident_nbr: a.incident_nbr, failed_services: null, last_state_change: a.last_state_change };
    text += `${ALARM}${goJsonCompact(record)}\n`;
  }
  return gzipSync(Buffer.from(text, "utf8"));
}

/** Gunzips, salvaging what a truncated stream holds; plain text with Lovebeat records is read too. */
function decompress(buf: Buffer, problems: string[]): string {
  if (buf.length === 0) {
    problems.push("file is empty");
    return "";
  }
  if (buf[0] !== 0x1f || buf[1] !== 0x8b) {
    const text = buf.toString("utf8");
    if (text.startsWith(SERV) || text.startsWith(ALARM)) {
      problems.push("file is not gzip-compressed; read as plain text");
      return text;
    }
    problems.push("not a gzip file");
    return "";
  }
  try {
    return gunzipSync(buf).toString("utf8");
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    try {
      const partial = gunzipSync(buf, { finishFlush: constants.Z_SYNC_FLUSH }).toString("utf8");
      problems.push(`gzip data is truncated or damaged (${why}); kept the records read before the damage`);
      return partial;
    } catch {
      problems.push(`gzip data is damaged (${why}); nothing could be read`);
      return "";
    }
  }
}

type ParsedLine = { kind: "service"; record: LovebeatServiceRecord } | { kind: "alarm"; record: LovebeatAlarmRecord };

function parseLine(line: string, where: string, problems: string[]): ParsedLine | string {
  const kind = line.startsWith(SERV) ? "service" : line.startsWith(ALARM) ? "alarm" : undefined;
  if (!kind) return `unknown record type "${line.slice(0, 12)}"`;
  let json: unknown;
  try {
    json = JSON.parse(line.slice(kind === "service" ? SERV.length : ALARM.length));
  } catch {
    return "not valid JSON";
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return "not a JSON object";
  const obj = json as Record<string, unknown>;
  if (typeof obj.name !== "string" || obj.name === "") return "no name";
  const fix = new FieldFixer(obj, `${where} (${obj.name})`, problems);
  if (kind === "service") {
    const record: LovebeatServiceRecord = {
      name: obj.name,
      last_beat: fix.int("last_beat"),
      beat_history: fix.intArray("beat_history"),
      timeout: fix.int("timeout"),
      state: fix.state("state", SERVICE_STATES) as LovebeatServiceState,
      muted_since: fix.int("muted_since"),
      last_state_change: fix.int("last_state_change"),
    };
    if (record.beat_history === undefined) delete record.beat_history;
    return { kind, record };
  }
  const failed = obj.failed_services;
  const record: LovebeatAlarmRecord = {
    name: obj.name,
    state: fix.state("state", ALARM_STATES) as LovebeatAlarmState,
    incident_nbr: fix.int("incident_nbr"),
    failed_services: Array.isArray(failed) && failed.every((f) => typeof f === "string") ? (failed as string[]) : null,
    last_state_change: fix.int("last_state_change"),
  };
  return { kind, record };
}

/** Reads fields with Go's zero values for missing ones; a wrong type is repaired and reported. */
class FieldFixer {
  constructor(
    private readonly obj: Record<string, unknown>,
    private readonly where: string,
    private readonly problems: string[],
  ) {}

  int(key: string): number {
    const v = this.obj[key];
    if (v === undefined) return 0;
    if (Number.isSafeInteger(v)) return v as number;
    this.problems.push(`${this.where}: ${key} is not an integer; using 0`);
    return 0;
  }

  intArray(key: string): number[] | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v) && v.every((x) => Number.isSafeInteger(x))) return v.length > 0 ? (v as number[]) : undefined;
    this.problems.push(`${this.where}: ${key} is not a list of integers; dropped`);
    return undefined;
  }

  state(key: string, allowed: readonly string[]): string {
    const v = this.obj[key];
    if (typeof v === "string" && allowed.includes(v)) return v;
    this.problems.push(`${this.where}: ${key} ${JSON.stringify(v) ?? "missing"} is not one of ${allowed.join(", ")}; using "new"`);
    return "new";
  }
}
