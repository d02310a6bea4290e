/**
 * The real `Access`: a request is an API key's (`Authorization: Bearer <key>`, no CSRF token
 * needed: a browser never adds that header on its own) or a session's (the `upbeat_session`
 * cookie; writes must echo the session's CSRF token in `X-CSRF-Token`). On public routes nothing
 * is ever refused here: pings and status pages answer whatever the caller's cookies say, and a
 * store that cannot be read leaves the caller anonymous there.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Kysely } from "kysely";
import { type Access, neededAccess, type Principal, type Role } from "../api/access.ts";
import type { AuthConfig } from "../config/auth.ts";
import type { Database } from "../store/schema.ts";
import { type ApiKey, findApiKey, touchApiKey } from "./api-keys.ts";
import { sameSecret } from "./secrets.ts";
import { findSession, SESSION_COOKIE, type SessionFound, sessionLive, touchSession } from "./sessions.ts";

/** How the caller of a request proved who it is. */
export type Credential = { kind: "session"; session: SessionFound } | { kind: "apiKey"; key: ApiKey };

/** What the access needs. */
export interface AuthAccessDeps {
  /** The store's query builder. */
  db: Kysely<Database>;
  /** Epoch-ms clock. */
  now: () => number;
  /** Session lifetimes and cookie settings. */
  settings: Pick<AuthConfig, "sessionIdleMs" | "cookieSecure">;
}

const READS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Last-seen times are advisory: a write that fails (a busy database) never fails the request. */
const ignoreTouch = (): void => {};

/** Whether the request came over HTTPS, directly or through a proxy saying so. */
function overHttps(req: FastifyRequest): boolean {
  if (req.protocol === "https") return true;
  // Only ever makes a cookie stricter, so a client claiming https itself can harm only itself.
  const proto = req.headers["x-forwarded-proto"];
  return typeof proto === "string" && proto.split(",")[0]?.trim().toLowerCase() === "https";
}

/** The `Set-Cookie` value of a session token (empty token: the cookie is cleared). */
export function sessionCookie(req: FastifyRequest, secure: AuthConfig["cookieSecure"], token: string, maxAgeSec: number): string {
  const isSecure = secure === "always" || (secure === "auto" && overHttps(req));
  // The token is base64url: nothing in it needs encoding.
  return `${SESSION_COOKIE}=${token}; Max-Age=${Math.max(0, Math.floor(maxAgeSec))}; Path=/; HttpOnly; SameSite=Lax${isSecure ? "; Secure" : ""}`;
}

const TOKEN = /^[A-Za-z0-9_-]{20,100}$/;

/** The session token of a request's cookie (only the one cookie is read, so no general parser is needed). */
function cookieToken(req: FastifyRequest): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1");
    if (TOKEN.test(value)) return value;
  }
  return undefined;
}

/** The access of a running Upbeat: users' sessions and API keys from the store. */
export class AuthAccess implements Access {
  readonly #credentials = new WeakMap<FastifyRequest, Credential>();

  /** Makes it over the store. */
  constructor(private readonly d: AuthAccessDeps) {}

  /** How the caller of `req` was recognised (undefined: anonymous). */
  credential(req: FastifyRequest): Credential | undefined {
    return this.#credentials.get(req);
  }

  /** See `Access.resolve`. */
  async resolve(req: FastifyRequest, reply: FastifyReply): Promise<Principal | undefined> {
    const isPublic = neededAccess(req) === "public";
    try {
      return await this.#resolve(req, reply, isPublic);
    } catch (e) {
      // Heartbeats and status pages never fail because the users' tables cannot be read.
      if (isPublic) return undefined;
      throw e;
    }
  }

  async #resolve(req: FastifyRequest, reply: FastifyReply, isPublic: boolean): Promise<Principal | undefined> {
    const now = this.d.now();
    const bearer = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? "");
    if (bearer?.[1]) {
      const found = await findApiKey(this.d.db, bearer[1], now);
      if (!found) return undefined;
      await touchApiKey(this.d.db, found.key, now).catch(ignoreTouch);
      this.#credentials.set(req, { kind: "apiKey", key: found.key });
      return { kind: "apiKey", userId: found.user.id, name: found.user.name, role: found.user.role as Role, readOnly: found.key.readOnly };
    }
    const token = cookieToken(req);
    if (!token) return undefined;
    const session = await findSession(this.d.db, token);
    if (!session || !sessionLive(session, now, this.d.settings.sessionIdleMs)) {
      // Tell the browser to forget a dead cookie (not on public pages, which may be cached).
      if (!isPublic) void reply.header("set-cookie", sessionCookie(req, this.d.settings.cookieSecure, "", 0));
      return undefined;
    }
    if (!READS.has(req.method) && !this.#csrfOk(req, session)) {
      // A public route's write just goes on anonymously; elsewhere the request stops here.
      if (!isPublic) await reply.code(403).send({ code: "UPBEAT_CSRF", message: "a write with the session cookie needs the header X-CSRF-Token (the csrfToken given at login)", statusCode: 403 });
      return undefined;
    }
    await touchSession(this.d.db, session, now).catch(ignoreTouch);
    this.#credentials.set(req, { kind: "session", session });
    return { kind: "user", userId: session.user.id, name: session.user.name, role: session.user.role as Role };
  }

  #csrfOk(req: FastifyRequest, session: SessionFound): boolean {
    const sent = req.headers["x-csrf-token"];
    return typeof sent === "string" && sameSecret(sent, session.csrfToken);
  }
}
