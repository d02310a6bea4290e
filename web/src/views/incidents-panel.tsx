/** A monitor's incidents: when, how long, why; acknowledge, notes and the timeline of each. */
import { useEffect, useState } from "preact/hooks";
import { api, get, qs } from "../api.ts";
import { ErrorLine } from "../components/ui.tsx";
import { span, when } from "../format.ts";
import type { Incident, TimelineEntry } from "../types.ts";

const ENTRY_WORD: Record<string, string> = { opened: "Opened", notification: "Notified", note: "Note", acknowledged: "Acknowledged", resolved: "Resolved" };

function Timeline({ id, version }: { id: string; version: number }) {
  const [entries, setEntries] = useState<TimelineEntry[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    get<{ incident: { timeline: TimelineEntry[] } }>(`/api/v1/incidents/${encodeURIComponent(id)}`).then(
      (r) => setEntries(r.incident.timeline),
      (e: Error) => setError(e.message),
    );
  }, [id, version]);
  if (error) return <ErrorLine error={error} />;
  if (!entries) return <p class="muted">Loading…</p>;
  return (
    <ol class="timeline">
      {entries.map((e, i) => (
        <li key={i} class={`tl-${e.type}`}>
          <time>{when(e.at)}</time> <b>{ENTRY_WORD[e.type] ?? e.type}</b>
          {e.channel ? ` ${e.channel}` : ""}
          {e.event ? ` (${e.event}${e.status ? `, ${e.status}` : ""})` : ""}
          {e.author ? <span class="muted"> by {e.author}</span> : null}
          {e.text ? <div class="tl-text">{e.text}</div> : null}
        </li>
      ))}
    </ol>
  );
}

function IncidentItem({ i, now, editable, onChange }: { i: Incident; now: number; editable: boolean; onChange: () => void }) {
  const [open, setOpen] = useState(i.open);
  const [note, setNote] = useState("");
  const [error, setError] = useState<string>();
  const [version, setVersion] = useState(0);
  const act = async (path: string, body: unknown) => {
    setError(undefined);
    try {
      await api("POST", `/api/v1/incidents/${encodeURIComponent(i.id as string)}/${path}`, body);
      setNote("");
      setVersion((v) => v + 1);
      onChange();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <li class={`incident${i.open ? " open" : ""}`}>
      <div class="incident-head">
        <button class="link" aria-expanded={open} onClick={() => setOpen(!open)}>
          #{i.number}
        </button>
        <span class={`badge ${i.open ? "st-down" : "st-up"}`}>{i.open ? "Open" : "Resolved"}</span>
        <time>{when(i.openedAt)}</time>
        <span class="muted">{i.open ? `for ${span(now - i.openedAt)}` : `lasted ${span((i.durationSec ?? 0) * 1000)}`}</span>
        {i.acknowledged ? <span class="badge ack">Acknowledged by {i.acknowledged.author}</span> : null}
        {editable && i.open && i.id && !i.acknowledged ? (
          <button class="small" onClick={() => void act("ack", note ? { text: note } : {})}>
            Acknowledge
          </button>
        ) : null}
      </div>
      <p class="cause">{i.cause}</p>
      {open && i.id ? (
        <>
          <Timeline id={i.id} version={version} />
          {editable ? (
            <form
              class="note-form"
              onSubmit={(e) => {
                e.preventDefault();
                if (note.trim()) void act("notes", { text: note.trim() });
              }}
            >
              <input placeholder="Add a note (what you found, what you did)" aria-label={`Note on incident ${i.number}`} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
              <button type="submit" class="small" disabled={!note.trim()}>
                Add note
              </button>
            </form>
          ) : null}
        </>
      ) : null}
      <ErrorLine error={error} />
    </li>
  );
}

/** The panel; `version` changes make it fetch again (live updates). */
export function IncidentsPanel({ monitorId, editable, version }: { monitorId: string; editable: boolean; version: number }) {
  const [list, setList] = useState<Incident[]>();
  const [error, setError] = useState<string>();
  const [mine, setMine] = useState(0);
  useEffect(() => {
    get<{ incidents: Incident[] }>(`/api/v1/incidents${qs({ monitor: monitorId, limit: 20 })}`).then(
      (r) => {
        setList(r.incidents);
        setError(undefined);
      },
      (e: Error) => setError(e.message),
    );
  }, [monitorId, version, mine]);
  if (error) return <ErrorLine error={error} />;
  if (!list) return <p class="muted">Loading…</p>;
  if (!list.length) return <p class="muted">No incidents.</p>;
  const now = Date.now();
  return (
    <ul class="incidents">
      {list.map((i) => (
        <IncidentItem key={`${i.number}-${i.acknowledged ? 1 : 0}-${i.open ? 1 : 0}`} i={i} now={now} editable={editable} onChange={() => setMine((v) => v + 1)} />
      ))}
    </ul>
  );
}
