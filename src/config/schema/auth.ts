/** The `auth` section: sessions, cookies, the proxy in front, and rate limits on login and public pages. */
import { Type } from "@sinclair/typebox";
import { Duration } from "./common.ts";

/** Defaults of the `auth` section (one place: the schema and the loader both read it). */
export const AUTH_DEFAULTS = {
  sessionIdle: "24h",
  sessionMax: "30d",
  cookieSecure: "auto",
  trustProxy: false,
  loginPerIp: 10,
  loginPerUser: 10,
  loginWindow: "5m",
  publicRequests: 600,
  publicWindow: "1m",
} as const;

/** Settings of users, sessions and rate limits. */
export const AuthSettings = Type.Object(
  {
    sessionIdle: Type.Optional(Duration("A session ends after this long without a request.", AUTH_DEFAULTS.sessionIdle)),
    sessionMax: Type.Optional(Duration("A session ends this long after its login, however active.", AUTH_DEFAULTS.sessionMax)),
    cookieSecure: Type.Optional(
      Type.Union([Type.Literal("auto"), Type.Literal("always"), Type.Literal("never")], {
        default: AUTH_DEFAULTS.cookieSecure,
        description: "The session cookie's `Secure` flag: `auto` sets it when the request came over HTTPS (directly, or with `X-Forwarded-Proto: https` from a proxy), `always` on every login (the dashboard then works over HTTPS only), `never` never.",
      }),
    ),
    trustProxy: Type.Optional(
      Type.Boolean({
        default: AUTH_DEFAULTS.trustProxy,
        description: "Upbeat runs behind a reverse proxy: the client's address for rate limits is the last one in `X-Forwarded-For` (the one the proxy added). Leave off when clients reach Upbeat directly, or they could pick their own address.",
      }),
    ),
    loginRateLimit: Type.Optional(
      Type.Object(
        {
          perIp: Type.Optional(Type.Integer({ minimum: 1, default: AUTH_DEFAULTS.loginPerIp, description: "Login attempts allowed from one client address per window." })),
          perUser: Type.Optional(Type.Integer({ minimum: 1, default: AUTH_DEFAULTS.loginPerUser, description: "Failed logins allowed for one user name per window (successful ones do not count)." })),
          window: Type.Optional(Duration("The window the attempts are counted in.", AUTH_DEFAULTS.loginWindow)),
        },
        { additionalProperties: false, description: "Login attempts past these limits get 429 with `Retry-After`." },
      ),
    ),
    publicRateLimit: Type.Optional(
      Type.Object(
        {
          requests: Type.Optional(Type.Integer({ minimum: 1, default: AUTH_DEFAULTS.publicRequests, description: "Requests allowed from one client address per window, per public page or badge route." })),
          window: Type.Optional(Duration("The window the requests are counted in.", AUTH_DEFAULTS.publicWindow)),
        },
        { additionalProperties: false, description: "Limit on public status pages and badges (never on pings, Lovebeat's API or statsd: heartbeats are never refused)." },
      ),
    ),
  },
  { additionalProperties: false, title: "auth", description: "Users' sessions, the session cookie, and rate limits on login and on public pages. Read at start." },
);
