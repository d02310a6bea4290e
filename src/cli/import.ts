/**
 * `upbeat import lovebeat <lovebeat.db>`: takes a Lovebeat database file into Upbeat's store, so
 * services keep their last beat, timeout, beat history and mute, and alarms their state and
 * incident number. Lovebeat services are created by clients at run time rather than written in
 * configuration, so they go to the store, not to a config file. Services Upbeat already has are
 * left as they are.
 */
import { readFile } from "node:fs/promises";
import { loadFiles } from "../config/load.ts";
import { formatProblem, hasErrors } from "../config/problems.ts";
import type { MonitorState } from "../core/monitor-state.ts";
import { monitorRecord } from "../engine/records.ts";
import { parseLovebeatDb } from "../heartbeats/lovebeat/db-file.ts";
import { alarmId, lovebeatMonitor, restoredAlarmState, restoredTrack, serviceId } from "../heartbeats/lovebeat/hub.ts";
import { errorMessage } from "../lib/errors.ts";
import { emptyBatch, type MonitorRecord, type Store, type WriteBatch } from "../store/types.ts";
import { openConfiguredStore } from "./open-store.ts";

/** Options of `upbeat import lovebeat`. */
export interface ImportOptions {
  /** Config files (for the database settings). */
  config: string[];
  /** Data directory. */
  dataDir: string;
}

/** What `import` gets from the process. */
export interface ImportIo {
  /** Environment. */
  env: Readonly<Record<string, string | undefined>>;
  /** Standard output. */
  out: (s: string) => void;
  /** Standard error. */
  err: (s: string) => void;
  /** Clock. */
  now?: () => number;
}

/** Writes the services and alarms of a parsed database into the store; returns what was added and skipped. */
export async function importLovebeatInto(store: Store, db: ReturnType<typeof parseLovebeatDb>, at: number): Promise<{ services: number; alarms: number; kept: number }> {
  const have = new Set((await store.monitorsBySource("lovebeat")).map((m) => m.id));
  const records: MonitorRecord[] = [];
  const tracks = new Map<string, unknown>();
  const states = new Map<string, MonitorState>();
  let kept = 0;
  for (const s of db.services) {
    if (have.has(serviceId(s.name))) kept++;
    else {
      records.push(monitorRecord(lovebeatMonitor(serviceId(s.name), s.name, "services")));
      tracks.set(serviceId(s.name), restoredTrack(s));
      if (s.muted_since > 0) states.set(serviceId(s.name), { monitorId: serviceId(s.name), status: "paused", since: s.muted_since, failures: 0, successes: 0, lastIncidentNumber: 0 });
    }
  }
  for (const a of db.alarms) {
    if (have.has(alarmId(a.name))) kept++;
    else {
      records.push(monitorRecord(lovebeatMonitor(alarmId(a.name), a.name, "alarms")));
      tracks.set(alarmId(a.name), { createdAt: a.last_state_change, running: {}, timeoutMs: -1 });
      states.set(alarmId(a.name), restoredAlarmState(a));
    }
  }
  const seqs = await store.addMonitors(records, at);
  const batch: WriteBatch = emptyBatch();
  for (const [id, track] of tracks) batch.tracks.push({ seq: seqs.get(id) as number, track });
  for (const [id, state] of states) {
    const seq = seqs.get(id) as number;
    batch.states.push({ seq, state });
    if (state.incident) batch.incidents.push({ seq, incident: state.incident });
  }
  await store.commit(batch);
  return { services: db.services.filter((s) => !have.has(serviceId(s.name))).length, alarms: db.alarms.filter((a) => !have.has(alarmId(a.name))).length, kept };
}

/** Runs the import; returns the exit code (0 done, 1 failed, 2 bad input). */
export async function importCommand(kind: string, file: string, o: ImportOptions, io: ImportIo): Promise<number> {
  if (kind !== "lovebeat") {
    io.err(`upbeat: cannot import "${kind}"; supported: lovebeat (a Lovebeat database file)`);
    return 2;
  }
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (e) {
    io.err(`upbeat: cannot read ${file}: ${errorMessage(e)}`);
    return 2;
  }
  const db = parseLovebeatDb(buf);
  for (const p of db.problems) io.err(`${file}: ${p}`);
  if (!db.services.length && !db.alarms.length && db.problems.length) {
    io.err(`upbeat: ${file} holds no Lovebeat services or alarms`);
    return 2;
  }
  const { config, problems } = await loadFiles(o.config, { env: io.env });
  for (const p of problems) io.err(formatProblem(p));
  if (hasErrors(problems)) return 2;
  const opened = await openConfiguredStore(config, o.dataDir, io.env, io.err);
  if (!opened) return 1;
  const { store, label } = opened;
  try {
    const r = await importLovebeatInto(store, db, (io.now ?? Date.now)());
    io.out(`imported ${r.services} services and ${r.alarms} alarms from ${file} into ${label}${r.kept ? `; ${r.kept} already in Upbeat were left as they are` : ""}${db.skipped ? `; ${db.skipped} damaged lines skipped` : ""}\n`);
    return 0;
  } catch (e) {
    io.err(`upbeat: import failed: ${errorMessage(e)}`);
    return 1;
  } finally {
    await store.close();
  }
}
