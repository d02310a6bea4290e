/**
 * PagerDuty channel (Events API v2): an opened incident, a reminder or flapping triggers an alert,
 * the resolve closes it; both carry the incident's `dedupKey` so PagerDuty pairs them.
 */
import { type Static, Type } from "@sinclair/typebox";
import { sendHttp } from "./http.ts";
import type { DeliveryResult, Notification, Notifier, Severity } from "./types.ts";

const DEFAULT_API_URL = "https://events.pagerduty.com";
const MAX_SUMMARY_CHARS = 1024;
const MAX_DEDUP_KEY_CHARS = 255;

/** Settings of a PagerDuty channel. */
export const PagerDutySettings = Type.Object(
  {
    routingKey: Type.String({
      minLength: 1,
      secret: true,
      description: "Integration key of an Events API v2 integration on a service or ruleset (32 characters).",
    }),
    source: Type.Optional(
      Type.String({ minLength: 1, description: "`payload.source` of every event; default: the monitor's target, else its name." }),
    ),
    apiUrl: Type.Optional(
      Type.String({ pattern: "^https?://", default: DEFAULT_API_URL, description: "Base URL of the Events API (`/v2/enqueue` is appended)." }),
    ),
  },
  { additionalProperties: false, description: "Triggers and resolves PagerDuty alerts through the Events API v2." },
);

type PagerDutyAction = "trigger" | "resolve";

const SEVERITY: Record<Severity, "critical" | "warning" | "info"> = { critical: "critical", warning: "warning", info: "info", resolved: "info" };

// Digests are summaries, not alerts: paging someone for one would be wrong.
function actionOf(n: Notification): PagerDutyAction | undefined {
  switch (n.kind) {
    case "incident.resolved":
      return "resolve";
    case "digest":
      return undefined;
    default:
      return "trigger";
  }
}

function triggerPayload(s: Static<typeof PagerDutySettings>, n: Notification): Record<string, unknown> {
  const m = n.monitors[0];
  const summary = n.title.length > MAX_SUMMARY_CHARS ? `${n.title.slice(0, MAX_SUMMARY_CHARS - 1)}…` : n.title;
  return {
    summary,
    source: s.source ?? m?.target ?? m?.name ?? "upbeat",
    severity: SEVERITY[n.severity],
    timestamp: new Date(n.at).toISOString(),
    ...(m ? { component: m.name } : {}),
    ...(m && m.group.length > 0 ? { group: m.group.join(" / ") } : {}),
    custom_details: {
      kind: n.kind,
      text: n.text,
      monitors: n.monitors.map((x) => ({ id: x.id, name: x.name, status: x.status, target: x.target, cause: x.cause, incident: x.incident, labels: x.labels })),
    },
  };
}

// The Events API v2 body; `undefined` when the kind is not sent to PagerDuty.
function pagerDutyEvent(s: Static<typeof PagerDutySettings>, n: Notification): Record<string, unknown> | undefined {
  const action = actionOf(n);
  if (!action) return undefined;
  const base = { routing_key: s.routingKey, event_action: action, dedup_key: n.dedupKey.slice(0, MAX_DEDUP_KEY_CHARS) };
  if (action === "resolve") return base;
  return {
    ...base,
    payload: triggerPayload(s, n),
    client: "Upbeat",
    ...(n.url ? { client_url: n.url, links: [{ href: n.url, text: "Open in Upbeat" }] } : {}),
  };
}

/** The PagerDuty channel. */
export const pagerDutyNotifier: Notifier<Static<typeof PagerDutySettings>> = {
  schema: PagerDutySettings,
  async send(s, n, ctx): Promise<DeliveryResult> {
    const event = pagerDutyEvent(s, n);
    if (!event) return { ok: true, detail: `not sent: PagerDuty takes no ${n.kind} notifications` };
    const base = (s.apiUrl ?? DEFAULT_API_URL).replace(/\/+$/, "");
    const r = await sendHttp({ url: `${base}/v2/enqueue`, body: event, signal: ctx.signal }, ctx.now);
    if (r.ok) return { ok: true };
    return { ok: false, retryable: r.retryable, ...(r.retryAfterMs !== undefined ? { retryAfterMs: r.retryAfterMs } : {}), error: r.error };
  },
};
