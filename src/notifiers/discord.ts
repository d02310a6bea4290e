/** Discord webhook: one coloured embed per notification, kept inside Discord's embed limits; pings only when asked. */
import { type Static, Type } from "@sinclair/typebox";
import { sendHttp } from "./http.ts";
import { clip, monitorLabel, monitorSummary } from "./slack.ts";
import type { DeliveryResult, Notification, Notifier, Severity } from "./types.ts";

/** Settings of a Discord channel. */
export const DiscordSettings = Type.Object(
  {
    url: Type.String({ pattern: "^https?://", description: "Discord webhook URL (holds its token).", secret: true }),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 80, description: "Name to post as instead of the webhook's own." })),
    avatarUrl: Type.Optional(Type.String({ description: "Image URL of the poster's avatar instead of the webhook's own." })),
    mention: Type.Optional(
      Type.String({ description: "Sent as message content with critical and warning notifications, e.g. `@here` or `<@&role id>`; nobody is pinged otherwise." }),
    ),
  },
  { additionalProperties: false, description: "Discord: executes a channel webhook with an embed." },
);

/** Embed colours by severity (Discord's red, yellow, blurple, green). */
export const DISCORD_COLORS: Record<Severity, number> = { critical: 0xed4245, warning: 0xfee75c, info: 0x5865f2, resolved: 0x57f287 };

/** Discord's documented limits of one embed. */
export const DISCORD_LIMITS = { title: 256, description: 4096, fields: 25, fieldName: 256, fieldValue: 1024, footer: 2048, total: 6000 } as const;

const FOOTER = "Upbeat";

/** A field counting the monitors that did not fit. */
const moreField = (k: number) => ({ name: "More", value: `and ${k} more monitors`, inline: false });

/** Fields per monitor within the per-field limits, the field count and `budget` characters; the rest counted in one "More" field. */
function discordFields(n: Notification, budget: number): { name: string; value: string; inline: boolean }[] {
  const L = DISCORD_LIMITS;
  const fields: { name: string; value: string; inline: boolean }[] = [];
  let left = budget;
  // An even share per shown monitor, so that many long causes do not crowd the later monitors out.
  const share = Math.max(60, Math.floor(budget / Math.min(n.monitors.length, L.fields)));
  for (const [i, m] of n.monitors.entries()) {
    const rest = n.monitors.length - i;
    const name = clip(monitorLabel(m), L.fieldName);
    const space = left - name.length - (rest > 1 ? 40 : 0);
    if ((fields.length === L.fields - 1 && rest > 1) || space < 20) {
      fields.push(moreField(rest));
      break;
    }
    const value = clip(monitorSummary(m), Math.min(L.fieldValue, space, Math.max(20, share - name.length)));
    fields.push({ name, value, inline: n.monitors.length > 1 });
    left -= name.length + value.length;
  }
  return fields;
}

/** The embed of a notification within Discord's limits (title, description, fields, 6000 characters in all). */
export function discordEmbed(n: Notification): Record<string, unknown> {
  const L = DISCORD_LIMITS;
  const title = clip(n.title, L.title);
  const budget = L.total - title.length - FOOTER.length;
  // Keep some room for the text whatever the number of monitors; the text then takes what the fields left.
  const fields = discordFields(n, budget - Math.min(n.text.length, 1000));
  const room = Math.min(L.description, budget - fields.reduce((sum, f) => sum + f.name.length + f.value.length, 0));
  const description = room > 0 ? clip(n.text, room) : "";
  return {
    title,
    ...(description ? { description } : {}),
    ...(n.url ? { url: n.url } : {}),
    color: DISCORD_COLORS[n.severity],
    fields,
    footer: { text: FOOTER },
    timestamp: new Date(n.at).toISOString(),
  };
}

/** The execute-webhook body: optional mention as content, one embed, mentions allowed only for that content. */
export function discordMessage(s: Static<typeof DiscordSettings>, n: Notification): Record<string, unknown> {
  const ping = s.mention !== undefined && (n.severity === "critical" || n.severity === "warning");
  return {
    ...(ping ? { content: clip(s.mention ?? "", 2000) } : {}),
    ...(s.username ? { username: s.username } : {}),
    ...(s.avatarUrl ? { avatar_url: s.avatarUrl } : {}),
    embeds: [discordEmbed(n)],
    allowed_mentions: { parse: ping ? ["everyone", "roles", "users"] : [] },
  };
}

/** Discord puts the exact wait (seconds, fractional) in a 429's JSON body; prefer it over a rounded or missing header. */
function withBodyRetryAfter(r: DeliveryResult & { status?: number; responseText?: string }): DeliveryResult {
  if (r.ok || r.status !== 429 || !r.responseText) return r;
  try {
    const wait = (JSON.parse(r.responseText) as { retry_after?: unknown }).retry_after;
    if (typeof wait === "number" && Number.isFinite(wait) && wait >= 0) return { ...r, retryAfterMs: Math.max(r.retryAfterMs ?? 0, Math.ceil(wait * 1000)) };
  } catch {
    // Not JSON: keep what the header said.
  }
  return r;
}

/** The Discord channel. */
export const discordNotifier: Notifier<Static<typeof DiscordSettings>> = {
  schema: DiscordSettings,
  async send(s, n, ctx) {
    return withBodyRetryAfter(await sendHttp({ url: s.url, method: "POST", body: discordMessage(s, n), signal: ctx.signal }, ctx.now));
  },
};
