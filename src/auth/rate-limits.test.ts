/** Rate limits on login (per client address, per user name) and on public pages; nothing else limited. */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import Fastify, { type FastifyInstance } from "fastify";
import { ADMIN_PASSWORD, type AuthTestApp, authTestApp } from "../../test/helpers/auth.ts";
import { PUBLIC_RATE_LIMIT, registerRateLimits } from "./rate-limits.ts";

const publicPage = async (app: FastifyInstance) => {
  app.get("/pages/demo", { config: { ...PUBLIC_RATE_LIMIT } }, async () => ({ ok: true }));
};

describe("rate limits", () => {
  const apps: AuthTestApp[] = [];
  after(async () => {
    for (const a of apps) await a.close();
  });
  const start = async (settings: Parameters<typeof authTestApp>[0]) => {
    const a = await authTestApp(settings);
    apps.push(a);
    return a;
  };
  const from = (t: AuthTestApp, ip: string, username: string, password: string) => t.app.inject({ method: "POST", url: "/api/v1/auth/login", headers: { "x-forwarded-for": `203.0.113.9, ${ip}` }, payload: { username, password } });

  test("failed logins for one user name: refused with 429 and Retry-After past the limit, from any address; successes do not count", async () => {
    const t = await start({ settings: { loginPerUser: 2, loginPerIp: 100, trustProxy: true }, extraRoutes: [publicPage] });
    assert.equal((await from(t, "198.51.100.1", "admin", "wrong")).statusCode, 401);
    assert.equal((await from(t, "198.51.100.2", "admin", "wrong")).statusCode, 401);
    const limited = await from(t, "198.51.100.3", "admin", ADMIN_PASSWORD);
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.headers["set-cookie"], undefined);
    const retry = Number(limited.headers["retry-after"]);
    assert.ok(retry > 200 && retry <= 300, `Retry-After ${retry}`);
    assert.deepEqual(limited.json(), { code: "UPBEAT_RATE_LIMITED", message: "too many failed logins for this user; retry in 5 minutes", statusCode: 429 });
    // Another name is not affected, and a user's own successful logins never lock them out.
    const u = await t.userWith("viewer", "sam");
    for (let i = 0; i < 5; i++) assert.equal((await from(t, `198.51.100.${10 + i}`, "sam", u.password)).statusCode, 200);
    assert.equal((await from(t, "198.51.100.30", "Admin", "wrong")).statusCode, 429, "the name's case does not escape the limit");
  });

  test("attempts from one address: refused past the limit whatever the name; X-Forwarded-For counts only behind a trusted proxy", async () => {
    const t = await start({ settings: { loginPerIp: 3, loginPerUser: 100, trustProxy: false } });
    for (let i = 0; i < 3; i++) assert.equal((await from(t, `198.51.100.${i}`, `user${i}`, "wrong")).statusCode, 401);
    const limited = await from(t, "198.51.100.99", "admin", ADMIN_PASSWORD);
    assert.equal(limited.statusCode, 429, "a made-up X-Forwarded-For does not escape the limit");
    assert.equal((limited.json() as { code: string }).code, "UPBEAT_RATE_LIMITED");
    assert.match((limited.json() as { message: string }).message, /^too many login attempts from this address; retry in \d+ minutes$/);
    assert.ok(Number(limited.headers["retry-after"]) > 0);

    const proxied = await start({ settings: { loginPerIp: 3, loginPerUser: 100, trustProxy: true } });
    for (let i = 0; i < 3; i++) assert.equal((await from(proxied, "198.51.100.7", `u${i}`, "wrong")).statusCode, 401);
    assert.equal((await from(proxied, "198.51.100.7", "admin", ADMIN_PASSWORD)).statusCode, 429);
    assert.equal((await from(proxied, "198.51.100.8", "admin", ADMIN_PASSWORD)).statusCode, 200, "another client behind the proxy");
  });

  test("public pages opt into the public limit; health, pings and the API are not limited by it", async () => {
    const t = await start({ settings: { publicRequests: 3 }, extraRoutes: [publicPage] });
    for (let i = 0; i < 3; i++) assert.equal((await t.app.inject({ method: "GET", url: "/pages/demo" })).statusCode, 200);
    const limited = await t.app.inject({ method: "GET", url: "/pages/demo" });
    assert.equal(limited.statusCode, 429);
    assert.equal((limited.json() as { code: string }).code, "UPBEAT_RATE_LIMITED");
    assert.ok(Number(limited.headers["retry-after"]) > 0);
    for (let i = 0; i < 20; i++) {
      assert.equal((await t.app.inject({ method: "GET", url: "/healthz" })).statusCode, 200);
      assert.equal((await t.asAdminKey({ method: "GET", url: "/api/v1/auth/me" })).statusCode, 200);
    }
  });

  test("a route declared directly after the limiter (before it has loaded) is limited too, once per request", async () => {
    const app = Fastify();
    registerRateLimits(app, { publicRequests: 2, publicWindowMs: 60_000, trustProxy: false });
    app.get("/direct", { config: { ...PUBLIC_RATE_LIMIT } }, async () => "ok");
    void app.register(async (scope) => {
      scope.get("/scoped", { config: { ...PUBLIC_RATE_LIMIT } }, async () => "ok");
    });
    app.get("/free", async () => "ok");
    await app.ready();
    try {
      for (const url of ["/direct", "/scoped"]) {
        const codes = [];
        for (let i = 0; i < 3; i++) codes.push((await app.inject({ url })).statusCode);
        assert.deepEqual(codes, [200, 200, 429], url);
      }
      const first = await app.inject({ url: "/free" });
      assert.equal(first.headers["x-ratelimit-limit"], undefined);
    } finally {
      await app.close();
    }
  });
});
