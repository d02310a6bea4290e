/**
 * Gotify channel: `POST {serverUrl}/message` with the application token in `X-Gotify-Key`
 * (a header, so the token never sits in a URL) and a JSON message.
 */
import { type Static, Type } from "@sinclair/typebox";
import { sendHttp } from "./http.ts";
import type { DeliveryResult, Notification, Notifier, Severity } from "./types.ts";

/** Settings of a Gotify channel. */
export const GotifySettings = Type.Object(
  {
    serverUrl: Type.String({ pattern: "^https?://", description: "Base URL of the Gotify server (`/message` is appended)." }),
    token: Type.String({ minLength: 1, secret: true, description: "Application token (Apps → create application)." }),
    priority: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 10,
        description: "Priority of alerts (0–10; 8 and above pop up on Android); default from the severity (critical 8, warning 5, info 3). Recoveries use at most 5.",
      }),
    ),
  },
  { additionalProperties: false, description: "Pushes notifications to a Gotify application." },
);

type Settings = Static<typeof GotifySettings>;

const PRIORITY: Record<Severity, number> = { critical: 8, warning: 5, info: 3, resolved: 5 };

function priorityOf(s: Settings, n: Notification): number {
  if (s.priority === undefined) return PRIORITY[n.severity];
  return n.kind === "incident.resolved" || n.kind === "digest" ? Math.min(s.priority, 5) : s.priority;
}

/** The Gotify channel. */
export const gotifyNotifier: Notifier<Settings> = {
  schema: GotifySettings,
  async send(s, n, ctx): Promise<DeliveryResult> {
    const body: Record<string, unknown> = {
      title: n.title,
      message: n.text.trim() === "" ? n.title : n.text,
      priority: priorityOf(s, n),
    };
    // Android opens this URL when the notification is tapped.
    if (n.url) body.extras = { "client::notification": { click: { url: n.url } } };
    const r = await sendHttp(
      { url: `${s.serverUrl.replace(/\/+$/, "")}/message`, headers: { "X-Gotify-Key": s.token }, body, signal: ctx.signal },
      ctx.now,
    );
    if (r.ok) return { ok: true };
    return { ok: false, retryable: r.retryable, ...(r.retryAfterMs !== undefined ? { retryAfterMs: r.retryAfterMs } : {}), error: r.error };
  },
};
