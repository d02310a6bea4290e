/**
 * The check-in URLs Upbeat answers, parsed without I/O: Healthchecks-style `/ping/<uuid>[/…]`
 * and `/ping/<ping-key>/<slug>[/…]`, and Uptime Kuma's `/api/push/<token>?status=…`.
 */

/** What a ping asks for. */
export type PingKind = "success" | "start" | "fail" | "log" | "exit";

/** Which check a ping addresses. */
export type PingTarget = { by: "uuid"; uuid: string } | { by: "slug"; pingKey: string; slug: string };

/** A parsed Healthchecks-style ping. */
export interface ParsedPing {
  /** The check. */
  target: PingTarget;
  /** What it reports. */
  kind: PingKind;
  /** Exit code, for `exit` (0 is a success). */
  exitCode?: number;
  /** Run id (`?rid=`), to keep overlapping runs apart. */
  rid?: string;
  /** `?create=1`: create the check (slug form) if it does not exist. */
  create: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SLUG = /^[a-z0-9][a-z0-9_-]{0,99}$/i;
const KEY = /^[A-Za-z0-9_-]{8,128}$/;

function suffix(parts: string[]): { kind: PingKind; exitCode?: number } | { error: string } {
  if (parts.length === 0) return { kind: "success" };
  if (parts.length > 1) return { error: "too many path segments" };
  const s = parts[0] as string;
  if (s === "start" || s === "fail" || s === "log") return { kind: s };
  if (/^\d{1,3}$/.test(s) && Number(s) <= 255) return Number(s) === 0 ? { kind: "success", exitCode: 0 } : { kind: "exit", exitCode: Number(s) };
  return { error: `unknown ping "${s}" (expected start, fail, log or an exit code 0-255)` };
}

/** Parses `/ping/…` (path after the base, query separate); an error names what is wrong. */
export function parsePingPath(path: string, query: URLSearchParams): ParsedPing | { error: string } {
  const parts = path.split("/").filter(Boolean);
  if (parts[0] !== "ping" || parts.length < 2) return { error: "expected /ping/<uuid> or /ping/<ping-key>/<slug>" };
  const rid = query.get("rid") ?? undefined;
  if (rid !== undefined && !UUID.test(rid) && !/^[A-Za-z0-9_.-]{1,64}$/.test(rid)) return { error: "rid must be a UUID or up to 64 letters, digits, '.', '_' or '-'" };
  const create = query.get("create") === "1";
  const first = parts[1] as string;
  let target: PingTarget;
  let rest: string[];
  if (UUID.test(first)) {
    target = { by: "uuid", uuid: first.toLowerCase() };
    rest = parts.slice(2);
  } else {
    const slug = parts[2];
    if (!KEY.test(first) || slug === undefined) return { error: "expected /ping/<uuid> or /ping/<ping-key>/<slug>" };
    if (!SLUG.test(slug)) return { error: `bad slug "${slug.slice(0, 100)}" (letters, digits, '-' and '_')` };
    target = { by: "slug", pingKey: first, slug: slug.toLowerCase() };
    rest = parts.slice(3);
  }
  const s = suffix(rest);
  if ("error" in s) return s;
  return { target, ...s, ...(rid ? { rid } : {}), create };
}

/** A parsed Uptime Kuma push. */
export interface ParsedPush {
  /** The push token. */
  token: string;
  /** up or down (Kuma's default is up). */
  status: "up" | "down";
  /** Message shown with the result. */
  msg?: string;
  /** Response time the client measured (ms). */
  pingMs?: number;
}

/** Parses `/api/push/<token>` with Kuma's `status`, `msg` and `ping` query parameters. */
export function parsePushPath(path: string, query: URLSearchParams): ParsedPush | { error: string } {
  const m = /^\/api\/push\/([A-Za-z0-9_-]{1,64})\/?$/.exec(path);
  if (!m) return { error: "expected /api/push/<token>" };
  const status = (query.get("status") ?? "up").toLowerCase();
  if (status !== "up" && status !== "down") return { error: `status must be up or down, not "${status.slice(0, 20)}"` };
  const ping = query.get("ping");
  const pingMs = ping === null || ping === "" ? undefined : Number(ping);
  if (pingMs !== undefined && (!Number.isFinite(pingMs) || pingMs < 0)) return { error: "ping must be a number of milliseconds" };
  const msg = query.get("msg") ?? undefined;
  return { token: m[1] as string, status, ...(msg ? { msg: msg.slice(0, 1000) } : {}), ...(pingMs !== undefined ? { pingMs } : {}) };
}
