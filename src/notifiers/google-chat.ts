/** Google Chat space webhook: a text message plus a simple card (a row per monitor, a link), threaded per incident. */
import { type Static, Type } from "@sinclair/typebox";
import { sendHttp } from "./http.ts";
import { clip, monitorLabel, monitorSummary } from "./slack.ts";
import type { Notification, Notifier } from "./types.ts";

/** Settings of a Google Chat channel. */
export const GoogleChatSettings = Type.Object(
  {
    url: Type.String({ pattern: "^https?://", description: "Space webhook URL (`…/messages?key=…&token=…`; it holds the token).", secret: true }),
    threadPerIncident: Type.Optional(
      Type.Boolean({ default: true, description: "Keep the open and resolve messages of one incident in one thread." }),
    ),
  },
  { additionalProperties: false, description: "Google Chat: posts to a space's incoming webhook." },
);

/** Google Chat's limit on a message's text, in characters. */
const MAX_TEXT = 4096;
/** Monitors shown in the card. */
const MAX_ROWS = 20;

/** Escapes text for card widgets, which read a small HTML subset. */
function html(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The message body: bold title and text, a card when there are monitors or a link, the incident's thread key. */
export function googleChatMessage(n: Notification, threaded = true): Record<string, unknown> {
  const widgets: Record<string, unknown>[] = n.monitors
    .slice(0, MAX_ROWS)
    .map((m) => ({ decoratedText: { topLabel: html(monitorLabel(m)), text: html(monitorSummary(m)).replace(/\n/g, "<br>"), wrapText: true } }));
  if (n.monitors.length > MAX_ROWS) widgets.push({ textParagraph: { text: `and ${n.monitors.length - MAX_ROWS} more monitors` } });
  if (n.url) widgets.push({ buttonList: { buttons: [{ text: "Open in Upbeat", onClick: { openLink: { url: n.url } } }] } });
  return {
    text: clip(`*${n.title}*\n${n.text}`, MAX_TEXT),
    ...(widgets.length > 0 ? { cardsV2: [{ cardId: "upbeat", card: { sections: [{ widgets }] } }] } : {}),
    ...(threaded ? { thread: { threadKey: n.dedupKey } } : {}),
  };
}

/** The webhook URL, asked to reply in the thread of the key or start it (unless the URL already says what to do). */
function threadedUrl(url: string): string {
  if (/[?&]messageReplyOption=/.test(url)) return url;
  return `${url}${url.includes("?") ? "&" : "?"}messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD`;
}

/** The Google Chat channel. */
export const googleChatNotifier: Notifier<Static<typeof GoogleChatSettings>> = {
  schema: GoogleChatSettings,
  async send(s, n, ctx) {
    const threaded = s.threadPerIncident ?? true;
    return sendHttp(
      {
        url: threaded ? threadedUrl(s.url) : s.url,
        method: "POST",
        headers: { "Content-Type": "application/json; charset=UTF-8" },
        body: googleChatMessage(n, threaded),
        signal: ctx.signal,
      },
      ctx.now,
    );
  },
};
