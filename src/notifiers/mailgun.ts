/**
 * E-mail through Mailgun's HTTP API: `POST {apiUrl}/v3/{domain}/messages`, form-encoded, basic
 * auth `api:<key>`. Lovebeat alarms keep Lovebeat's subject and text body (compat §2.9).
 */
import { type Static, Type } from "@sinclair/typebox";
import { lovebeatMail, recipientList, renderMail } from "./email.ts";
import { sendHttp } from "./http.ts";
import type { Notification, Notifier } from "./types.ts";

/** Mailgun's US API base (the default). */
export const MAILGUN_US_API = "https://api.mailgun.net";
/** Mailgun's EU API base, for domains created in the EU region. */
export const MAILGUN_EU_API = "https://api.eu.mailgun.net";

/** Settings of a Mailgun channel. */
export const MailgunSettings = Type.Object(
  {
    domain: Type.String({ minLength: 1, description: "Sending domain as set up in Mailgun (`mg.example.com`)." }),
    apiKey: Type.String({ minLength: 1, secret: true, description: "Mailgun API key (sent as basic auth `api:<key>`)." }),
    apiUrl: Type.Optional(
      Type.String({ pattern: "^https?://", default: MAILGUN_US_API, description: "API base URL: `https://api.mailgun.net` (US, default) or `https://api.eu.mailgun.net` (EU domains)." }),
    ),
    from: Type.String({ minLength: 1, description: "Sender (`Upbeat <upbeat@mg.example.com>`)." }),
    to: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], {
      description: "Recipients: one address, a comma-separated list, or a list of addresses.",
    }),
  },
  { additionalProperties: false, description: "E-mail through the Mailgun API." },
);

/** Settings of a Mailgun channel (static type). */
export type MailgunSettingsInput = Static<typeof MailgunSettings>;

/** The form fields of one message (`from`, `to` (repeated), `subject`, `text`, and `html` except in Lovebeat compat). */
export function mailgunForm(s: MailgunSettingsInput, n: Notification): URLSearchParams {
  const form = new URLSearchParams();
  form.append("from", s.from);
  if (n.compat?.tool === "lovebeat" && typeof s.to === "string") {
    // Lovebeat hands Mailgun its `mail` string as is; Mailgun splits it on commas itself.
    form.append("to", s.to);
  } else {
    for (const to of recipientList(s.to)) form.append("to", to);
  }
  if (n.compat?.tool === "lovebeat") {
    const { subject, body } = lovebeatMail(n.compat);
    form.append("subject", subject);
    form.append("text", body);
    return form;
  }
  const { subject, text, html } = renderMail(n);
  form.append("subject", subject);
  form.append("text", text);
  form.append("html", html);
  return form;
}

/** The Mailgun channel. */
export const mailgunNotifier: Notifier<MailgunSettingsInput> = {
  schema: MailgunSettings,
  async send(s, n, ctx) {
    const base = (s.apiUrl ?? MAILGUN_US_API).replace(/\/+$/, "");
    const r = await sendHttp(
      {
        url: `${base}/v3/${encodeURIComponent(s.domain)}/messages`,
        headers: {
          Authorization: `Basic ${Buffer.from(`api:${s.apiKey}`).toString("base64")}`,
          "Content-Type": "application/x-www-form-urlencoded",
          Accept: "application/json",
        },
        body: mailgunForm(s, n).toString(),
        signal: ctx.signal,
      },
      ctx.now,
    );
    if (!r.ok) return { ok: false, retryable: r.retryable, error: r.error, ...(r.retryAfterMs !== undefined ? { retryAfterMs: r.retryAfterMs } : {}) };
    let id: unknown;
    try {
      id = (JSON.parse(r.responseText ?? "") as { id?: unknown }).id;
    } catch {
      id = undefined;
    }
    return { ok: true, detail: typeof id === "string" ? `queued by Mailgun as ${id}` : "queued by Mailgun" };
  },
};
