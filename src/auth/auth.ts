/**
 * Users and access for a running Upbeat: the first admin and the environment's key at start, the
 * `Access` of the API, the rate limiter, and the auth, users and API-key routes.
 */
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { apiKeyRoutes } from "../api/api-key-routes.ts";
import { authRoutes } from "../api/auth-routes.ts";
import { userRoutes } from "../api/user-routes.ts";
import { type AuthConfig, DEFAULT_AUTH } from "../config/auth.ts";
import type { Store } from "../store/types.ts";
import { AuthAccess } from "./access.ts";
import { bootstrapAuth } from "./bootstrap.ts";
import { prepareDummyHash } from "./passwords.ts";
import { registerRateLimits } from "./rate-limits.ts";

/** What `startAuth` needs. */
export interface AuthOptions {
  /** The store (users, sessions and keys live in it). */
  store: Store;
  /** Environment (`UPBEAT_ADMIN_PASSWORD`, `UPBEAT_ADMIN_API_KEY`). */
  env: Readonly<Record<string, string | undefined>>;
  /** Standard error (the first admin's generated password). */
  err: (s: string) => void;
  /** Log. */
  log: Logger;
  /** The `auth` settings (default: built-in). */
  settings?: AuthConfig | undefined;
  /** Epoch-ms clock. */
  now?: () => number;
}

/** Users and access, ready to wire into the app. */
export interface Auth {
  /** The access to give `buildApp`. */
  access: AuthAccess;
  /** Settings in force. */
  settings: AuthConfig;
  /** Registers the rate limiter: run it first on the app (`buildApp`'s `setup`). */
  setup(app: FastifyInstance): void;
  /** Registers the routes (as one of `buildApp`'s `extraRoutes`). */
  routes(app: FastifyInstance): Promise<void>;
}

/** Makes the first admin and the environment's key when needed, and returns the wiring. */
export async function startAuth(o: AuthOptions): Promise<Auth> {
  const now = o.now ?? Date.now;
  const settings = o.settings ?? DEFAULT_AUTH;
  const db = o.store.db;
  await bootstrapAuth(db, { env: o.env, err: o.err, log: o.log }, now());
  // The dummy hash unknown names are checked against is made now (in the background), not during someone's first login.
  prepareDummyHash();
  const access = new AuthAccess({ db, now, settings });
  return {
    access,
    settings,
    setup: (app) => registerRateLimits(app, settings),
    routes: async (app) => {
      await authRoutes(app, { db, access, settings, now });
      await userRoutes(app, { db, access, now });
      await apiKeyRoutes(app, { db, now });
    },
  };
}
