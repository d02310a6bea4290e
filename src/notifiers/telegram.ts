/**
 * Telegram channel: one Bot API `sendMessage` call per notification, formatted with Telegram's
 * HTML parse mode (the only mode whose escaping is simple and total: `&`, `<`, `>`, `"`).
 */
import { type Static, Type } from "@sinclair/typebox";
import { sendHttp } from "./http.ts";
import type { DeliveryResult, Notification, Notifier } from "./types.ts";

const DEFAULT_API_URL = "https://api.telegram.org";
// Telegram rejects texts over 4096 characters after entity parsing; keep well clear of it.
const MAX_TEXT_CHARS = 3800;

/** Settings of a Telegram channel. */
export const TelegramSettings = Type.Object(
  {
    botToken: Type.String({
      pattern: "^[0-9]+:[A-Za-z0-9_-]+$",
      secret: true,
      description: "Bot token from @BotFather (`123456:ABC-DEF…`).",
    }),
    chatId: Type.Union([Type.Integer(), Type.String({ minLength: 1 })], {
      description: "Target chat: a numeric id (negative for groups) or `@channelusername`.",
    }),
    messageThreadId: Type.Optional(Type.Integer({ minimum: 1, description: "Topic (message thread) of a forum supergroup to post in." })),
    apiUrl: Type.Optional(
      Type.String({ pattern: "^https?://", default: DEFAULT_API_URL, description: "Base URL of the Bot API (a local Bot API server, or a test receiver)." }),
    ),
  },
  { additionalProperties: false, description: "Sends messages through a Telegram bot." },
);

// Telegram's HTML mode needs `&`, `<`, `>` escaped; `"` too inside the link attribute.
function escapeTelegramHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function renderHtml(n: Notification): string {
  const body = n.text.length > MAX_TEXT_CHARS ? `${n.text.slice(0, MAX_TEXT_CHARS)}…` : n.text;
  const parts = [`<b>${escapeTelegramHtml(n.title.slice(0, 200))}</b>`];
  if (body.trim() !== "") parts.push(escapeTelegramHtml(body));
  if (n.url) parts.push(`<a href="${escapeTelegramHtml(n.url)}">Open in Upbeat</a>`);
  return parts.join("\n");
}

// Telegram states the flood-control wait in the body (`parameters.retry_after`, seconds).
function retryAfterFromBody(text: string | undefined): number | undefined {
  try {
    const parsed = JSON.parse(text ?? "") as { parameters?: { retry_after?: unknown } };
    const sec = parsed.parameters?.retry_after;
    return typeof sec === "number" && sec >= 0 ? sec * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** The Telegram channel. */
export const telegramNotifier: Notifier<Static<typeof TelegramSettings>> = {
  schema: TelegramSettings,
  async send(s, n, ctx): Promise<DeliveryResult> {
    const base = (s.apiUrl ?? DEFAULT_API_URL).replace(/\/+$/, "");
    const body: Record<string, unknown> = {
      chat_id: s.chatId,
      text: renderHtml(n),
      parse_mode: "HTML",
      disable_web_page_preview: true,
    };
    if (s.messageThreadId !== undefined) body.message_thread_id = s.messageThreadId;
    const r = await sendHttp({ url: `${base}/bot${s.botToken}/sendMessage`, body, signal: ctx.signal }, ctx.now);
    if (r.ok) return { ok: true };
    const wait = r.retryAfterMs ?? (r.status === 429 ? retryAfterFromBody(r.responseText) : undefined);
    return { ok: false, retryable: r.retryable, ...(wait !== undefined ? { retryAfterMs: wait } : {}), error: r.error };
  },
};
