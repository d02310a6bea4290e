/**
 * Channel secrets: which settings are secret is said once, by `secret: true` in each notifier's
 * settings schema. From that, settings can be shown with every secret masked, and any text (a
 * delivery error, a log line) can have the channel's secret values masked before it is stored,
 * logged or returned.
 */
import type { TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import type { DeliveryResult } from "../notifiers/types.ts";

/** What replaces a secret. */
export const SECRET_MASK = "********";

/** Secret values shorter than this are not searched for in text: masking every `abc` would garble more than it hides. */
const MIN_SECRET_CHARS = 4;

/** A text ending with at least this many first characters of a secret (a cut-off error message) gets that tail masked too. */
const MIN_TAIL_CHARS = 6;

/** The parts of a JSON schema read here. */
interface SchemaNode {
  secret?: unknown;
  properties?: Record<string, TSchema>;
  patternProperties?: Record<string, TSchema>;
  additionalProperties?: unknown;
  items?: unknown;
  anyOf?: TSchema[];
}

const node = (s: TSchema): SchemaNode => s as SchemaNode;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isSchema = (v: unknown): v is TSchema => typeof v === "object" && v !== null;

/** The schema of one property of an object schema (named, by pattern, or additional), if any. */
function propertySchema(s: SchemaNode, key: string): TSchema | undefined {
  const named = s.properties?.[key];
  if (named) return named;
  for (const [pattern, p] of Object.entries(s.patternProperties ?? {})) if (new RegExp(pattern).test(key)) return p;
  return isSchema(s.additionalProperties) ? s.additionalProperties : undefined;
}

/** Whether a schema holds a secret anywhere inside. */
function holdsSecret(schema: TSchema): boolean {
  const s = node(schema);
  if (s.secret === true) return true;
  const children = [...Object.values(s.properties ?? {}), ...Object.values(s.patternProperties ?? {}), ...(s.anyOf ?? []), ...[s.items, s.additionalProperties].filter(isSchema)];
  return children.some(holdsSecret);
}

/** The union member a value belongs to (the first that checks), for unions of objects. */
function memberFor(members: TSchema[], value: unknown): TSchema | undefined {
  return members.find((m) => Value.Check(m, value));
}

/**
 * Walks `value` along `schema` and replaces every value under a `secret: true` schema with what
 * `onSecret` returns for it; everything else is copied as it is.
 */
function walk(schema: TSchema, value: unknown, onSecret: (v: unknown) => unknown): unknown {
  const s = node(schema);
  if (s.secret === true) return onSecret(value);
  if (s.anyOf) {
    if (!s.anyOf.some(holdsSecret)) return value;
    // A union with a secret member whose value fits no member: treat it all as secret rather than guess.
    const member = memberFor(s.anyOf, value);
    return member ? walk(member, value, onSecret) : onSecret(value);
  }
  if (Array.isArray(value) && isSchema(s.items)) {
    const items = s.items;
    return value.map((v) => walk(items, v, onSecret));
  }
  if (isRecord(value) && (s.properties || s.patternProperties || isSchema(s.additionalProperties))) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => {
        const p = propertySchema(s, k);
        return [k, p ? walk(p, v, onSecret) : v];
      }),
    );
  }
  return value;
}

/** A secret shown: strings and numbers become the mask; a map (headers) keeps its keys with masked values; a list keeps its length. */
function masked(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(masked);
  if (isRecord(v)) return Object.fromEntries(Object.keys(v).map((k) => [k, SECRET_MASK]));
  return v === undefined ? undefined : SECRET_MASK;
}

/** The settings with every secret (per the schema's `secret: true`) replaced by {@link SECRET_MASK}. */
export function maskSettings(schema: TSchema, settings: unknown): unknown {
  return walk(schema, settings, masked);
}

/** Every string under a secret (per the schema), nested values of a secret map or list included. */
export function secretStrings(schema: TSchema, settings: unknown): string[] {
  const out: string[] = [];
  const collect = (v: unknown): unknown => {
    if (typeof v === "string") out.push(v);
    else if (typeof v === "number") out.push(String(v));
    else if (Array.isArray(v)) v.forEach(collect);
    else if (isRecord(v)) Object.values(v).forEach(collect);
    return v;
  };
  walk(schema, settings, collect);
  return out;
}

/** A URL path segment or query value that looks like a key rather than a word (`services`, `hooks`, `api` are not). */
const tokenLike = (part: string): boolean => part.length >= 16 || (part.length >= 6 && /\d/.test(part));

/**
 * The forms in which a secret value may turn up in a message: as written, URL-encoded, and for a
 * URL also its normalised form, its path and query, and the token-like parts of those (a receiver
 * that echoes the request path shows only that).
 */
export function secretForms(value: string): string[] {
  const forms = new Set([value, encodeURIComponent(value)]);
  let url: URL | undefined;
  try {
    url = /^https?:\/\//i.test(value) ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (url) {
    forms.add(url.href);
    if (url.pathname.length > 1) forms.add(url.pathname + url.search);
    if (url.search) forms.add(url.search);
    if (url.username) forms.add(url.username);
    if (url.password) forms.add(url.password);
    for (const seg of url.pathname.split("/")) if (tokenLike(seg)) forms.add(seg);
    for (const [, v] of url.searchParams) if (tokenLike(v)) forms.add(v).add(encodeURIComponent(v));
  }
  return [...forms].filter((f) => f.length >= MIN_SECRET_CHARS);
}

/** Masks secret values in text. */
export type Redactor = (text: string) => string;

/** A redactor for a set of secret values (each in all its {@link secretForms}); the identity when there are none. */
export function redactorFor(secrets: readonly string[]): Redactor {
  const forms = [...new Set(secrets.flatMap(secretForms))].sort((a, b) => b.length - a.length);
  if (forms.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const f of forms) if (out.includes(f)) out = out.split(f).join(SECRET_MASK);
    // A message cut at a fixed length may end in the first part of a secret.
    for (const f of forms) {
      for (let n = Math.min(f.length - 1, out.length); n >= MIN_TAIL_CHARS; n--) {
        if (out.endsWith(f.slice(0, n))) {
          out = out.slice(0, out.length - n) + SECRET_MASK;
          break;
        }
      }
    }
    return out;
  };
}

/** What a redactor is built from: a channel's settings and its notifier's schema. */
export interface SecretHolder {
  /** Settings (validated against the schema). */
  settings: unknown;
  /** The notifier, whose schema marks the secrets. */
  notifier: { schema: TSchema };
}

const redactors = new WeakMap<SecretHolder, Redactor>();

/** The redactor of a channel's secrets (built once per channel object). */
export function channelRedactor(channel: SecretHolder): Redactor {
  let r = redactors.get(channel);
  if (!r) {
    r = redactorFor(secretStrings(channel.notifier.schema, channel.settings));
    redactors.set(channel, r);
  }
  return r;
}

/** A delivery outcome with the channel's secrets masked in its error and detail. */
export function redactResult(channel: SecretHolder, r: DeliveryResult): DeliveryResult {
  const redact = channelRedactor(channel);
  if (r.ok) return r.detail === undefined ? r : { ...r, detail: redact(r.detail) };
  return { ...r, error: redact(r.error) };
}

/**
 * Puts stored secrets back where an update sends the mask: the API shows secrets as
 * {@link SECRET_MASK}, so a client that sends back what it read keeps them. `missing` lists the
 * paths (`url`, `headers.Authorization`) where the mask was sent but nothing is stored.
 */
export function restoreSecrets(schema: TSchema, incoming: unknown, stored: unknown): { value: unknown; missing: string[] } {
  const missing: string[] = [];
  const join = (path: string, key: string | number) => (typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key);
  const secret = (v: unknown, old: unknown, path: string): unknown => {
    if (v === SECRET_MASK) {
      if (old === undefined || old === SECRET_MASK) missing.push(path);
      return old;
    }
    if (Array.isArray(v)) return v.map((x, i) => secret(x, Array.isArray(old) ? old[i] : undefined, join(path, i)));
    if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, secret(x, isRecord(old) ? old[k] : undefined, join(path, k))]));
    return v;
  };
  const go = (s: SchemaNode, v: unknown, old: unknown, path: string): unknown => {
    if (s.secret === true) return secret(v, old, path);
    if (s.anyOf) {
      if (!s.anyOf.some(holdsSecret)) return v;
      const member = memberFor(s.anyOf, v);
      return member ? go(node(member), v, old, path) : secret(v, old, path);
    }
    if (Array.isArray(v) && isSchema(s.items)) {
      const items = node(s.items);
      return v.map((x, i) => go(items, x, Array.isArray(old) ? old[i] : undefined, join(path, i)));
    }
    if (isRecord(v) && (s.properties || s.patternProperties || isSchema(s.additionalProperties))) {
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => {
          const p = propertySchema(s, k);
          return [k, p ? go(node(p), x, isRecord(old) ? old[k] : undefined, join(path, k)) : x];
        }),
      );
    }
    return v;
  };
  return { value: go(node(schema), incoming, stored, ""), missing };
}
