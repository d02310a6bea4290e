/**
 * Logging in and out, and a user's own credentials: `POST /api/v1/auth/login`,
 * `GET /api/v1/auth/me`, `POST /api/v1/auth/logout`, `POST /api/v1/auth/password`,
 * `POST /api/v1/auth/totp` (enrol), `POST /api/v1/auth/totp/confirm`, `DELETE /api/v1/auth/totp`.
 */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Kysely } from "kysely";
import type { AuthConfig } from "../config/auth.ts";
import type { AuthAccess } from "../auth/access.ts";
import { sessionCookie } from "../auth/access.ts";
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, verifyPassword } from "../auth/passwords.ts";
import { loginIpLimit, rateLimitedError, type UserLimiter, userLimiter } from "../auth/rate-limits.ts";
import { createSession, deleteSession, deleteUserSessions, purgeSessions, type SessionFound } from "../auth/sessions.ts";
import { acceptTotp, newTotpSecret, totpUri } from "../auth/totp.ts";
import { updateUser, userById, userByName, type UserRow, useTotpStep } from "../auth/users.ts";
import type { Database } from "../store/schema.ts";
import { sendError } from "./app.ts";

/** What the routes use. */
export interface AuthRouteDeps {
  /** The store's query builder. */
  db: Kysely<Database>;
  /** The access in force (tells sessions from keys). */
  access: AuthAccess;
  /** Settings. */
  settings: AuthConfig;
  /** Epoch-ms clock. */
  now: () => number;
}

const Password = (description: string, min = 1) => Type.String({ minLength: min, maxLength: MAX_PASSWORD_LENGTH, description });

const Login = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 200, description: "User name (case does not matter)." }),
    password: Password("Password."),
    totp: Type.Optional(Type.String({ maxLength: 16, description: "Current two-factor code, when the user has TOTP." })),
  },
  { additionalProperties: false },
);
const PasswordChange = Type.Object({ currentPassword: Password("The password now."), newPassword: Password(`The new password (${MIN_PASSWORD_LENGTH} characters at least).`, MIN_PASSWORD_LENGTH) }, { additionalProperties: false });
const Code = Type.Object({ code: Type.String({ minLength: 1, maxLength: 16, description: "A code from the authenticator app." }) }, { additionalProperties: false });
const TotpOff = Type.Object({ code: Type.Optional(Type.String({ minLength: 1, maxLength: 16 })), password: Type.Optional(Password("The user's password.")) }, { additionalProperties: false, description: "A current code or the password." });

const me = (u: UserRow) => ({ id: u.id, name: u.name, role: u.role, totpEnabled: u.totp_secret !== null });

/** The session of a request, or a 403 sent (API keys cannot change a user's credentials). */
function sessionOr403(d: AuthRouteDeps, req: FastifyRequest, reply: FastifyReply): SessionFound | undefined {
  const c = d.access.credential(req);
  if (c?.kind === "session") return c.session;
  void sendError(reply, 403, "UPBEAT_SESSION_REQUIRED", "log in with a password to change your own credentials (an API key cannot)");
  return undefined;
}

/** Checks a password for a signed-in user, counting failures with the login limit; sends the refusal. */
async function confirmPassword(d: AuthRouteDeps, limiter: UserLimiter, req: FastifyRequest, reply: FastifyReply, user: UserRow, password: string): Promise<boolean> {
  const wait = await limiter.blocked(req, user.name);
  if (wait !== undefined) {
    void reply.header("retry-after", String(wait));
    throw rateLimitedError("failed attempts for this user", wait);
  }
  if (await verifyPassword(user.password_hash, password)) return true;
  await limiter.fail(req, user.name);
  void sendError(reply, 403, "UPBEAT_WRONG_PASSWORD", "the password is wrong");
  return false;
}

/** `POST /api/v1/auth/login`: password, then the TOTP code when the user has one; a session and its cookie. */
async function login(d: AuthRouteDeps, limiter: UserLimiter, req: FastifyRequest<{ Body: Static<typeof Login> }>, reply: FastifyReply) {
  const name = req.body.username.trim().toLowerCase();
  const wait = await limiter.blocked(req, name);
  if (wait !== undefined) {
    void reply.header("retry-after", String(wait));
    throw rateLimitedError("failed logins for this user", wait);
  }
  const user = await userByName(d.db, name);
  // An unknown name verifies against a dummy hash: the answer takes as long as a wrong password.
  const ok = await verifyPassword(user?.password_hash, req.body.password);
  if (!user || !ok || user.disabled !== 0) {
    await limiter.fail(req, name);
    return sendError(reply, 401, "UPBEAT_LOGIN_FAILED", "wrong user name or password");
  }
  if (user.totp_secret !== null) {
    const code = req.body.totp?.replace(/\s/g, "");
    if (!code) return sendError(reply, 401, "UPBEAT_TOTP_REQUIRED", "this user has two-factor login: send the current code as totp");
    const step = acceptTotp(user.totp_secret, code, d.now(), user.totp_last_step);
    if (step === undefined || !(await useTotpStep(d.db, user.id, step))) {
      await limiter.fail(req, name);
      return sendError(reply, 401, "UPBEAT_TOTP_FAILED", "the two-factor code is wrong, expired or already used");
    }
  }
  const now = d.now();
  await purgeSessions(d.db, now, d.settings.sessionIdleMs);
  const s = await createSession(d.db, user.id, now, d.settings.sessionMaxMs);
  void reply.header("set-cookie", sessionCookie(req, d.settings.cookieSecure, s.token, Math.floor(d.settings.sessionMaxMs / 1000)));
  return { user: me(user), csrfToken: s.csrfToken };
}

/** Registers the routes (the rate limiter must be registered on the root app). */
export async function authRoutes(app: FastifyInstance, d: AuthRouteDeps): Promise<void> {
  const limiter = userLimiter(app, d.settings);

  app.post<{ Body: Static<typeof Login> }>("/api/v1/auth/login", { schema: { body: Login }, config: { access: "public", ...loginIpLimit(d.settings) } }, (req, reply) => login(d, limiter, req, reply));

  app.get("/api/v1/auth/me", { config: { access: "viewer" } }, async (req) => {
    const c = d.access.credential(req);
    const user = c?.kind === "session" ? c.session.user : await userById(d.db, req.principal?.userId ?? "");
    const body = { user: user ? me(user) : null, csrfToken: c?.kind === "session" ? c.session.csrfToken : null };
    return c?.kind === "apiKey" ? { ...body, apiKey: { id: c.key.id, name: c.key.name, readOnly: c.key.readOnly } } : body;
  });

  app.post("/api/v1/auth/logout", { config: { access: "viewer" } }, async (req, reply) => {
    const c = d.access.credential(req);
    if (c?.kind === "session") await deleteSession(d.db, c.session.id);
    void reply.header("set-cookie", sessionCookie(req, d.settings.cookieSecure, "", 0));
    return reply.code(204).send();
  });

  app.post<{ Body: Static<typeof PasswordChange> }>("/api/v1/auth/password", { schema: { body: PasswordChange }, config: { access: "viewer" } }, async (req, reply) => {
    const s = sessionOr403(d, req, reply);
    if (!s || !(await confirmPassword(d, limiter, req, reply, s.user, req.body.currentPassword))) return reply;
    await updateUser(d.db, s.user.id, { password_hash: await hashPassword(req.body.newPassword) }, d.now());
    // Whoever else was logged in as this user is out; this session stays.
    await deleteUserSessions(d.db, s.user.id, s.id);
    return reply.code(204).send();
  });

  app.post("/api/v1/auth/totp", { config: { access: "viewer" } }, async (req, reply) => {
    const s = sessionOr403(d, req, reply);
    if (!s) return reply;
    if (s.user.totp_secret !== null) return sendError(reply, 409, "UPBEAT_TOTP_ENABLED", "two-factor login is on already; turn it off first to enrol a new device");
    const secret = newTotpSecret();
    await updateUser(d.db, s.user.id, { totp_pending: secret }, d.now());
    return { secret, uri: totpUri(secret, s.user.name) };
  });

  app.post<{ Body: Static<typeof Code> }>("/api/v1/auth/totp/confirm", { schema: { body: Code }, config: { access: "viewer" } }, async (req, reply) => {
    const s = sessionOr403(d, req, reply);
    if (!s) return reply;
    if (s.user.totp_pending === null) return sendError(reply, 409, "UPBEAT_TOTP_NOT_PENDING", "start with POST /api/v1/auth/totp");
    const step = acceptTotp(s.user.totp_pending, req.body.code.replace(/\s/g, ""), d.now(), null);
    if (step === undefined) return sendError(reply, 400, "UPBEAT_TOTP_FAILED", "body/code is not the current code of the new secret (check the device's clock)");
    await updateUser(d.db, s.user.id, { totp_secret: s.user.totp_pending, totp_pending: null, totp_last_step: step }, d.now());
    await deleteUserSessions(d.db, s.user.id, s.id);
    return { totpEnabled: true };
  });

  app.delete<{ Body: Static<typeof TotpOff> }>("/api/v1/auth/totp", { schema: { body: TotpOff }, config: { access: "viewer" } }, async (req, reply) => {
    const s = sessionOr403(d, req, reply);
    if (!s) return reply;
    const { code, password } = req.body ?? {};
    if ((code === undefined) === (password === undefined)) return sendError(reply, 400, "UPBEAT_BAD_REQUEST", "body must have code or password (one of them)");
    if (s.user.totp_secret === null) return sendError(reply, 409, "UPBEAT_TOTP_NOT_ENABLED", "two-factor login is off");
    if (password !== undefined && !(await confirmPassword(d, limiter, req, reply, s.user, password))) return reply;
    if (code !== undefined) {
      const step = acceptTotp(s.user.totp_secret, code.replace(/\s/g, ""), d.now(), s.user.totp_last_step);
      if (step === undefined || !(await useTotpStep(d.db, s.user.id, step))) return sendError(reply, 403, "UPBEAT_TOTP_FAILED", "the two-factor code is wrong, expired or already used");
    }
    await updateUser(d.db, s.user.id, { totp_secret: null, totp_pending: null, totp_last_step: null }, d.now());
    return { totpEnabled: false };
  });
}
