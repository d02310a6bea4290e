/**
 * Matrix channel: sends an `m.room.message` through the client-server API. The transaction id is
 * derived from the notification's idempotency key, so a retried PUT after a lost response is
 * recognised by the homeserver and never posts the message twice.
 */
import { createHash } from "node:crypto";
import { type Static, Type } from "@sinclair/typebox";
import { sendHttp } from "./http.ts";
import type { DeliveryResult, Notification, Notifier } from "./types.ts";

/** Settings of a Matrix channel. */
export const MatrixSettings = Type.Object(
  {
    homeserverUrl: Type.String({ pattern: "^https?://", description: "Client-server API base URL of the homeserver (e.g. `https://matrix.example.org`)." }),
    accessToken: Type.String({ minLength: 1, secret: true, description: "Access token of the (bot) account that posts; it must have joined the room." }),
    roomId: Type.String({ pattern: "^!.+", description: "Room id (`!opaque:server`, from the room's advanced settings); not an alias." }),
  },
  { additionalProperties: false, description: "Posts notifications into a Matrix room." },
);

type Settings = Static<typeof MatrixSettings>;

const MAX_BODY_CHARS = 16_000;

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function clip(text: string): string {
  return text.length > MAX_BODY_CHARS ? `${text.slice(0, MAX_BODY_CHARS)}…` : text;
}

function content(n: Notification): Record<string, string> {
  const text = clip(n.text.trim());
  const plain = [n.title, text, n.url ?? ""].filter((p) => p !== "").join("\n");
  const html = [`<b>${escapeHtml(n.title)}</b>`, escapeHtml(text).replace(/\n/g, "<br>"), n.url ? `<a href="${escapeHtml(n.url)}">Open in Upbeat</a>` : ""]
    .filter((p) => p !== "")
    .join("<br>");
  return { msgtype: "m.text", body: plain, format: "org.matrix.custom.html", formatted_body: html };
}

// encodeURIComponent leaves `!` (which starts every room id) and `'()*` as they are; the spec's examples encode them.
function encodePathSegment(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

// Same key → same transaction id; hashed so any key is a short, path-safe id.
function txnId(n: Notification): string {
  return `upbeat-${createHash("sha256").update(n.idempotencyKey).digest("hex").slice(0, 32)}`;
}

// M_LIMIT_EXCEEDED states the wait in the body (`retry_after_ms`); newer servers also send Retry-After.
function retryAfterFromBody(text: string | undefined): number | undefined {
  try {
    const ms = (JSON.parse(text ?? "") as { retry_after_ms?: unknown }).retry_after_ms;
    return typeof ms === "number" && ms >= 0 ? ms : undefined;
  } catch {
    return undefined;
  }
}

/** The Matrix channel. */
export const matrixNotifier: Notifier<Settings> = {
  schema: MatrixSettings,
  async send(s, n, ctx): Promise<DeliveryResult> {
    const base = s.homeserverUrl.replace(/\/+$/, "");
    const url = `${base}/_matrix/client/v3/rooms/${encodePathSegment(s.roomId)}/send/m.room.message/${txnId(n)}`;
    const r = await sendHttp({ url, method: "PUT", headers: { Authorization: `Bearer ${s.accessToken}` }, body: content(n), signal: ctx.signal }, ctx.now);
    if (r.ok) return { ok: true };
    const wait = r.retryAfterMs ?? (r.status === 429 ? retryAfterFromBody(r.responseText) : undefined);
    return { ok: false, retryable: r.retryable, ...(wait !== undefined ? { retryAfterMs: wait } : {}), error: r.error };
  },
};
