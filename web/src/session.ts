/** Who is logged in: the session behind the cookie, its CSRF token, login and logout. */
import { ApiError, api, setCsrfToken } from "./api.ts";
import type { User } from "./types.ts";

/** The session as the dashboard knows it; `open` when the server has no users (every call allowed). */
export type Session = { kind: "user"; user: User } | { kind: "open" } | { kind: "none" };

interface MeBody {
  user: User | null;
  csrfToken: string | null;
}

/** Asks the server who we are. */
export async function whoAmI(): Promise<Session> {
  try {
    const me = await api<MeBody>("GET", "/api/v1/auth/me", undefined, { quiet401: true });
    setCsrfToken(me.csrfToken);
    return me.user ? { kind: "user", user: me.user } : { kind: "open" };
  } catch (e) {
    // A server without user accounts has no /auth routes: everything is open.
    if (e instanceof ApiError && e.status === 404) return { kind: "open" };
    if (e instanceof ApiError && e.status === 401) return { kind: "none" };
    throw e;
  }
}

/** Logs in; a user with two-factor login gets `UPBEAT_TOTP_REQUIRED` until `totp` is given. */
export async function logIn(username: string, password: string, totp?: string): Promise<User> {
  const r = await api<MeBody>("POST", "/api/v1/auth/login", { username, password, ...(totp ? { totp } : {}) }, { quiet401: true });
  setCsrfToken(r.csrfToken);
  return r.user as User;
}

/** Logs out (the cookie is cleared by the server). */
export async function logOut(): Promise<void> {
  await api("POST", "/api/v1/auth/logout").catch(() => undefined);
  setCsrfToken(null);
}

/** Whether the session may change things. */
export function canEdit(s: Session): boolean {
  return s.kind === "open" || (s.kind === "user" && s.user.role !== "viewer");
}

/** The name recorded as author of silences and notes. */
export function authorOf(s: Session): string {
  return s.kind === "user" ? s.user.name : "dashboard";
}
