/**
 * Opsgenie channel (Alert API v2): an opened incident, a reminder or flapping creates an alert
 * whose alias is the incident's `dedupKey` (Opsgenie folds repeats into one alert), the resolve
 * closes the alert by that alias.
 */
import { type Static, Type } from "@sinclair/typebox";
import { sendHttp } from "./http.ts";
import type { DeliveryResult, Notification, Notifier, Severity } from "./types.ts";

const DEFAULT_API_URL = "https://api.opsgenie.com";
// Field limits of the create-alert request.
const MAX_MESSAGE = 130;
const MAX_ALIAS = 512;
const MAX_DESCRIPTION = 15_000;
const MAX_NOTE = 25_000;
const MAX_ENTITY = 512;
const MAX_DETAILS_TOTAL = 8_000;

const Priority = Type.Union([Type.Literal("P1"), Type.Literal("P2"), Type.Literal("P3"), Type.Literal("P4"), Type.Literal("P5")], {
  description: "Alert priority; default from the severity (critical P1, warning P3, info P5).",
});

/** Settings of an Opsgenie channel. */
export const OpsgenieSettings = Type.Object(
  {
    apiKey: Type.String({ minLength: 1, secret: true, description: "API key of an Opsgenie API integration (sent as `GenieKey`)." }),
    priority: Type.Optional(Priority),
    tags: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 20, default: ["upbeat"], description: "Tags put on every alert." }),
    ),
    apiUrl: Type.Optional(
      Type.String({
        pattern: "^https?://",
        default: DEFAULT_API_URL,
        description: "Base URL of the Alert API; `https://api.eu.opsgenie.com` for the EU region.",
      }),
    ),
  },
  { additionalProperties: false, description: "Creates and closes Opsgenie alerts." },
);

type Settings = Static<typeof OpsgenieSettings>;

const PRIORITY: Record<Severity, "P1" | "P3" | "P5"> = { critical: "P1", warning: "P3", info: "P5", resolved: "P5" };

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

// Opsgenie's details are string → string, limited in total size.
function details(n: Notification): Record<string, string> {
  const m = n.monitors[0];
  const all: Array<[string, string | undefined]> = [
    ["kind", n.kind],
    ["severity", n.severity],
    ["monitor", m?.name],
    ["group", m && m.group.length > 0 ? m.group.join(" / ") : undefined],
    ["target", m?.target],
    ["cause", m?.cause],
    ["incident", m?.incident !== undefined ? String(m.incident) : undefined],
    ["monitors", n.monitors.length > 1 ? n.monitors.map((x) => x.name).join(", ") : undefined],
    ["url", n.url],
  ];
  const out: Record<string, string> = {};
  let size = 0;
  for (const [k, v] of all) {
    if (v === undefined || size + k.length + v.length > MAX_DETAILS_TOTAL) continue;
    out[k] = v;
    size += k.length + v.length;
  }
  return out;
}

function createBody(s: Settings, n: Notification): Record<string, unknown> {
  const m = n.monitors[0];
  return {
    message: clip(n.title, MAX_MESSAGE),
    alias: n.dedupKey.slice(0, MAX_ALIAS),
    description: clip(n.url ? `${n.text}\n\n${n.url}` : n.text, MAX_DESCRIPTION),
    priority: s.priority ?? PRIORITY[n.severity],
    tags: s.tags ?? ["upbeat"],
    details: details(n),
    ...(m ? { entity: clip(m.name, MAX_ENTITY) } : {}),
    source: "Upbeat",
  };
}

/** The Opsgenie channel. */
export const opsgenieNotifier: Notifier<Settings> = {
  schema: OpsgenieSettings,
  async send(s, n, ctx): Promise<DeliveryResult> {
    // A digest is a summary, not an alert for someone on call.
    if (n.kind === "digest") return { ok: true, detail: "not sent: Opsgenie takes no digest notifications" };
    const base = `${(s.apiUrl ?? DEFAULT_API_URL).replace(/\/+$/, "")}/v2/alerts`;
    const alias = n.dedupKey.slice(0, MAX_ALIAS);
    const req =
      n.kind === "incident.resolved"
        ? { url: `${base}/${encodeURIComponent(alias)}/close?identifierType=alias`, body: { source: "Upbeat", note: clip(n.text, MAX_NOTE) } }
        : { url: base, body: createBody(s, n) };
    const r = await sendHttp({ ...req, headers: { Authorization: `GenieKey ${s.apiKey}` }, signal: ctx.signal }, ctx.now);
    if (r.ok) return { ok: true };
    return { ok: false, retryable: r.retryable, ...(r.retryAfterMs !== undefined ? { retryAfterMs: r.retryAfterMs } : {}), error: r.error };
  },
};
