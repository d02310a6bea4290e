/**
 * ntfy channel: publishes the text as the body of `POST {serverUrl}/{topic}`, with title,
 * priority, tags and click URL as headers. Header values outside ASCII are sent as RFC 2047
 * encoded words, which ntfy decodes (raw UTF-8 in headers is not portable).
 */
import { type Static, Type } from "@sinclair/typebox";
import { sendHttp } from "./http.ts";
import type { DeliveryResult, Notification, Notifier, Severity } from "./types.ts";

const DEFAULT_SERVER_URL = "https://ntfy.sh";
// ntfy turns longer messages into attachments (or refuses them where attachments are off).
const MAX_MESSAGE_BYTES = 4096;

/** Settings of an ntfy channel. */
export const NtfySettings = Type.Object(
  {
    serverUrl: Type.Optional(
      Type.String({ pattern: "^https?://", default: DEFAULT_SERVER_URL, description: "Base URL of the ntfy server (self-hosted, or ntfy.sh)." }),
    ),
    topic: Type.String({ pattern: "^[-_A-Za-z0-9]{1,64}$", description: "Topic to publish to (letters, digits, `-`, `_`; up to 64)." }),
    token: Type.Optional(Type.String({ minLength: 1, secret: true, description: "Access token (`tk_…`), sent as `Authorization: Bearer`." })),
    username: Type.Optional(Type.String({ minLength: 1, description: "User for basic authentication (when no token is set)." })),
    password: Type.Optional(Type.String({ secret: true, description: "Password for basic authentication." })),
    priority: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 5,
        description: "Priority of alerts (1 min … 5 urgent); default from the severity (critical 5, warning 4, info 3). Recoveries use at most 3.",
      }),
    ),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: "Extra tags (emoji short codes show as emoji)." })),
  },
  { additionalProperties: false, description: "Publishes notifications to an ntfy topic." },
);

type Settings = Static<typeof NtfySettings>;

const PRIORITY: Record<Severity, number> = { critical: 5, warning: 4, info: 3, resolved: 3 };
const TAG: Record<Severity, string> = { critical: "rotating_light", warning: "warning", info: "information_source", resolved: "white_check_mark" };

// One header line, ASCII only: RFC 2047 (`=?UTF-8?B?…?=`) for anything else.
function headerValue(text: string): string {
  const line = text.replace(/[\r\n]+/g, " ").trim();
  return /^[\x20-\x7e]*$/.test(line) ? line : `=?UTF-8?B?${Buffer.from(line, "utf8").toString("base64")}?=`;
}

function clipBytes(text: string, max: number): string {
  if (Buffer.byteLength(text, "utf8") <= max) return text;
  let out = "";
  let size = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch, "utf8");
    if (size + n > max - 3) break;
    out += ch;
    size += n;
  }
  return `${out}…`;
}

function headers(s: Settings, n: Notification): Record<string, string> {
  const alert = n.kind !== "incident.resolved" && n.kind !== "digest";
  const priority = s.priority === undefined ? PRIORITY[n.severity] : alert ? s.priority : Math.min(s.priority, 3);
  const h: Record<string, string> = {
    Title: headerValue(n.title),
    Priority: String(priority),
    Tags: headerValue([TAG[n.severity], ...(s.tags ?? [])].join(",")),
  };
  if (n.url) h.Click = headerValue(n.url);
  if (s.token) h.Authorization = `Bearer ${s.token}`;
  else if (s.username !== undefined) h.Authorization = `Basic ${Buffer.from(`${s.username}:${s.password ?? ""}`, "utf8").toString("base64")}`;
  return h;
}

/** The ntfy channel. */
export const ntfyNotifier: Notifier<Settings> = {
  schema: NtfySettings,
  async send(s, n, ctx): Promise<DeliveryResult> {
    const base = (s.serverUrl ?? DEFAULT_SERVER_URL).replace(/\/+$/, "");
    const body = clipBytes(n.text.trim() === "" ? n.title : n.text, MAX_MESSAGE_BYTES);
    const r = await sendHttp({ url: `${base}/${encodeURIComponent(s.topic)}`, headers: headers(s, n), body, signal: ctx.signal }, ctx.now);
    if (r.ok) return { ok: true };
    return { ok: false, retryable: r.retryable, ...(r.retryAfterMs !== undefined ? { retryAfterMs: r.retryAfterMs } : {}), error: r.error };
  },
};
