/** Notification channels: list, test, create, edit, delete (secrets are write-only: shown masked). */
import { api } from "../api.ts";
import { jsonField, listOf, ResourceEditor, type ResourceSpec } from "../components/resource-editor.tsx";
import { canEdit, type Session } from "../session.ts";

const KINDS = ["webhook", "slack", "discord", "teams", "mattermost", "telegram", "pagerduty", "opsgenie", "pushover", "ntfy", "gotify", "matrix", "email", "mailgun", "script", "sns"] as const;

interface Channel {
  name: string;
  type: string;
  settings: Record<string, unknown>;
  source?: string;
  readOnly?: boolean;
  active?: boolean;
  /** The entry as written (secrets masked). */
  spec?: Record<string, unknown>;
}

function settingsOf(c: Channel): Record<string, unknown> {
  const { name: _n, type: _t, ...rest } = c.spec ?? c.settings;
  return rest;
}

const SPEC: ResourceSpec<Channel> = {
  title: "Notification channels",
  noun: "channel",
  list: listOf<Channel>("/api/v1/channels", "channels"),
  keyOf: (c) => c.name,
  summary: (c) => (
    <>
      <span class="tag">{c.type}</span>
      {c.readOnly && c.source ? <span class="muted"> from {c.source}</span> : null}
      {c.active === false ? <span class="muted"> (not in force)</span> : null}
    </>
  ),
  fields: [
    { key: "name", label: "Name", required: true, createOnly: true },
    { key: "type", label: "Type", kind: "select", options: KINDS },
    { key: "settings", label: "Settings (JSON)", kind: "json", wide: true, hint: "As in a configuration file, e.g. {\"url\": \"https://…\"}. Secrets show as ******** and keep their value unless replaced." },
  ],
  inputsOf: (c) => ({ name: c.name, type: c.type, settings: JSON.stringify(settingsOf(c), null, 2) }),
  blank: { name: "", type: "webhook", settings: '{\n  "url": "https://"\n}' },
  bodyOf: (i, c) => {
    const settings = jsonField("settings", i.settings ?? "");
    if (typeof settings === "string") return settings;
    return { ...settings, name: c?.name ?? i.name, type: i.type };
  },
  create: ["POST", "/api/v1/channels"],
  update: (c) => ["PUT", `/api/v1/channels/${encodeURIComponent(c.name)}`],
  remove: (c) => `/api/v1/channels/${encodeURIComponent(c.name)}`,
  writable: (c) => c.readOnly === false,
  rowActions: (c, done) => (
    <button
      onClick={() =>
        void api<{ delivered: boolean; error?: string }>("POST", `/api/v1/channels/${encodeURIComponent(c.name)}/test`).then(
          (r) => done(r.delivered ? `Test message sent to ${c.name}.` : `Test to ${c.name} failed: ${r.error ?? "not delivered"}`),
          (e: Error) => done(`Test to ${c.name} failed: ${e.message}`),
        )
      }
    >
      Send test
    </button>
  ),
};

/** The page. */
export function Channels({ session }: { session: Session }) {
  return <ResourceEditor spec={SPEC} editable={canEdit(session)} />;
}
