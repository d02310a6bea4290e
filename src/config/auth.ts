/** The `auth` section of a native file in base units. */
import { parseDurationMs } from "../lib/duration.ts";
import { AUTH_DEFAULTS } from "./schema/auth.ts";

/** Sessions, cookie and rate limits, in base units. */
export interface AuthConfig {
  /** A session ends after this long without a request. */
  sessionIdleMs: number;
  /** A session ends this long after its login. */
  sessionMaxMs: number;
  /** The session cookie's `Secure` flag. */
  cookieSecure: "auto" | "always" | "never";
  /** Take the client's address from `X-Forwarded-For`. */
  trustProxy: boolean;
  /** Login attempts per client address per window. */
  loginPerIp: number;
  /** Failed logins per user name per window. */
  loginPerUser: number;
  /** Window of the login limits. */
  loginWindowMs: number;
  /** Requests per client address per window on a public route. */
  publicRequests: number;
  /** Window of the public limit. */
  publicWindowMs: number;
  /** The file that set it (absent: the defaults). */
  file?: string;
}

const ms = (v: string | number | undefined, dflt: string): number => (v === undefined ? undefined : parseDurationMs(v)) ?? parseDurationMs(dflt) ?? 0;

/** The defaults, in base units. */
export const DEFAULT_AUTH: AuthConfig = authOf(undefined, {}) as AuthConfig;

/** The `auth` section in base units (the schema has checked its shape); undefined when absent. */
export function authOf(file: string | undefined, raw: unknown): AuthConfig | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  type Raw = { sessionIdle?: string | number; sessionMax?: string | number; cookieSecure?: AuthConfig["cookieSecure"]; trustProxy?: boolean; loginRateLimit?: { perIp?: number; perUser?: number; window?: string | number }; publicRateLimit?: { requests?: number; window?: string | number } };
  const a = raw as Raw;
  const d = AUTH_DEFAULTS;
  return {
    sessionIdleMs: ms(a.sessionIdle, d.sessionIdle),
    sessionMaxMs: ms(a.sessionMax, d.sessionMax),
    cookieSecure: a.cookieSecure ?? d.cookieSecure,
    trustProxy: a.trustProxy ?? d.trustProxy,
    loginPerIp: a.loginRateLimit?.perIp ?? d.loginPerIp,
    loginPerUser: a.loginRateLimit?.perUser ?? d.loginPerUser,
    loginWindowMs: ms(a.loginRateLimit?.window, d.loginWindow),
    publicRequests: a.publicRateLimit?.requests ?? d.publicRequests,
    publicWindowMs: ms(a.publicRateLimit?.window, d.publicWindow),
    ...(file !== undefined ? { file } : {}),
  };
}
