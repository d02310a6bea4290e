/**
 * Rate limits (@fastify/rate-limit, counted in memory per client address): login per address and
 * per user name, and one limit public pages opt into with `PUBLIC_RATE_LIMIT`. Nothing else is
 * limited: pings, Lovebeat's API and statsd must never refuse a heartbeat.
 */
import rateLimit, { normalizeIP } from "@fastify/rate-limit";
import type { FastifyContextConfig, FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from "fastify";
import type { AuthConfig } from "../config/auth.ts";

/**
 * Spread into a public route's `config` to put it under the public limit (`auth.publicRateLimit`):
 * `app.get("/pages/:slug", { config: { ...PUBLIC_RATE_LIMIT } }, …)`. Each route counts on its own,
 * per client address. Without the limiter registered (unit tests) it does nothing.
 */
export const PUBLIC_RATE_LIMIT: Pick<FastifyContextConfig, "rateLimit"> = { rateLimit: {} };

/** The error a refused request gets (the app's error handler turns it into the usual JSON shape). */
export class RateLimitedError extends Error {
  /** Stable code. */
  readonly code = "UPBEAT_RATE_LIMITED";
  /** HTTP status. */
  readonly statusCode = 429;
}

/** The client's address: the socket's, or the one the trusted proxy added last to `X-Forwarded-For`. */
export function clientIp(req: FastifyRequest, trustProxy: boolean): string {
  if (trustProxy) {
    const xff = req.headers["x-forwarded-for"];
    const last = (Array.isArray(xff) ? xff.join(",") : (xff ?? "")).split(",").map((s) => s.trim()).filter(Boolean).pop();
    if (last) return last;
  }
  return req.ip;
}

/** The rate-limit key of a request's client (IPv6 addresses by /64, as one host usually holds a whole /64). */
export function clientKey(req: FastifyRequest, trustProxy: boolean): string {
  const ip = clientIp(req, trustProxy);
  try {
    return normalizeIP(ip);
  } catch {
    return ip;
  }
}

/** `retry in 4 minutes`-style wording of a wait. */
function waitWords(sec: number): string {
  return sec >= 120 ? `${Math.ceil(sec / 60)} minutes` : `${sec} seconds`;
}

/** The error of a refused request, `Retry-After` already set by the caller or the plugin. */
export function rateLimitedError(what: string, retryAfterSec: number): RateLimitedError {
  return new RateLimitedError(`too many ${what}; retry in ${waitWords(retryAfterSec)}`);
}

/**
 * Registers the limiter on the root app (`buildApp`'s `setup`, before any route). Every route
 * whose `config.rateLimit` is an object gets that limit, however it was declared: the plugin's
 * own hook only sees routes declared after it has loaded, so this one takes the limit off each
 * route as it is added and applies it through the plugin from the first request on.
 */
export function registerRateLimits(app: FastifyInstance, s: Pick<AuthConfig, "publicRequests" | "publicWindowMs" | "trustProxy">): void {
  void app.register(rateLimit, {
    global: false,
    max: s.publicRequests,
    timeWindow: s.publicWindowMs,
    keyGenerator: (req) => clientKey(req, s.trustProxy),
    errorResponseBuilder: (_req, ctx) => rateLimitedError("requests", Math.ceil(ctx.ttl / 1000)),
  });
  app.addHook("onRoute", (route) => {
    const options = route.config?.rateLimit;
    if (!options || typeof options !== "object") return;
    // `false` tells the plugin's hook to leave the route alone (it would count each request twice).
    route.config = { ...route.config, rateLimit: false };
    let limiter: onRequestAsyncHookHandler | undefined;
    const hook: onRequestAsyncHookHandler = async function (req, reply) {
      limiter ??= app.rateLimit(options) as unknown as onRequestAsyncHookHandler;
      await limiter.call(this, req, reply);
    };
    route.onRequest = [...([] as onRequestAsyncHookHandler[]).concat((route.onRequest as onRequestAsyncHookHandler | onRequestAsyncHookHandler[] | undefined) ?? []), hook];
  });
}

/** The route config of the login route: attempts per client address. */
export function loginIpLimit(s: Pick<AuthConfig, "loginPerIp" | "loginWindowMs" | "trustProxy">): Pick<FastifyContextConfig, "rateLimit"> {
  return { rateLimit: { max: s.loginPerIp, timeWindow: s.loginWindowMs, keyGenerator: (req) => `login-ip:${clientKey(req, s.trustProxy)}`, errorResponseBuilder: (_req, ctx) => rateLimitedError("login attempts from this address", Math.ceil(ctx.ttl / 1000)) } };
}

/** Failed logins per user name: checked before a login, counted after a failure only (a user's own logins never lock them out). */
export interface UserLimiter {
  /** Seconds to wait when the name has used its failures, else undefined. */
  blocked(req: FastifyRequest, name: string): Promise<number | undefined>;
  /** Counts a failure for the name. */
  fail(req: FastifyRequest, name: string): Promise<void>;
}

/** A per-user-name limiter (the limiter must be registered on `app`). */
export function userLimiter(app: FastifyInstance, s: Pick<AuthConfig, "loginPerUser" | "loginWindowMs">): UserLimiter {
  const names = new WeakMap<FastifyRequest, string>();
  const limit = app.createRateLimit({ max: s.loginPerUser, timeWindow: s.loginWindowMs, keyGenerator: (req) => `login-user:${names.get(req) ?? ""}` });
  return {
    async blocked(req, name) {
      names.set(req, name);
      const r = await limit(req, { increment: false });
      return !r.isAllowed && r.remaining <= 0 ? Math.max(1, r.ttlInSeconds) : undefined;
    },
    async fail(req, name) {
      names.set(req, name);
      await limit(req);
    },
  };
}
