/** Maintenance windows: dated or recurring (cron with a time zone); monitors matched by labels. */
import { lines, listOf, ResourceEditor, type ResourceSpec } from "../components/resource-editor.tsx";
import { canEdit, type Session } from "../session.ts";

interface Window {
  name: string;
  matchers: string[];
  start?: string;
  end?: string;
  cron?: string;
  timezone?: string;
  duration?: string;
  comment?: string;
  open: { from: string; to: string } | null;
  monitors: number;
  source?: string;
  readOnly?: boolean;
  /** The window as written (API windows). */
  spec?: { matchers?: string[]; start?: string; end?: string; cron?: string; duration?: string | number; timezone?: string; comment?: string };
}

/** `2026-06-10T14:00` (local, for the input) from an ISO time. */
function localInput(iso: string | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const SPEC: ResourceSpec<Window> = {
  title: "Maintenance windows",
  noun: "window",
  list: listOf<Window>("/api/v1/maintenance", "windows"),
  keyOf: (w) => w.name,
  summary: (w) => (
    <>
      {w.open ? <span class="badge st-maintenance">Open until {new Date(w.open.to).toLocaleString()}</span> : null}{" "}
      <span class="muted">
        {w.cron ? `${w.cron} (${w.timezone ?? "UTC"}) for ${w.duration}` : `${w.start ? new Date(w.start).toLocaleString() : ""} → ${w.end ? new Date(w.end).toLocaleString() : ""}`} · {w.matchers.join(", ") || "every monitor"} · {w.monitors} monitor{w.monitors === 1 ? "" : "s"}
        {w.readOnly && w.source ? ` · from ${w.source}` : ""}
      </span>
    </>
  ),
  fields: [
    { key: "name", label: "Name", required: true, createOnly: true },
    { key: "matchers", label: "Monitors (matchers)", kind: "lines", hint: "One per line: group=shop, env=prod, monitor=~api-.*", wide: true },
    { key: "start", label: "Start", kind: "datetime", hint: "A dated window: start and end" },
    { key: "end", label: "End", kind: "datetime" },
    { key: "cron", label: "Or every (cron)", hint: "e.g. 0 3 * * 0 (Sundays 03:00)" },
    { key: "duration", label: "For", hint: "With cron, e.g. 2h" },
    { key: "timezone", label: "Time zone", hint: "IANA name, e.g. Europe/Berlin" },
    { key: "comment", label: "Comment", wide: true },
  ],
  inputsOf: (w) => {
    const s = w.spec ?? w;
    return { name: w.name, matchers: (s.matchers ?? []).join("\n"), start: localInput(s.start), end: localInput(s.end), cron: s.cron ?? "", duration: s.duration === undefined ? "" : String(s.duration), timezone: s.timezone ?? "", comment: s.comment ?? "" };
  },
  blank: { name: "", matchers: "", start: "", end: "", cron: "", duration: "", timezone: Intl.DateTimeFormat().resolvedOptions().timeZone, comment: "" },
  bodyOf: (i, w) => {
    const body: Record<string, unknown> = { name: w?.name ?? i.name, matchers: lines(i.matchers) };
    if (i.cron?.trim()) {
      if (!i.duration?.trim()) return "A recurring window needs a duration (For).";
      Object.assign(body, { cron: i.cron.trim(), duration: i.duration.trim(), ...(i.timezone?.trim() ? { timezone: i.timezone.trim() } : {}) });
    } else {
      if (!i.start || !i.end) return "Give a start and an end, or a cron expression and a duration.";
      Object.assign(body, { start: new Date(i.start).toISOString(), end: new Date(i.end).toISOString() });
    }
    if (i.comment?.trim()) body.comment = i.comment.trim();
    return body;
  },
  create: ["POST", "/api/v1/maintenance"],
  update: (w) => ["PUT", `/api/v1/maintenance/${encodeURIComponent(w.name)}`],
  remove: (w) => `/api/v1/maintenance/${encodeURIComponent(w.name)}`,
  writable: (w) => w.readOnly === false,
};

/** The page. */
export function Maintenance({ session }: { session: Session }) {
  return <ResourceEditor spec={SPEC} editable={canEdit(session)} intro={<p class="muted">During a window its monitors are shown in maintenance, their downtime is not counted and no alerts are sent.</p>} />;
}
