/**
 * Amazon SNS: one `Publish` per notification (@aws-sdk/client-sns). The message is the
 * notification as JSON; Cupcake incidents keep Cupcake's exact message, the incident dict as
 * Python's `json.dumps(indent=4, sort_keys=True)` writes it (compat §1.6). The SDK does not retry
 * by itself: the delivery loop does, so that attempts and back-off are counted in one place.
 */
import { createHash } from "node:crypto";
import { type Static, Type } from "@sinclair/typebox";
import type { PublishCommandInput } from "@aws-sdk/client-sns";
import type { DeliveryResult, Notification, Notifier } from "./types.ts";

/** Settings of an SNS channel. */
export const SnsSettings = Type.Object(
  {
    topicArn: Type.String({ pattern: "^arn:aws[a-z-]*:sns:", description: "Topic to publish to (`arn:aws:sns:eu-west-1:123456789012:alerts`; FIFO topics end in `.fifo`)." }),
    region: Type.Optional(Type.String({ minLength: 1, description: "AWS region. Default: the region in `topicArn`." })),
    endpoint: Type.Optional(Type.String({ pattern: "^https?://", description: "Endpoint URL instead of AWS's (LocalStack, a VPC endpoint, tests)." })),
    accessKeyId: Type.Optional(Type.String({ minLength: 1, description: "Access key id. Default: the AWS default credential chain (environment, profile, instance or task role)." })),
    secretAccessKey: Type.Optional(Type.String({ minLength: 1, secret: true, description: "Secret access key, with `accessKeyId`." })),
    sessionToken: Type.Optional(Type.String({ minLength: 1, secret: true, description: "Session token, for temporary credentials given with `accessKeyId`." })),
  },
  { additionalProperties: false, description: "Publishes to an Amazon SNS topic." },
);

/** Settings of an SNS channel (static type). */
export type SnsSettingsInput = Static<typeof SnsSettings>;

/** Python's `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16 (`1e-05`, `1e+16`, `100.0`). */
function pythonFloat(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "Infinity" : "-Infinity";
  const [mantissa = "0", expText = "0"] = v.toExponential().split("e");
  const exp = Number(expText);
  const digits = mantissa.replace(/[-.]/g, "");
  const sign = v < 0 || Object.is(v, -0) ? "-" : "";
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${"0".repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

const ESCAPES: Record<string, string> = { '"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** A string as Python's json writes it with `ensure_ascii`: everything outside ` `..`~` escaped, `\uXXXX` in lower-case hex per UTF-16 unit. */
function pythonString(s: string): string {
  return `"${s.replace(/[\\"]|[^\x20-\x7e]/g, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}"`;
}

/** Python orders `str` keys by code point (JS's default sort compares UTF-16 units). */
function byCodePoint(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0) ?? 0);
  const y = Array.from(b, (c) => c.codePointAt(0) ?? 0);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return x.length - y.length;
}

/** Values JSON has no place for (as JSON.stringify: left out of objects, `null` in lists). */
const absent = (v: unknown): boolean => v === undefined || typeof v === "function" || typeof v === "symbol";

function dump(v: unknown, pad: string): string {
  if (v === null || absent(v)) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "bigint") return v.toString();
  // A safe integer is written as a Python int; Python would write an integral float as `5.0`, which JS cannot tell apart.
  if (typeof v === "number") return Number.isSafeInteger(v) ? String(v) : pythonFloat(v);
  if (typeof v === "string") return pythonString(v);
  const inner = `${pad}    `;
  if (Array.isArray(v)) return v.length === 0 ? "[]" : `[\n${v.map((x) => inner + dump(x, inner)).join(",\n")}\n${pad}]`;
  const obj = v as Record<string, unknown> & { toJSON?: unknown };
  if (typeof obj.toJSON === "function") return dump((obj.toJSON as () => unknown)(), pad);
  const entries = Object.entries(obj).filter(([, x]) => !absent(x)).sort(([a], [b]) => byCodePoint(a, b));
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([k, x]) => `${inner}${pythonString(k)}: ${dump(x, inner)}`).join(",\n")}\n${pad}}`;
}

/** The text Python's `json.dumps(value, indent=4, sort_keys=True)` produces (ensure_ascii, `,` at line ends, `": "` after keys). */
export function pythonJsonDumps(value: unknown): string {
  return dump(value, "");
}

/** An SNS subject: no control characters or line breaks, fewer than 100 characters; undefined when nothing is left. */
export function snsSubject(title: string): string | undefined {
  const chars = Array.from(title.replace(/\p{Cc}+/gu, " ").replace(/\s+/g, " ").trim());
  if (chars.length === 0) return undefined;
  return chars.length <= 99 ? chars.join("") : `${chars.slice(0, 98).join("")}…`;
}

/** FIFO group and deduplication ids allow 1–128 printable ASCII characters; anything else is hashed. */
const fifoId = (s: string): string => (/^[\x21-\x7e]{1,128}$/.test(s) ? s : createHash("sha256").update(s).digest("hex"));

/** The Publish call for a notification: Cupcake's exact message for Cupcake incidents, otherwise the notification as JSON with a subject. */
export function publishInput(s: SnsSettingsInput, n: Notification): PublishCommandInput {
  const input: PublishCommandInput = { TopicArn: s.topicArn, Message: "" };
  if (n.compat?.tool === "cupcake") {
    // Cupcake publishes the bare message (no subject).
    input.Message = pythonJsonDumps(n.compat.incident);
  } else {
    input.Message = JSON.stringify(n);
    const subject = snsSubject(n.title);
    if (subject) input.Subject = subject;
  }
  if (s.topicArn.endsWith(".fifo")) {
    input.MessageGroupId = fifoId(n.dedupKey);
    input.MessageDeduplicationId = fifoId(n.idempotencyKey);
  }
  return input;
}

/** The SDK's error shape, as far as it is read here. */
interface AwsError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** No HTTP answer, 5xx, 429 and throttling are retryable; other 4xx (no such topic, not authorised, bad parameter) are final. */
export function classifySnsError(err: unknown, aborted: boolean): DeliveryResult {
  if (aborted) return { ok: false, retryable: true, error: "timed out" };
  const e = (err ?? {}) as AwsError;
  const status = e.$metadata?.httpStatusCode;
  const throttled = /throttl|toomanyrequests|limitexceeded/i.test(e.name ?? "");
  const retryable = status === undefined || status >= 500 || status === 429 || throttled;
  const message = (e.message ?? String(err)).replace(/\s+/g, " ").slice(0, 300);
  return { ok: false, retryable, error: `SNS ${status !== undefined ? `HTTP ${status} ` : ""}${e.name ?? "Error"}: ${message}` };
}

/** The region of the settings, or the one in the topic ARN. */
const regionOf = (s: SnsSettingsInput): string | undefined => s.region ?? s.topicArn.split(":")[3];

/** The SNS channel. */
export const snsNotifier: Notifier<SnsSettingsInput> = {
  schema: SnsSettings,
  async send(s, n, ctx) {
    if (Boolean(s.accessKeyId) !== Boolean(s.secretAccessKey)) {
      return { ok: false, retryable: false, error: "accessKeyId and secretAccessKey must be given together" };
    }
    const region = regionOf(s);
    if (!region) return { ok: false, retryable: false, error: "no region: set region or use a topic ARN that has one" };
    // Loaded on first use: the SDK is large and most installations never publish to SNS.
    const { PublishCommand, SNSClient } = await import("@aws-sdk/client-sns");
    const client = new SNSClient({
      region,
      maxAttempts: 1,
      ...(s.endpoint ? { endpoint: s.endpoint } : {}),
      ...(s.accessKeyId && s.secretAccessKey
        ? { credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, ...(s.sessionToken ? { sessionToken: s.sessionToken } : {}) } }
        : {}),
    });
    try {
      const out = await client.send(new PublishCommand(publishInput(s, n)), { abortSignal: ctx.signal });
      return { ok: true, detail: `published as ${out.MessageId ?? "(no id)"}` };
    } catch (e) {
      return classifySnsError(e, ctx.signal.aborted);
    } finally {
      client.destroy();
    }
  },
};
