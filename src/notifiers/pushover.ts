/**
 * Pushover channel: one `messages.json` call per notification, form-encoded as Pushover's API
 * documents it. Emergency priority (2) repeats until acknowledged, so it needs `retry`/`expire`,
 * and recoveries and digests never go out above normal priority.
 */
import { type Static, Type } from "@sinclair/typebox";
import { sendHttp } from "./http.ts";
import type { DeliveryResult, Notification, Notifier } from "./types.ts";

const DEFAULT_API_URL = "https://api.pushover.net";
// Limits of the messages API (characters).
const MAX_MESSAGE = 1024;
const MAX_TITLE = 250;
const MAX_URL = 512;

/** Settings of a Pushover channel. */
export const PushoverSettings = Type.Object(
  {
    token: Type.String({ minLength: 1, secret: true, description: "API token of the Pushover application." }),
    user: Type.String({ minLength: 1, secret: true, description: "User or group key to deliver to." }),
    priority: Type.Optional(
      Type.Integer({
        minimum: -2,
        maximum: 2,
        default: 0,
        description: "Priority of alerts: -2 lowest … 1 high, 2 emergency (repeats until acknowledged). Recoveries and digests use at most 0.",
      }),
    ),
    retrySec: Type.Optional(
      Type.Integer({ minimum: 30, default: 60, description: "With priority 2: seconds between repeats (at least 30)." }),
    ),
    expireSec: Type.Optional(
      Type.Integer({ minimum: 30, maximum: 10_800, default: 3600, description: "With priority 2: seconds until repeating stops (at most 10800)." }),
    ),
    device: Type.Optional(Type.String({ minLength: 1, description: "Device name(s), comma-separated; default: all the user's devices." })),
    sound: Type.Optional(Type.String({ minLength: 1, description: "Notification sound name; default: the user's choice." })),
    apiUrl: Type.Optional(
      Type.String({ pattern: "^https?://", default: DEFAULT_API_URL, description: "Base URL of the Pushover API (`/1/messages.json` is appended)." }),
    ),
  },
  { additionalProperties: false, description: "Sends push notifications through Pushover." },
);

type Settings = Static<typeof PushoverSettings>;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function priorityOf(s: Settings, n: Notification): number {
  const p = s.priority ?? 0;
  return n.kind === "incident.resolved" || n.kind === "digest" ? Math.min(p, 0) : p;
}

function form(s: Settings, n: Notification): URLSearchParams {
  const priority = priorityOf(s, n);
  const f = new URLSearchParams({
    token: s.token,
    user: s.user,
    title: clip(n.title, MAX_TITLE),
    // Pushover rejects an empty message.
    message: clip(n.text.trim() === "" ? n.title : n.text, MAX_MESSAGE),
    priority: String(priority),
    timestamp: String(Math.floor(n.at / 1000)),
  });
  if (priority === 2) {
    f.set("retry", String(s.retrySec ?? 60));
    f.set("expire", String(s.expireSec ?? 3600));
  }
  if (n.url && n.url.length <= MAX_URL) {
    f.set("url", n.url);
    f.set("url_title", "Open in Upbeat");
  }
  if (s.device) f.set("device", s.device);
  if (s.sound) f.set("sound", s.sound);
  return f;
}

/** The Pushover channel. */
export const pushoverNotifier: Notifier<Settings> = {
  schema: PushoverSettings,
  async send(s, n, ctx): Promise<DeliveryResult> {
    const base = (s.apiUrl ?? DEFAULT_API_URL).replace(/\/+$/, "");
    const r = await sendHttp(
      {
        url: `${base}/1/messages.json`,
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: form(s, n).toString(),
        signal: ctx.signal,
      },
      ctx.now,
    );
    if (r.ok) return { ok: true };
    return { ok: false, retryable: r.retryable, ...(r.retryAfterMs !== undefined ? { retryAfterMs: r.retryAfterMs } : {}), error: r.error };
  },
};
