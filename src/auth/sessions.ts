/**
 * Login sessions. The cookie holds a random 32-byte token; the store keeps only its SHA-256, so a
 * copy of the database does not let anyone in. A session ends after `idleMs` without a request or
 * at its absolute expiry, whichever comes first.
 */
import type { Kysely } from "kysely";
import type { Database } from "../store/schema.ts";
import { randomToken, sha256Hex } from "./secrets.ts";
import type { UserRow } from "./users.ts";

/** The name of the session cookie. */
export const SESSION_COOKIE = "upbeat_session";

/** `last_seen_at` is written at most this often per session (not once per request). */
export const TOUCH_EVERY_MS = 60_000;

/** A session found by its token, with its user. */
export interface SessionFound {
  /** Row key (the token's hash). */
  id: string;
  /** The CSRF token writes must send. */
  csrfToken: string;
  /** Epoch ms of the last request seen (to within `TOUCH_EVERY_MS`). */
  lastSeenAt: number;
  /** Absolute expiry, epoch ms. */
  expiresAt: number;
  /** Its user. */
  user: UserRow;
}

/** A new session: the token for the cookie (shown only now) and the CSRF token. */
export async function createSession(db: Kysely<Database>, userId: string, nowMs: number, maxMs: number): Promise<{ token: string; id: string; csrfToken: string; expiresAt: number }> {
  const token = randomToken(32);
  const csrfToken = randomToken(32);
  const id = sha256Hex(token);
  const expiresAt = nowMs + maxMs;
  await db.insertInto("sessions").values({ id, user_id: userId, csrf_token: csrfToken, created_at: nowMs, last_seen_at: nowMs, expires_at: expiresAt }).execute();
  return { token, id, csrfToken, expiresAt };
}

/** The session of a cookie token and its user, if the row exists (validity is the caller's check). */
export async function findSession(db: Kysely<Database>, token: string): Promise<SessionFound | undefined> {
  const r = await db
    .selectFrom("sessions")
    .innerJoin("users", "users.id", "sessions.user_id")
    .select(["sessions.id as sid", "sessions.csrf_token", "sessions.last_seen_at", "sessions.expires_at"])
    .selectAll("users")
    .where("sessions.id", "=", sha256Hex(token))
    .executeTakeFirst();
  if (!r) return undefined;
  const { sid, csrf_token, last_seen_at, expires_at, ...user } = r;
  return { id: sid, csrfToken: csrf_token, lastSeenAt: last_seen_at, expiresAt: expires_at, user };
}

/** Whether a session is still good at `nowMs`. */
export function sessionLive(s: SessionFound, nowMs: number, idleMs: number): boolean {
  return nowMs < s.expiresAt && nowMs - s.lastSeenAt < idleMs && s.user.disabled === 0;
}

/** Records activity on a session, when the last record is older than `TOUCH_EVERY_MS`. */
export async function touchSession(db: Kysely<Database>, s: SessionFound, nowMs: number): Promise<void> {
  if (nowMs - s.lastSeenAt < TOUCH_EVERY_MS) return;
  await db.updateTable("sessions").set({ last_seen_at: nowMs }).where("id", "=", s.id).execute();
}

/** Ends one session. */
export async function deleteSession(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom("sessions").where("id", "=", id).execute();
}

/** Ends every session of a user, except `keepId` (the one changing its own password). */
export async function deleteUserSessions(db: Kysely<Database>, userId: string, keepId?: string): Promise<number> {
  let q = db.deleteFrom("sessions").where("user_id", "=", userId);
  if (keepId !== undefined) q = q.where("id", "!=", keepId);
  const r = await q.executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Deletes sessions past either expiry (run at each login, so the table never grows without bound). */
export async function purgeSessions(db: Kysely<Database>, nowMs: number, idleMs: number): Promise<number> {
  const r = await db
    .deleteFrom("sessions")
    .where((e) => e.or([e("expires_at", "<=", nowMs), e("last_seen_at", "<=", nowMs - idleMs)]))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
