/**
 * E-mail over SMTP (nodemailer): one message per notification, plain text with an HTML
 * alternative. Lovebeat alarms keep Lovebeat's exact message (compat §2.9). SMTP 4xx replies and
 * connection failures are worth retrying; 5xx replies are final.
 */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { ConnectionOptions } from "node:tls";
import { type Static, Type } from "@sinclair/typebox";
import nodemailer, { type NodemailerError, type SendMailOptions, type SMTPTransportOptions } from "nodemailer";
import { encodeWords } from "nodemailer/lib/mime-funcs";
import type { DeliveryResult, LovebeatCompat, Notification, NotifiedMonitor, Notifier } from "./types.ts";

/** Recipients: one address, a comma-separated list, or a list. */
const Recipients = Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], {
  description: "Recipients: one address, a comma-separated list (`a@x, b@y`), or a list of addresses.",
});

/** Settings of an e-mail channel. */
export const EmailSettings = Type.Object(
  {
    host: Type.String({ minLength: 1, description: "SMTP server host name or IP address." }),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: "SMTP port. Default: 465 when `secure`, otherwise 587." })),
    secure: Type.Optional(Type.Boolean({ default: false, description: "Implicit TLS from the first byte (SMTPS, usually port 465)." })),
    requireTLS: Type.Optional(
      Type.Boolean({ default: false, description: "Require STARTTLS: fail instead of sending in clear text when the server does not offer it. Without it, STARTTLS is still used when offered." }),
    ),
    auth: Type.Optional(
      Type.Object(
        {
          user: Type.String({ minLength: 1, description: "User name." }),
          password: Type.String({ secret: true, description: "Password." }),
          method: Type.Optional(Type.Union([Type.Literal("PLAIN"), Type.Literal("LOGIN"), Type.Literal("CRAM-MD5")], { description: "SASL mechanism. Default: the best one the server offers." })),
        },
        { additionalProperties: false, description: "SMTP authentication (only over TLS unless the server allows otherwise)." },
      ),
    ),
    from: Type.String({ minLength: 1, description: "Sender (`Upbeat <upbeat@example.com>`), also the envelope sender." }),
    to: Recipients,
    tls: Type.Optional(
      Type.Object(
        {
          ca: Type.Optional(Type.String({ description: "Trusted CA certificates for the server: inline PEM or a PEM file path." })),
          rejectUnauthorized: Type.Optional(Type.Boolean({ default: true, description: "Refuse a server certificate that does not verify. Turn off only for testing." })),
          servername: Type.Optional(Type.String({ description: "Name sent in SNI and checked against the certificate (default: `host`)." })),
        },
        { additionalProperties: false, description: "TLS options for implicit TLS and STARTTLS." },
      ),
    ),
    heloName: Type.Optional(Type.String({ minLength: 1, description: "Host name sent in EHLO/HELO. Default: this machine's host name." })),
    connectionTimeoutMs: Type.Optional(Type.Integer({ minimum: 1, default: 10_000, description: "How long to wait for the TCP connection, in ms." })),
    greetingTimeoutMs: Type.Optional(Type.Integer({ minimum: 1, default: 10_000, description: "How long to wait for the server's greeting after connecting, in ms." })),
    socketTimeoutMs: Type.Optional(Type.Integer({ minimum: 1, default: 30_000, description: "How long the connection may stay silent, in ms." })),
  },
  { additionalProperties: false, description: "E-mail through an SMTP server." },
);

/** Settings of an e-mail channel (static type). */
export type EmailSettingsInput = Static<typeof EmailSettings>;

/** A rendered message: subject, plain text and HTML. */
export interface MailContent {
  /** Subject line. */
  subject: string;
  /** Plain-text body. */
  text: string;
  /** HTML alternative. */
  html: string;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** One line about a monitor: `shop / checkout: DOWN — HTTP 503 (https://shop.example/)`. */
function monitorLine(m: NotifiedMonitor): string {
  let line = `${[...m.group, m.name].join(" / ")}: ${m.status.toUpperCase()}`;
  if (m.cause) line += ` — ${m.cause}`;
  if (m.target) line += ` (${m.target})`;
  if (m.durationText) line += `, after ${m.durationText}`;
  return line;
}

/** Subject, text (the notification's text, then one line per monitor, then the link) and HTML of a notification. */
export function renderMail(n: Notification): MailContent {
  const lines = n.monitors.map(monitorLine);
  const text = [n.text.trimEnd(), lines.map((l) => `- ${l}`).join("\n"), n.url ?? ""].filter((p) => p !== "").join("\n\n") + "\n";
  const html = [
    `<!doctype html><html><body>`,
    `<p>${escapeHtml(n.text.trimEnd()).replace(/\n/g, "<br>\n")}</p>`,
    lines.length > 0 ? `<ul>\n${lines.map((l) => `<li>${escapeHtml(l)}</li>`).join("\n")}\n</ul>` : "",
    n.url ? `<p><a href="${escapeHtml(n.url)}">Open in Upbeat</a></p>` : "",
    `</body></html>`,
  ].filter((p) => p !== "").join("\n");
  return { subject: n.title, text, html: html + "\n" };
}

/** Lovebeat's mail subject and body (compat §2.9): `[LOVEBEAT] <alarm>-<incident>`, states upper-cased. */
export function lovebeatMail(c: LovebeatCompat): { subject: string; body: string } {
  return {
    subject: `[LOVEBEAT] ${c.alarm}-${c.incident}`,
    body: `The status for alarm '${c.alarm}' has changed from '${c.previous.toUpperCase()}' to '${c.current.toUpperCase()}'\n`,
  };
}

/** The `to` setting as a list of addresses (a string is split on commas, as Lovebeat does). */
export function recipientList(to: string | string[]): string[] {
  return (Array.isArray(to) ? to : to.split(",")).map((a) => a.trim()).filter((a) => a !== "");
}

/** Lovebeat's message as it wrote it (`From`, raw `To`, `Subject`, `MIME-version`, `Content-Type: text/html; charset="UTF-8"`), plus Date and Message-ID. */
function lovebeatRaw(s: EmailSettingsInput, c: LovebeatCompat, now: number): string {
  const { subject, body } = lovebeatMail(c);
  const ascii = /^[\x20-\x7e\r\n\t]*$/;
  const domain = /@([^>\s]+)>?\s*$/.exec(s.from)?.[1] ?? "upbeat.invalid";
  const headers = [
    `From: ${s.from}`,
    `To: ${Array.isArray(s.to) ? s.to.join(", ") : s.to}`,
    `Subject: ${ascii.test(subject) ? subject : encodeWords(subject, "Q", 52)}`,
    "MIME-version: 1.0",
    'Content-Type: text/html; charset="UTF-8"',
    `Date: ${new Date(now).toUTCString().replace(/GMT$/, "+0000")}`,
    `Message-ID: <${randomUUID()}@${domain}>`,
  ];
  if (ascii.test(body)) return `${headers.join("\r\n")}\r\n\r\n${body}`;
  const b64 = Buffer.from(body, "utf8").toString("base64").replace(/.{76}/g, "$&\r\n");
  return `${headers.join("\r\n")}\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64}\r\n`;
}

/** Inline PEM as is, otherwise the file's contents (read at every send, so a renewed CA is picked up). */
async function pemOf(value: string): Promise<string> {
  return value.includes("-----BEGIN") ? value : readFile(value, "utf8");
}

/** Nodemailer transport options from the settings. */
async function transportOptions(s: EmailSettingsInput): Promise<SMTPTransportOptions> {
  const tls: ConnectionOptions = { rejectUnauthorized: s.tls?.rejectUnauthorized ?? true };
  if (s.tls?.ca) tls.ca = await pemOf(s.tls.ca);
  if (s.tls?.servername) tls.servername = s.tls.servername;
  return {
    host: s.host,
    port: s.port ?? (s.secure ? 465 : 587),
    secure: s.secure ?? false,
    requireTLS: s.requireTLS ?? false,
    tls,
    ...(s.auth ? { auth: { user: s.auth.user, pass: s.auth.password }, ...(s.auth.method ? { authMethod: s.auth.method } : {}) } : {}),
    ...(s.heloName ? { name: s.heloName } : {}),
    connectionTimeout: s.connectionTimeoutMs ?? 10_000,
    greetingTimeout: s.greetingTimeoutMs ?? 10_000,
    socketTimeout: s.socketTimeoutMs ?? 30_000,
  };
}

/** Failures that no retry can fix: a bad setting, a missing credential, an empty recipient list. */
const FINAL_CODES = new Set(["ECONFIG", "ENOAUTH", "EENVELOPE", "EMAXRECIPIENTS"]);

/** Classifies a nodemailer error: a 5xx reply (except 503) or a configuration error is final, the rest is retryable. */
export function classifySmtpError(err: unknown, aborted: boolean): DeliveryResult {
  if (aborted) return { ok: false, retryable: true, error: "timed out" };
  const e = (err ?? {}) as NodemailerError;
  const code = e.responseCode;
  if (typeof code === "number" && code >= 400) {
    const reply = (e.response ?? e.message ?? "").replace(/\s+/g, " ").trim().slice(0, 300);
    const permanent = e.permanent ?? (code >= 500 && code !== 503);
    return { ok: false, retryable: !permanent, error: `SMTP ${code}${e.command ? ` after ${e.command.split(" ")[0]}` : ""}: ${reply}` };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { ok: false, retryable: !FINAL_CODES.has(e.code ?? ""), error: `${e.code ? `${e.code}: ` : ""}${message}`.slice(0, 300) };
}

/** The message to send: Lovebeat's exact mail for Lovebeat alarms, otherwise text with an HTML alternative. */
function message(s: EmailSettingsInput, n: Notification, now: number): SendMailOptions {
  if (n.compat?.tool === "lovebeat") {
    return { envelope: { from: s.from, to: recipientList(s.to) }, raw: lovebeatRaw(s, n.compat, now) };
  }
  const { subject, text, html } = renderMail(n);
  return { from: s.from, to: recipientList(s.to), subject, text, html };
}

/** The e-mail channel. */
export const emailNotifier: Notifier<EmailSettingsInput> = {
  schema: EmailSettings,
  async send(s, n, ctx) {
    let options: SMTPTransportOptions;
    try {
      options = await transportOptions(s);
    } catch (e) {
      return { ok: false, retryable: false, error: `cannot read the CA file: ${e instanceof Error ? e.message : String(e)}` };
    }
    const transport = nodemailer.createTransport(options);
    try {
      const info = await transport.sendMail({ ...message(s, n, ctx.now()), signal: ctx.signal });
      // A server may refuse some recipients and take the rest: delivered, with the refused ones named.
      const refused = info.rejected.length > 0 ? `; refused recipients: ${info.rejected.join(", ")}` : "";
      return { ok: true, detail: `accepted by ${s.host}: ${String(info.response).slice(0, 200)}${refused}` };
    } catch (e) {
      return classifySmtpError(e, ctx.signal.aborted);
    } finally {
      transport.close();
    }
  },
};
