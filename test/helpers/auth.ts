/**
 * An app with real users and access over a real SQLite file, for in-process tests (fastify
 * inject): the first admin `admin` / `ADMIN_PASSWORD`, the environment's key `ADMIN_KEY`, and
 * helpers to log in and to make users of each role.
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { buildApp } from "../../src/api/app.ts";
import type { Role } from "../../src/api/access.ts";
import { type Auth, startAuth } from "../../src/auth/auth.ts";
import { type AuthConfig, DEFAULT_AUTH } from "../../src/config/auth.ts";
import type { Store } from "../../src/store/types.ts";
import { quietLog } from "./engine.ts";
import { sqliteStore, type TestStore } from "./stores.ts";

/** The first admin's password in these tests. */
export const ADMIN_PASSWORD = "admin-password-1";
/** The environment's admin API key in these tests. */
export const ADMIN_KEY = "upb_test_admin_key_0123456789abcdef";

/** A logged-in browser: its cookie and CSRF token. */
export interface Session {
  /** `upbeat_session=<token>`, for the Cookie header. */
  cookie: string;
  /** What writes send as X-CSRF-Token. */
  csrf: string;
  /** The user's id. */
  userId: string;
}

/** The app and its helpers. */
export interface AuthTestApp {
  /** The app (ready). */
  app: FastifyInstance;
  /** The wiring under test. */
  auth: Auth;
  /** The store. */
  store: Store;
  /** The clock the app reads; tests move `clock.ms`. */
  clock: { ms: number };
  /** Lines written to standard error. */
  errLines: string[];
  /** `POST /api/v1/auth/login`. */
  login(username: string, password: string, totp?: string): Promise<LightMyRequestResponse>;
  /** Logs in and returns the session (asserting success). */
  session(username: string, password: string, totp?: string): Promise<Session>;
  /** Makes a user (through the API, as the env admin key) and logs in as them. */
  userWith(role: Role, name?: string): Promise<Session & { name: string; password: string }>;
  /** inject with the admin key. */
  asAdminKey(o: InjectOptions): Promise<LightMyRequestResponse>;
  /** inject with a session's cookie and CSRF token. */
  asSession(s: Session, o: InjectOptions, csrf?: boolean): Promise<LightMyRequestResponse>;
  /** Closes and deletes everything. */
  close(): Promise<void>;
}

/** The `upbeat_session` cookie of a response, as a Cookie header value. */
export function cookieOf(r: LightMyRequestResponse): string {
  const set = ([] as string[]).concat(r.headers["set-cookie"] ?? []);
  const c = set.find((s) => s.startsWith("upbeat_session="));
  if (!c) throw new Error(`no session cookie in ${JSON.stringify(r.headers)}`);
  return c.split(";")[0] as string;
}

/** Starts the app on a fresh SQLite store (or `over.db`); login limits are high unless `over.settings` says otherwise. */
export async function authTestApp(over: { settings?: Partial<AuthConfig>; env?: Record<string, string>; db?: TestStore; extraRoutes?: Array<(app: FastifyInstance) => Promise<void>> } = {}): Promise<AuthTestApp> {
  const db = over.db ?? (await sqliteStore());
  const clock = { ms: Date.UTC(2026, 0, 5, 9, 0, 0) };
  const now = () => clock.ms;
  const errLines: string[] = [];
  const env = over.env ?? { UPBEAT_ADMIN_PASSWORD: ADMIN_PASSWORD, UPBEAT_ADMIN_API_KEY: ADMIN_KEY };
  const auth = await startAuth({ store: db.store, env, err: (s) => errLines.push(s), log: quietLog, settings: { ...DEFAULT_AUTH, loginPerIp: 10_000, loginPerUser: 10_000, ...over.settings }, now });
  const app = buildApp({ access: auth.access, setup: auth.setup, store: db.store, engine: () => undefined, ready: () => true, log: quietLog, now, extraRoutes: [auth.routes, ...(over.extraRoutes ?? [])] });
  await app.ready();
  const login = (username: string, password: string, totp?: string) => app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { username, password, ...(totp !== undefined ? { totp } : {}) } });
  const session = async (username: string, password: string, totp?: string): Promise<Session> => {
    const r = await login(username, password, totp);
    if (r.statusCode !== 200) throw new Error(`login ${username}: ${r.statusCode} ${r.body}`);
    const body = r.json() as { csrfToken: string; user: { id: string } };
    return { cookie: cookieOf(r), csrf: body.csrfToken, userId: body.user.id };
  };
  const asAdminKey = (o: InjectOptions) => app.inject({ ...o, headers: { ...o.headers, authorization: `Bearer ${ADMIN_KEY}` } });
  let n = 0;
  return {
    app,
    auth,
    store: db.store,
    clock,
    errLines,
    login,
    session,
    asAdminKey,
    userWith: async (role, name = `${role}-${++n}`) => {
      const password = `${name}-password`;
      const r = await asAdminKey({ method: "POST", url: "/api/v1/users", payload: { name, role, password } });
      if (r.statusCode !== 201) throw new Error(`make user ${name}: ${r.statusCode} ${r.body}`);
      return { ...(await session(name, password)), name, password };
    },
    asSession: (s, o, csrf = true) => app.inject({ ...o, headers: { ...o.headers, cookie: s.cookie, ...(csrf ? { "x-csrf-token": s.csrf } : {}) } }),
    close: async () => {
      await app.close();
      await db.cleanup();
    },
  };
}
