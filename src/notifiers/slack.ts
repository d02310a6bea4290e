/**
 * Slack incoming webhook: a coloured attachment per notification; Cupcake's `{"text", "link_names"}`
 * (compat §1.6) and Lovebeat's attachment (compat §2.9) byte for byte for alerts from those tools.
 */
import { type Static, Type } from "@sinclair/typebox";
import { sendHttp } from "./http.ts";
import type { LovebeatCompat, Notification, NotifiedMonitor, Notifier, Severity } from "./types.ts";
import { lovebeatJson } from "./webhook.ts";

/** Settings of a Slack channel. */
export const SlackSettings = Type.Object(
  {
    url: Type.String({ pattern: "^https?://", description: "Slack incoming webhook URL (holds its token).", secret: true }),
    channel: Type.Optional(Type.String({ description: "Channel to post in (`#ops`); Slack honours it for legacy webhooks only." })),
    username: Type.Optional(Type.String({ description: "Name to post as (legacy webhooks only)." })),
    iconUrl: Type.Optional(Type.String({ description: "Image URL of the poster's icon (legacy webhooks only)." })),
  },
  { additionalProperties: false, description: "Slack: posts to an incoming webhook." },
);

/** Slack's attachment colours by severity. */
export const SLACK_COLORS: Record<Severity, string> = { critical: "danger", warning: "warning", info: "#439FE0", resolved: "good" };

/** At most this many monitors get their own field; the rest are counted in one more. */
const MAX_FIELDS = 20;
/** Attachment text beyond this is cut (Slack collapses long text anyway). */
const MAX_TEXT = 4000;

/** Options of the shared Slack-format attachment (Mattermost uses it too). */
export interface AttachmentStyle {
  /** Colour per severity. */
  colors: Record<Severity, string>;
  /** Escapes text for the receiver's markup (Slack needs `&`, `<`, `>` as entities). */
  escape: (s: string) => string;
}

/** Escapes `&`, `<` and `>` as Slack requires in message text. */
export function slackEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** One line about a monitor: status, cause, outage length, target. */
export function monitorSummary(m: NotifiedMonitor): string {
  const parts = [m.status.toUpperCase()];
  if (m.cause && m.status !== "up") parts.push(m.cause);
  if (m.durationText) parts.push(`down for ${m.durationText}`);
  return parts.join(" · ") + (m.target ? `\n${m.target}` : "");
}

/** A monitor's name with its groups, `shop / checkout`. */
export function monitorLabel(m: NotifiedMonitor): string {
  return [...m.group, m.name].join(" / ");
}

/** Cuts `s` to `max` characters, ending with `…` when cut. */
export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** The Slack-format attachment of a notification: colour, linked title, text, a field per monitor, time. */
export function slackAttachment(n: Notification, style: AttachmentStyle): Record<string, unknown> {
  const e = style.escape;
  const fields = n.monitors.slice(0, MAX_FIELDS).map((m) => ({ title: e(monitorLabel(m)), value: e(monitorSummary(m)), short: n.monitors.length > 1 }));
  if (n.monitors.length > MAX_FIELDS) fields.push({ title: "More", value: `and ${n.monitors.length - MAX_FIELDS} more monitors`, short: false });
  return {
    fallback: e(n.title),
    color: style.colors[n.severity],
    title: e(n.title),
    ...(n.url ? { title_link: n.url } : {}),
    text: e(clip(n.text, MAX_TEXT)),
    fields,
    footer: "Upbeat",
    ts: Math.floor(n.at / 1000),
  };
}

/** Lovebeat's icon, as Lovebeat sends it. */
const LOVEBEAT_ICON = "https://cdn.rawgit.com/boivie/lovebeat/a440f41aaf74be2e14b14a8f470456b71fc3e64e/docs/lovebeat-48.png";

/** Lovebeat's Slack body for an alarm transition (compat §2.9), as Go encodes it. */
export function lovebeatSlackBody(c: LovebeatCompat, channel: string | undefined): string {
  const prev = c.previous.toUpperCase();
  const cur = c.current.toUpperCase();
  const error = c.current === "error";
  const fields = [
    { title: "Alarm", value: c.alarm, short: true },
    { title: "Incident Number", value: `#${c.incident}`, short: true },
    ...(error ? [{ title: "Failed Service(s)", value: c.failedServices.join(", "), short: false }] : []),
  ];
  const attachment = {
    fallback: `lovebeat: ${c.alarm} changed from ${prev} to ${cur}`,
    color: error ? "danger" : "good",
    title: `<${c.publicUrl}alarms/${c.alarm}|${c.alarm}> ${error ? "is in ERROR" : "has recovered"}`,
    text: `Changed from ${prev} to ${cur}.`,
    fields,
  };
  return lovebeatJson({ username: "Lovebeat", icon_url: LOVEBEAT_ICON, channel: channel ?? "", attachments: [attachment] });
}

/** A JSON string as Python's `json.dumps` writes it (ASCII only: everything outside space..`~` as `\uXXXX`). */
function pythonJsonString(s: string): string {
  return JSON.stringify(s).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Cupcake's Slack body (compat §1.6), as python-requests serialises it. */
export function cupcakeSlackBody(message: string): string {
  return `{"text": ${pythonJsonString(message)}, "link_names": 1}`;
}

/** Upbeat's Slack message: fallback text plus one coloured attachment. */
export function slackMessage(s: Static<typeof SlackSettings>, n: Notification): Record<string, unknown> {
  return {
    ...(s.channel ? { channel: s.channel } : {}),
    ...(s.username ? { username: s.username } : {}),
    ...(s.iconUrl ? { icon_url: s.iconUrl } : {}),
    text: slackEscape(n.title),
    attachments: [slackAttachment(n, { colors: SLACK_COLORS, escape: slackEscape })],
  };
}

/** The Slack channel. */
export const slackNotifier: Notifier<Static<typeof SlackSettings>> = {
  schema: SlackSettings,
  async send(s, n, ctx) {
    const post = (body: unknown, headers: Record<string, string>) => sendHttp({ url: s.url, method: "POST", headers, body, signal: ctx.signal }, ctx.now);
    if (n.compat?.tool === "cupcake") return post(cupcakeSlackBody(n.compat.message), { "Content-Type": "application/json" });
    if (n.compat?.tool === "lovebeat") {
      const headers = { "Content-Type": "application/json", Accept: "application/json", "User-Agent": "Lovebeat" };
      return post(lovebeatSlackBody(n.compat, s.channel), headers);
    }
    return post(slackMessage(s, n), { "Content-Type": "application/json" });
  },
};
