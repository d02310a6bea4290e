/** Mattermost incoming webhook: text plus a Slack-format attachment (Mattermost renders Slack's attachments). */
import { type Static, Type } from "@sinclair/typebox";
import { sendHttp } from "./http.ts";
import { slackAttachment } from "./slack.ts";
import type { Notification, Notifier, Severity } from "./types.ts";

/** Settings of a Mattermost channel. */
export const MattermostSettings = Type.Object(
  {
    url: Type.String({ pattern: "^https?://", description: "Mattermost incoming webhook URL (`…/hooks/<key>`; the key is a secret).", secret: true }),
    channel: Type.Optional(Type.String({ description: "Channel name to post in instead of the webhook's own (e.g. `town-square`)." })),
    username: Type.Optional(Type.String({ description: "Name to post as (when the server allows overriding it)." })),
    iconUrl: Type.Optional(Type.String({ description: "Image URL of the poster's icon (when the server allows overriding it)." })),
  },
  { additionalProperties: false, description: "Mattermost: posts to an incoming webhook." },
);

/** Attachment colours by severity; Mattermost documents hex codes only (these are Slack's danger, warning, good). */
export const MATTERMOST_COLORS: Record<Severity, string> = { critical: "#A30200", warning: "#DAA038", info: "#439FE0", resolved: "#2EB886" };

/** The webhook body: overrides, text, one attachment (Markdown is left as is: Mattermost does not need entities). */
export function mattermostMessage(s: Static<typeof MattermostSettings>, n: Notification): Record<string, unknown> {
  return {
    ...(s.channel ? { channel: s.channel } : {}),
    ...(s.username ? { username: s.username } : {}),
    ...(s.iconUrl ? { icon_url: s.iconUrl } : {}),
    text: n.title,
    attachments: [slackAttachment(n, { colors: MATTERMOST_COLORS, escape: (t) => t })],
  };
}

/** The Mattermost channel. */
export const mattermostNotifier: Notifier<Static<typeof MattermostSettings>> = {
  schema: MattermostSettings,
  async send(s, n, ctx) {
    return sendHttp({ url: s.url, method: "POST", body: mattermostMessage(s, n), signal: ctx.signal }, ctx.now);
  },
};
