/**
 * Microsoft Teams: an Adaptive Card (1.4) in the message envelope that both Workflows webhooks and the
 * older incoming-webhook connectors accept.
 */
import { type Static, Type } from "@sinclair/typebox";
import { sendHttp } from "./http.ts";
import { clip, monitorLabel, monitorSummary } from "./slack.ts";
import type { DeliveryResult, Notification, Notifier, Severity } from "./types.ts";

/** Settings of a Teams channel. */
export const TeamsSettings = Type.Object(
  {
    url: Type.String({ pattern: "^https?://", description: "Teams Workflows (or incoming webhook) URL; it holds a signature.", secret: true }),
  },
  { additionalProperties: false, description: "Microsoft Teams: posts an Adaptive Card to a Workflows or incoming webhook URL." },
);

/** Adaptive Card container styles by severity. */
export const TEAMS_STYLES: Record<Severity, string> = { critical: "attention", warning: "warning", info: "accent", resolved: "good" };

/** At most this many monitors get a fact; Teams refuses messages over about 28 KB. */
const MAX_FACTS = 20;
const MAX_TEXT = 4000;

/** The Adaptive Card of a notification: coloured header, text, a fact per monitor, the time, a link. */
export function teamsCard(n: Notification): Record<string, unknown> {
  // DATE()/TIME() let Teams show the moment in the reader's own time zone; they take RFC 3339 without fractions.
  const at = new Date(n.at).toISOString().replace(/\.\d{3}Z$/, "Z");
  const facts = n.monitors.slice(0, MAX_FACTS).map((m) => ({ title: monitorLabel(m), value: monitorSummary(m).replace(/\n/g, " · ") }));
  if (n.monitors.length > MAX_FACTS) facts.push({ title: "More", value: `and ${n.monitors.length - MAX_FACTS} more monitors` });
  return {
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: "1.4",
    msteams: { width: "Full" },
    body: [
      {
        type: "Container",
        style: TEAMS_STYLES[n.severity],
        bleed: true,
        items: [{ type: "TextBlock", text: n.title, size: "Medium", weight: "Bolder", wrap: true }],
      },
      // Adaptive Cards' markdown needs a blank line for a line break.
      { type: "TextBlock", text: clip(n.text, MAX_TEXT).replace(/\n/g, "\n\n"), wrap: true },
      ...(facts.length > 0 ? [{ type: "FactSet", facts }] : []),
      { type: "TextBlock", text: `{{DATE(${at},SHORT)}} {{TIME(${at})}}`, isSubtle: true, size: "Small", wrap: true },
    ],
    ...(n.url ? { actions: [{ type: "Action.OpenUrl", title: "Open in Upbeat", url: n.url }] } : {}),
  };
}

/** The message envelope around the card. */
export function teamsMessage(n: Notification): Record<string, unknown> {
  return { type: "message", attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: teamsCard(n) }] };
}

/**
 * Old incoming-webhook connectors answer 200 with `Webhook message delivery failed with error: … HTTP error 429 …`
 * in the body (MicrosoftDocs/msteams-docs#1810, #7425): read the real outcome from that text.
 */
function connectorOutcome(r: DeliveryResult & { responseText?: string }): DeliveryResult {
  if (!r.ok || !r.responseText?.startsWith("Webhook message delivery failed")) return r;
  const status = Number(/HTTP error (\d{3})/.exec(r.responseText)?.[1] ?? 0);
  const retryable = status === 0 || status === 408 || status === 429 || status >= 500;
  return { ok: false, retryable, error: `Teams: ${r.responseText.slice(0, 200).replace(/https?:\/\/\S+/g, "<url>").replace(/\s+/g, " ")}` };
}

/** The Teams channel. */
export const teamsNotifier: Notifier<Static<typeof TeamsSettings>> = {
  schema: TeamsSettings,
  async send(s, n, ctx) {
    return connectorOutcome(await sendHttp({ url: s.url, method: "POST", body: teamsMessage(n), signal: ctx.signal }, ctx.now));
  },
};
