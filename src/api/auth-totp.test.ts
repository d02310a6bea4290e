/** TOTP two-factor login: enrol, confirm, required at login, ±1 step, no reuse, turning it off. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type AuthTestApp, authTestApp } from "../../test/helpers/auth.ts";
import { totpCode } from "../auth/totp.ts";

describe("TOTP", () => {
  let t: AuthTestApp;
  before(async () => {
    t = await authTestApp();
  });
  after(() => t.close());

  const code = (secret: string, offsetSteps = 0) => totpCode(secret, t.clock.ms + offsetSteps * 30_000);
  const err = (r: { json(): unknown }) => (r.json() as { code: string }).code;

  test("enrol, confirm, then every login needs a fresh code within one step", async () => {
    const u = await t.userWith("viewer", "tina");
    const other = await t.session("tina", u.password);
    const enrol = await t.asSession(u, { method: "POST", url: "/api/v1/auth/totp" });
    assert.equal(enrol.statusCode, 200);
    const { secret, uri } = enrol.json() as { secret: string; uri: string };
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.match(uri, /^otpauth:\/\/totp\/Upbeat:tina\?issuer=Upbeat&secret=[A-Z2-7]{32}&algorithm=SHA1&digits=6&period=30$/);
    assert.equal((await t.login("tina", u.password)).statusCode, 200, "not required before it is confirmed");

    const wrong = await t.asSession(u, { method: "POST", url: "/api/v1/auth/totp/confirm", payload: { code: code(secret, 5) } });
    assert.equal(wrong.statusCode, 400);
    assert.equal(err(wrong), "UPBEAT_TOTP_FAILED");
    const ok = await t.asSession(u, { method: "POST", url: "/api/v1/auth/totp/confirm", payload: { code: code(secret) } });
    assert.deepEqual(ok.json(), { totpEnabled: true });
    assert.equal((await t.asSession(other, { method: "GET", url: "/api/v1/auth/me" })).statusCode, 401, "other sessions end");
    assert.equal(((await t.asSession(u, { method: "GET", url: "/api/v1/auth/me" })).json() as { user: { totpEnabled: boolean } }).user.totpEnabled, true);
    assert.equal(err(await t.asSession(u, { method: "POST", url: "/api/v1/auth/totp" })), "UPBEAT_TOTP_ENABLED");

    const missing = await t.login("tina", u.password);
    assert.deepEqual([missing.statusCode, err(missing), missing.headers["set-cookie"]], [401, "UPBEAT_TOTP_REQUIRED", undefined]);
    assert.equal(err(await t.login("tina", "wrong-password")), "UPBEAT_LOGIN_FAILED", "a wrong password does not tell that TOTP is on");
    assert.equal(err(await t.login("tina", u.password, code(secret))), "UPBEAT_TOTP_FAILED", "the code used to confirm cannot log in");
    t.clock.ms += 90_000;
    assert.equal((await t.login("tina", u.password, code(secret, -1))).statusCode, 200, "one step late is fine");
    assert.equal(err(await t.login("tina", u.password, code(secret, -1))), "UPBEAT_TOTP_FAILED", "the same code twice is refused");
    assert.equal((await t.login("tina", u.password, code(secret, 1).replace(/^(\d{3})/, "$1 "))).statusCode, 200, "one step early, with a space, is fine");
    assert.equal(err(await t.login("tina", u.password, code(secret))), "UPBEAT_TOTP_FAILED", "an older step than the last used is refused");
    t.clock.ms += 120_000;
    assert.equal(err(await t.login("tina", u.password, code(secret, -2))), "UPBEAT_TOTP_FAILED", "two steps late is refused");
    assert.equal(err(await t.login("tina", u.password, "12345x")), "UPBEAT_TOTP_FAILED");
    assert.equal((await t.login("tina", u.password, code(secret))).statusCode, 200);
  });

  test("turning it off needs a code or the password; an API key cannot touch it; an admin can reset it", async () => {
    const u = await t.userWith("editor", "otto");
    const { secret } = (await t.asSession(u, { method: "POST", url: "/api/v1/auth/totp" })).json() as { secret: string };
    await t.asSession(u, { method: "POST", url: "/api/v1/auth/totp/confirm", payload: { code: code(secret) } });
    const s = await t.session("otto", u.password, code(secret, 1));
    const off = (payload: unknown) => t.asSession(s, { method: "DELETE", url: "/api/v1/auth/totp", payload: payload as Record<string, unknown> });
    assert.equal((await off({})).statusCode, 400);
    assert.equal(err(await off({ password: "not-it" })), "UPBEAT_WRONG_PASSWORD");
    assert.equal(err(await off({ code: "000000" })), "UPBEAT_TOTP_FAILED");
    assert.equal(err(await t.login("otto", u.password)), "UPBEAT_TOTP_REQUIRED", "still on after refused attempts");
    assert.deepEqual((await off({ password: u.password })).json(), { totpEnabled: false });
    assert.equal((await t.login("otto", u.password)).statusCode, 200);

    const byKey = await t.asAdminKey({ method: "POST", url: "/api/v1/auth/totp" });
    assert.deepEqual([byKey.statusCode, err(byKey)], [403, "UPBEAT_SESSION_REQUIRED"]);

    const again = (await t.asSession(s, { method: "POST", url: "/api/v1/auth/totp" })).json() as { secret: string };
    t.clock.ms += 60_000;
    await t.asSession(s, { method: "POST", url: "/api/v1/auth/totp/confirm", payload: { code: code(again.secret) } });
    assert.equal(err(await t.login("otto", u.password)), "UPBEAT_TOTP_REQUIRED");
    const reset = await t.asAdminKey({ method: "PATCH", url: `/api/v1/users/${u.userId}`, payload: { resetTotp: true } });
    assert.equal((reset.json() as { user: { totpEnabled: boolean } }).user.totpEnabled, false);
    assert.equal((await t.login("otto", u.password)).statusCode, 200);
  });

  test("the secret is stored only for the user; the API never shows it after enrolment", async () => {
    const u = await t.userWith("viewer", "vera");
    const { secret } = (await t.asSession(u, { method: "POST", url: "/api/v1/auth/totp" })).json() as { secret: string };
    for (const url of ["/api/v1/auth/me", "/api/v1/users", `/api/v1/users/${u.userId}`]) {
      const body = (url === "/api/v1/auth/me" ? await t.asSession(u, { method: "GET", url }) : await t.asAdminKey({ method: "GET", url })).body;
      assert.ok(!body.includes(secret), url);
      assert.ok(!body.includes("password_hash") && !body.includes("$argon2"), url);
    }
  });
});
