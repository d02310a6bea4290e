/** Login, sessions, CSRF and the user's own credentials, in-process over a real SQLite file. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ADMIN_KEY, ADMIN_PASSWORD, type AuthTestApp, authTestApp, cookieOf } from "../../test/helpers/auth.ts";
import { sha256Hex } from "../auth/secrets.ts";

describe("auth routes", () => {
  let t: AuthTestApp;
  before(async () => {
    t = await authTestApp();
  });
  after(() => t.close());

  test("login sets an HttpOnly SameSite=Lax cookie and answers the user and a CSRF token; me answers the same", async () => {
    const r = await t.login("admin", ADMIN_PASSWORD);
    assert.equal(r.statusCode, 200);
    const body = r.json() as { user: { id: string; name: string; role: string }; csrfToken: string };
    assert.equal(body.user.name, "admin");
    assert.equal(body.user.role, "admin");
    assert.match(body.csrfToken, /^[A-Za-z0-9_-]{43}$/);
    const set = String(r.headers["set-cookie"]);
    assert.match(set, /^upbeat_session=[A-Za-z0-9_-]{43}; Max-Age=2592000; Path=\/; HttpOnly; SameSite=Lax$/);
    const me = await t.app.inject({ method: "GET", url: "/api/v1/auth/me", headers: { cookie: cookieOf(r) } });
    assert.equal(me.statusCode, 200);
    assert.deepEqual(me.json(), { user: { ...body.user, totpEnabled: false }, csrfToken: body.csrfToken });
    // The store keeps the token's hash, not the token.
    const token = cookieOf(r).split("=")[1] as string;
    const rows = await t.store.db.selectFrom("sessions").select("id").execute();
    assert.ok(rows.some((x) => x.id === sha256Hex(token)));
    assert.ok(!rows.some((x) => x.id === token));
  });

  test("behind HTTPS (or a proxy saying so) the cookie is Secure; the user name's case does not matter", async () => {
    const r = await t.app.inject({ method: "POST", url: "/api/v1/auth/login", headers: { "x-forwarded-proto": "https" }, payload: { username: "Admin", password: ADMIN_PASSWORD } });
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers["set-cookie"]), /; Secure/);
  });

  test("a wrong password and an unknown user get the same 401, in similar time", async () => {
    const time = async (name: string) => {
      const start = process.hrtime.bigint();
      const r = await t.login(name, "not-the-password");
      return { r, ms: Number(process.hrtime.bigint() - start) / 1e6 };
    };
    const wrong = await time("admin");
    const unknown = await time("nobody-at-all");
    assert.equal(wrong.r.statusCode, 401);
    assert.deepEqual(wrong.r.json(), unknown.r.json());
    assert.deepEqual(wrong.r.json(), { code: "UPBEAT_LOGIN_FAILED", message: "wrong user name or password", statusCode: 401 });
    assert.equal(wrong.r.headers["set-cookie"], undefined);
    // Both verify an argon2 hash: an unknown name is not answered at once.
    assert.ok(unknown.ms > wrong.ms / 4, `unknown ${unknown.ms} ms vs wrong ${wrong.ms} ms`);
  });

  test("no credentials, a made-up cookie or key: 401; a dead cookie is cleared", async () => {
    assert.equal((await t.app.inject({ method: "GET", url: "/api/v1/auth/me" })).statusCode, 401);
    const fake = await t.app.inject({ method: "GET", url: "/api/v1/auth/me", headers: { cookie: "upbeat_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" } });
    assert.equal(fake.statusCode, 401);
    assert.match(String(fake.headers["set-cookie"]), /^upbeat_session=; Max-Age=0;/);
    const key = await t.app.inject({ method: "GET", url: "/api/v1/auth/me", headers: { authorization: "Bearer upb_nope" } });
    assert.deepEqual(key.json(), { code: "UPBEAT_UNAUTHENTICATED", message: "log in or send an API key (Authorization: Bearer …)", statusCode: 401 });
  });

  test("cookie writes need X-CSRF-Token; API-key writes do not", async () => {
    const s = await t.session("admin", ADMIN_PASSWORD);
    const payload = { name: "csrf-check", role: "viewer", password: "long-enough-1" };
    const without = await t.asSession(s, { method: "POST", url: "/api/v1/users", payload }, false);
    assert.equal(without.statusCode, 403);
    assert.equal((without.json() as { code: string }).code, "UPBEAT_CSRF");
    const wrong = await t.app.inject({ method: "POST", url: "/api/v1/users", payload, headers: { cookie: s.cookie, "x-csrf-token": "x".repeat(43) } });
    assert.equal(wrong.statusCode, 403);
    const users = async () => ((await t.asAdminKey({ method: "GET", url: "/api/v1/users" })).json() as { users: Array<{ name: string }> }).users.map((u) => u.name);
    assert.ok(!(await users()).includes("csrf-check"), "nothing was made without the token");
    // Reads need no token.
    assert.equal((await t.asSession(s, { method: "GET", url: "/api/v1/users" }, false)).statusCode, 200);
    assert.equal((await t.asSession(s, { method: "POST", url: "/api/v1/users", payload })).statusCode, 201);
    const byKey = await t.app.inject({ method: "POST", url: "/api/v1/users", payload: { ...payload, name: "csrf-key" }, headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    assert.equal(byKey.statusCode, 201);
  });

  test("logout ends the session in the store and clears the cookie", async () => {
    const s = await t.session("admin", ADMIN_PASSWORD);
    const out = await t.asSession(s, { method: "POST", url: "/api/v1/auth/logout" });
    assert.equal(out.statusCode, 204);
    assert.match(String(out.headers["set-cookie"]), /^upbeat_session=; Max-Age=0;/);
    assert.equal((await t.asSession(s, { method: "GET", url: "/api/v1/auth/me" })).statusCode, 401);
    const token = s.cookie.split("=")[1] as string;
    assert.equal(await t.store.db.selectFrom("sessions").select("id").where("id", "=", sha256Hex(token)).executeTakeFirst(), undefined);
  });

  test("a session ends after the idle time, and at its absolute expiry however busy; last seen is written at most once a minute", async () => {
    const idle = 24 * 3_600_000;
    const s = await t.session("admin", ADMIN_PASSWORD);
    const me = () => t.asSession(s, { method: "GET", url: "/api/v1/auth/me" });
    const seen = async () => (await t.store.db.selectFrom("sessions").select("last_seen_at").where("id", "=", sha256Hex(s.cookie.split("=")[1] as string)).executeTakeFirstOrThrow()).last_seen_at;
    const start = t.clock.ms;
    t.clock.ms += 30_000;
    assert.equal((await me()).statusCode, 200);
    assert.equal(await seen(), start, "not written within the minute");
    t.clock.ms += 31_000;
    assert.equal((await me()).statusCode, 200);
    assert.equal(await seen(), start + 61_000);
    t.clock.ms += idle - 1000;
    assert.equal((await me()).statusCode, 200, "just within the idle time");
    t.clock.ms += idle;
    assert.equal((await me()).statusCode, 401, "idle too long");
    // Busy all along: still ends 30 days after login.
    const busy = await t.session("admin", ADMIN_PASSWORD);
    const loginAt = t.clock.ms;
    while (t.clock.ms < loginAt + 30 * 86_400_000 - idle) {
      t.clock.ms += idle / 2;
      assert.equal((await t.asSession(busy, { method: "GET", url: "/api/v1/auth/me" })).statusCode, 200);
    }
    t.clock.ms = loginAt + 30 * 86_400_000;
    assert.equal((await t.asSession(busy, { method: "GET", url: "/api/v1/auth/me" })).statusCode, 401);
  });

  test("changing one's password needs the current one, ends the other sessions, keeps this one", async () => {
    const u = await t.userWith("viewer", "pat");
    const other = await t.session("pat", u.password);
    const path = { method: "POST" as const, url: "/api/v1/auth/password" };
    const wrong = await t.asSession(u, { ...path, payload: { currentPassword: "nope", newPassword: "pat-new-password" } });
    assert.equal(wrong.statusCode, 403);
    assert.equal((wrong.json() as { code: string }).code, "UPBEAT_WRONG_PASSWORD");
    const short = await t.asSession(u, { ...path, payload: { currentPassword: u.password, newPassword: "short" } });
    assert.equal(short.statusCode, 400);
    assert.match((short.json() as { message: string }).message, /newPassword/);
    assert.equal((await t.login("pat", u.password)).statusCode, 200, "nothing changed by refused requests");
    assert.equal((await t.asSession(u, { ...path, payload: { currentPassword: u.password, newPassword: "pat-new-password" } })).statusCode, 204);
    assert.equal((await t.asSession(u, { method: "GET", url: "/api/v1/auth/me" })).statusCode, 200);
    assert.equal((await t.asSession(other, { method: "GET", url: "/api/v1/auth/me" })).statusCode, 401);
    assert.equal((await t.login("pat", u.password)).statusCode, 401);
    assert.equal((await t.login("pat", "pat-new-password")).statusCode, 200);
    const byKey = await t.asAdminKey({ ...path, payload: { currentPassword: ADMIN_PASSWORD, newPassword: "whatever-123" } });
    assert.equal((byKey.json() as { code: string }).code, "UPBEAT_SESSION_REQUIRED");
  });

  test("bad login bodies are refused with the field named", async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ username: "admin" }, /password/],
      [{ password: "x" }, /username/],
      [{ username: "admin", password: ADMIN_PASSWORD, extra: 1 }, /additional/],
      [{ username: "", password: "x" }, /username/],
      ["admin:pw", /JSON/],
    ];
    for (const [payload, message] of cases) {
      const r = await t.app.inject({ method: "POST", url: "/api/v1/auth/login", payload: payload as string, headers: { "content-type": "application/json" } });
      assert.equal(r.statusCode, 400, JSON.stringify(payload));
      const e = r.json() as { code: string; message: string };
      assert.equal(e.code, "UPBEAT_BAD_REQUEST");
      assert.match(e.message, message);
      assert.equal(r.headers["set-cookie"], undefined);
    }
  });
});
