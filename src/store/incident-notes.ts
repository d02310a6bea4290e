/**
 * An incident's human timeline: notes and acknowledgements, kept in `incident_notes` beside the
 * incidents the engine writes. An acknowledgement is a row of kind `acknowledged`; the engine
 * reads those of open incidents at start so that reminders stay stopped across restarts.
 */
import type { Kysely } from "kysely";
import type { Database } from "./schema.ts";

/** What a timeline entry written by a person is. */
export type IncidentNoteKind = "note" | "acknowledged";

/** One note or acknowledgement. */
export interface IncidentNote {
  /** Row id. */
  id: number;
  /** Note or acknowledgement. */
  kind: IncidentNoteKind;
  /** Epoch ms written. */
  at: number;
  /** Who wrote it (user or API key owner name). */
  author: string;
  /** The text (may be empty for an acknowledgement). */
  text: string;
}

/** An incident's store key: the monitor's `seq` and the incident number. */
export interface IncidentKey {
  /** Monitor store key. */
  seq: number;
  /** Incident number within the monitor. */
  number: number;
}

const noteOf = (r: { id: number; kind: string; at: number; author: string; text: string }): IncidentNote => ({ id: Number(r.id), kind: r.kind as IncidentNoteKind, at: Number(r.at), author: r.author, text: r.text });

/** Adds a note or an acknowledgement; returns it. */
export async function addIncidentNote(db: Kysely<Database>, key: IncidentKey, note: Omit<IncidentNote, "id">): Promise<IncidentNote> {
  const row = await db
    .insertInto("incident_notes")
    .values({ monitor_seq: key.seq, incident_number: key.number, at: note.at, kind: note.kind, author: note.author, text: note.text })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { id: Number(row.id), ...note };
}

/** Notes and acknowledgements of one incident, oldest first. */
export async function incidentNotes(db: Kysely<Database>, key: IncidentKey): Promise<IncidentNote[]> {
  const rows = await db.selectFrom("incident_notes").select(["id", "kind", "at", "author", "text"]).where("monitor_seq", "=", key.seq).where("incident_number", "=", key.number).orderBy("at").orderBy("id").execute();
  return rows.map(noteOf);
}

/** The first acknowledgement of each of these incidents, by `seq/number`. */
export async function acknowledgements(db: Kysely<Database>, keys: readonly IncidentKey[]): Promise<Map<string, IncidentNote>> {
  const out = new Map<string, IncidentNote>();
  const seqs = [...new Set(keys.map((k) => k.seq))];
  for (let i = 0; i < seqs.length; i += 400) {
    const rows = await db
      .selectFrom("incident_notes")
      .select(["id", "kind", "at", "author", "text", "monitor_seq", "incident_number"])
      .where("kind", "=", "acknowledged")
      .where("monitor_seq", "in", seqs.slice(i, i + 400))
      .orderBy("at")
      .orderBy("id")
      .execute();
    for (const r of rows) {
      const k = `${Number(r.monitor_seq)}/${Number(r.incident_number)}`;
      if (!out.has(k)) out.set(k, noteOf(r));
    }
  }
  const wanted = new Set(keys.map((k) => `${k.seq}/${k.number}`));
  for (const k of out.keys()) if (!wanted.has(k)) out.delete(k);
  return out;
}

/** Open incidents that were acknowledged, by monitor id (monitors not removed). */
export async function acknowledgedOpen(db: Kysely<Database>): Promise<Map<string, { number: number; at: number; author: string }>> {
  const rows = await db
    .selectFrom("incident_notes as n")
    .innerJoin("incidents as i", (j) => j.onRef("i.monitor_seq", "=", "n.monitor_seq").onRef("i.number", "=", "n.incident_number"))
    .innerJoin("monitors as m", "m.seq", "n.monitor_seq")
    .where("n.kind", "=", "acknowledged")
    .where("i.resolved_at", "is", null)
    .where("m.removed_at", "is", null)
    .select(["m.id", "n.incident_number", "n.at", "n.author"])
    .orderBy("n.at")
    .execute();
  const out = new Map<string, { number: number; at: number; author: string }>();
  for (const r of rows) if (!out.has(r.id)) out.set(r.id, { number: Number(r.incident_number), at: Number(r.at), author: r.author });
  return out;
}
