/**
 * Generic JSON webhook: Upbeat's own body (or a user template) with an `Idempotency-Key` header, and
 * Lovebeat's webhook body and headers for alarms imported from Lovebeat (compat §2.9).
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { type Static, Type } from "@sinclair/typebox";
import { retryAfterMs, sendHttp } from "./http.ts";
import type { ChannelContext, DeliveryResult, LovebeatCompat, Notification, NotifiedMonitor, Notifier } from "./types.ts";

/** Settings of a generic webhook channel. */
export const WebhookSettings = Type.Object(
  {
    url: Type.String({ pattern: "^https?://", description: "URL the notification is sent to (may hold a token).", secret: true }),
    method: Type.Optional(
      Type.Union([Type.Literal("POST"), Type.Literal("GET"), Type.Literal("PUT"), Type.Literal("PATCH")], {
        default: "POST",
        description: "HTTP method. GET sends no body, except for Lovebeat alarms, which get Lovebeat's GET with a JSON body.",
      }),
    ),
    headers: Type.Optional(
      Type.Record(Type.String({ pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" }), Type.String(), {
        description: "Extra request headers (e.g. Authorization).",
        secret: true,
      }),
    ),
    template: Type.Optional(
      Type.String({
        description:
          "Body template. Placeholders {{title}}, {{text}}, {{kind}}, {{severity}}, {{at}}, {{url}}, {{dedupKey}}, {{idempotencyKey}}, " +
          "{{monitor.id}}, {{monitor.name}}, {{monitor.status}}, {{monitor.cause}} (first monitor) are replaced by their values " +
          'escaped for a JSON string, without quotes: write {"msg":"{{title}}"}. Without a template Upbeat sends its own JSON body.',
      }),
    ),
    contentType: Type.Optional(Type.String({ default: "application/json", description: "Content-Type of the body (a Content-Type in `headers` takes precedence)." })),
  },
  { additionalProperties: false, description: "Generic webhook: a JSON body per notification, with an Idempotency-Key header." },
);

/** The placeholders a template may use, and their values. */
const PLACEHOLDERS: Record<string, (n: Notification, m: NotifiedMonitor | undefined) => string | undefined> = {
  title: (n) => n.title,
  text: (n) => n.text,
  kind: (n) => n.kind,
  severity: (n) => n.severity,
  at: (n) => new Date(n.at).toISOString(),
  url: (n) => n.url,
  dedupKey: (n) => n.dedupKey,
  idempotencyKey: (n) => n.idempotencyKey,
  "monitor.id": (_n, m) => m?.id,
  "monitor.name": (_n, m) => m?.name,
  "monitor.status": (_n, m) => m?.status,
  "monitor.cause": (_n, m) => m?.cause,
};

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Checks a template's placeholders; returns a message naming the unknown ones, or undefined when all are known. */
export function validateWebhookTemplate(template: string): string | undefined {
  const unknown = [...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? "").filter((name) => !Object.hasOwn(PLACEHOLDERS, name));
  if (unknown.length === 0) return undefined;
  const list = [...new Set(unknown)].map((u) => `{{${u}}}`).join(", ");
  return `unknown template placeholder${unknown.length > 1 ? "s" : ""} ${list}; known: ${Object.keys(PLACEHOLDERS).map((k) => `{{${k}}}`).join(", ")}`;
}

/** Fills a template: every placeholder becomes its value escaped for the inside of a JSON string (missing values are empty). */
export function renderWebhookTemplate(template: string, n: Notification): string {
  const first = n.monitors[0];
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = Object.hasOwn(PLACEHOLDERS, name) ? PLACEHOLDERS[name]?.(n, first) : whole;
    return JSON.stringify(value ?? "").slice(1, -1);
  });
}

/** Upbeat's default webhook body: the notification with times as ISO strings. */
export function webhookBody(n: Notification): Record<string, unknown> {
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
  return {
    kind: n.kind,
    severity: n.severity,
    title: n.title,
    text: n.text,
    at: iso(n.at),
    url: n.url,
    dedupKey: n.dedupKey,
    idempotencyKey: n.idempotencyKey,
    monitors: n.monitors.map((m) => ({ ...m, openedAt: iso(m.openedAt), resolvedAt: iso(m.resolvedAt) })),
  };
}

/** JSON as Go's `encoding/json` writes it (Lovebeat's wire): compact, with `<`, `>`, `&`, U+2028/9 escaped. */
export function lovebeatJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Lovebeat's webhook body, keys in Lovebeat's order, states upper-cased. */
export function lovebeatWebhookBody(c: LovebeatCompat): string {
  return lovebeatJson({ name: c.alarm, from_state: c.previous.toUpperCase(), to_state: c.current.toUpperCase(), incident_number: c.incident });
}

/** Lovebeat's webhook headers. */
const LOVEBEAT_HEADERS = { "Content-Type": "application/json", Accept: "application/json", "User-Agent": "Lovebeat", "X-Lovebeat": "1" };

type Settings = Static<typeof WebhookSettings>;

/** The generic webhook channel. */
export const webhookNotifier: Notifier<Settings> = {
  schema: WebhookSettings,
  async send(s, n, ctx) {
    if (n.compat?.tool === "lovebeat") {
      const body = lovebeatWebhookBody(n.compat);
      const headers = withHeaders(s.headers ?? {}, LOVEBEAT_HEADERS);
      // Old Lovebeat sent GET with a JSON body; fetch refuses that, so that one case uses node:http.
      if (s.method === "GET") return requestWithBody(s.url, "GET", headers, body, ctx);
      return sendHttp({ url: s.url, method: "POST", headers, body, signal: ctx.signal }, ctx.now);
    }
    const method = s.method ?? "POST";
    const headers = withHeaders(s.headers ?? {}, { "Idempotency-Key": n.idempotencyKey });
    if (method === "GET") return sendHttp({ url: s.url, method, headers, signal: ctx.signal }, ctx.now);
    let body: string;
    if (s.template !== undefined) {
      const problem = validateWebhookTemplate(s.template);
      if (problem) return { ok: false, retryable: false, error: problem };
      body = renderWebhookTemplate(s.template, n);
    } else body = JSON.stringify(webhookBody(n));
    if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) headers["Content-Type"] = s.contentType ?? "application/json";
    return sendHttp({ url: s.url, method, headers, body, signal: ctx.signal }, ctx.now);
  },
};

/** The user's headers with `fixed` on top (a user header of the same name, in any case, gives way). */
function withHeaders(user: Record<string, string>, fixed: Record<string, string>): Record<string, string> {
  const taken = new Set(Object.keys(fixed).map((h) => h.toLowerCase()));
  return { ...Object.fromEntries(Object.entries(user).filter(([h]) => !taken.has(h.toLowerCase()))), ...fixed };
}

/** One request with a body whatever the method (node:http), classified like sendHttp; never shows the URL. */
function requestWithBody(url: string, method: string, headers: Record<string, string>, body: string, ctx: ChannelContext): Promise<DeliveryResult> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve({ ok: false, retryable: false, error: "invalid URL" });
  }
  const send = target.protocol === "https:" ? httpsRequest : target.protocol === "http:" ? httpRequest : undefined;
  if (!send) return Promise.resolve({ ok: false, retryable: false, error: `unsupported protocol ${target.protocol}` });
  return new Promise((resolve) => {
    const failed = (e: Error) =>
      resolve({ ok: false, retryable: true, error: ctx.signal.aborted ? "timed out" : `request failed: ${e.message.replace(/https?:\/\/\S+/g, "<url>")}` });
    const req = send(target, { method, headers: { ...headers, "Content-Length": String(Buffer.byteLength(body)) }, signal: ctx.signal }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", failed);
      res.on("end", () => resolve(classify(res, Buffer.concat(chunks).toString("utf8"), ctx.now())));
    });
    req.on("error", failed);
    req.end(body);
  });
}

/** 2xx delivered; 408, 429 and 5xx retryable with Retry-After; other answers final (as sendHttp). */
function classify(res: IncomingMessage, text: string, now: number): DeliveryResult {
  const status = res.statusCode ?? 0;
  if (status >= 200 && status < 300) return { ok: true };
  const header = res.headers["retry-after"];
  const wait = retryAfterMs(typeof header === "string" ? header : null, now);
  const retryable = status === 408 || status === 429 || status >= 500;
  return { ok: false, retryable, ...(wait !== undefined ? { retryAfterMs: wait } : {}), error: `HTTP ${status}${text ? `: ${text.slice(0, 200).replace(/\s+/g, " ")}` : ""}` };
}
