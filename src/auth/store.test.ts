/** The auth tables on both dialects: users, sessions, API keys, the first start. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { authTestApp } from "../../test/helpers/auth.ts";
import { quietLog } from "../../test/helpers/engine.ts";
import { postgresStore, postgresUnavailable, REQUIRE_SERVICES, sqliteStore, type TestStore } from "../../test/helpers/stores.ts";
import { createApiKey, findApiKey, listApiKeys, revokeApiKey, revokeUserKeys, syncEnvKey } from "./api-keys.ts";
import { bootstrapAuth } from "./bootstrap.ts";
import { verifyPassword } from "./passwords.ts";
import { sha256Hex } from "./secrets.ts";
import { createSession, deleteUserSessions, findSession, purgeSessions, sessionLive, touchSession } from "./sessions.ts";
import { countUsers, insertUser, otherActiveAdmins, updateUser, userByName, useTotpStep } from "./users.ts";

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

function contract(name: string, make: () => Promise<TestStore>, skip: () => Promise<string | undefined>) {
  describe(`auth store: ${name}`, () => {
    let t: TestStore;
    let skipReason: string | undefined;
    before(async () => {
      skipReason = await skip();
      if (skipReason && REQUIRE_SERVICES) throw new Error(`${skipReason} (UPBEAT_REQUIRE_SERVICES=1)`);
      if (!skipReason) t = await make();
    });
    after(async () => t?.cleanup());
    const it = (title: string, fn: () => Promise<void>): void => {
      test(title, async (tc) => {
        if (skipReason) return tc.skip(skipReason);
        await fn();
      });
    };
    const db = () => t.store.db;

    it("first start makes admin with a random password printed once on stderr; later starts make nothing", async () => {
      const err: string[] = [];
      await bootstrapAuth(db(), { env: {}, err: (s) => err.push(s), log: quietLog }, T0);
      assert.equal(err.length, 1);
      const password = /\n {6}(\S+)\n/.exec(err[0] as string)?.[1] as string;
      assert.ok(password.length >= 20, err[0]);
      const admin = await userByName(db(), "admin");
      assert.equal(admin?.role, "admin");
      assert.match(admin?.password_hash ?? "", /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      assert.equal(await verifyPassword(admin?.password_hash, password), true);
      await bootstrapAuth(db(), { env: { UPBEAT_ADMIN_PASSWORD: "ignored-now" }, err: (s) => err.push(s), log: quietLog }, T0);
      assert.equal(err.length, 1, "printed once");
      assert.equal(await countUsers(db()), 1);
    });

    it("user names are unique; admins who can log in are counted; a TOTP step is used once", async () => {
      const u = await insertUser(db(), { name: "dora", role: "editor", passwordHash: "h" }, T0);
      assert.ok(u);
      assert.equal(await insertUser(db(), { name: "dora", role: "viewer", passwordHash: "h" }, T0), undefined);
      const admin = (await userByName(db(), "admin"))?.id as string;
      assert.equal(await otherActiveAdmins(db(), admin), 0);
      await updateUser(db(), u.id, { role: "admin" }, T0 + 1);
      assert.equal(await otherActiveAdmins(db(), admin), 1);
      await updateUser(db(), u.id, { disabled: 1 }, T0 + 2);
      assert.equal(await otherActiveAdmins(db(), admin), 0);
      assert.equal(await useTotpStep(db(), u.id, 100), true);
      assert.equal(await useTotpStep(db(), u.id, 100), false);
      assert.equal(await useTotpStep(db(), u.id, 99), false);
      assert.equal(await useTotpStep(db(), u.id, 101), true);
    });

    it("sessions: found by token (stored hashed), idle and absolute expiry, touched once a minute, purged", async () => {
      const u = await insertUser(db(), { name: "sid", role: "viewer", passwordHash: "h" }, T0);
      assert.ok(u);
      const a = await createSession(db(), u.id, T0, 3_600_000);
      const b = await createSession(db(), u.id, T0, 3_600_000);
      assert.equal(a.id, sha256Hex(a.token));
      const found = await findSession(db(), a.token);
      assert.deepEqual([found?.id, found?.csrfToken, found?.user.name, found?.expiresAt], [a.id, a.csrfToken, "sid", T0 + 3_600_000]);
      assert.equal(await findSession(db(), a.id), undefined, "the stored hash is not a token");
      assert.equal(sessionLive(found!, T0 + 599_999, 600_000), true);
      assert.equal(sessionLive(found!, T0 + 600_000, 600_000), false);
      await touchSession(db(), found!, T0 + 30_000);
      assert.equal((await findSession(db(), a.token))?.lastSeenAt, T0);
      await touchSession(db(), found!, T0 + 60_000);
      const touched = (await findSession(db(), a.token))!;
      assert.equal(touched.lastSeenAt, T0 + 60_000);
      assert.equal(sessionLive(touched, T0 + 3_600_000, 10 * 3_600_000), false, "absolute expiry");
      assert.equal(await purgeSessions(db(), T0 + 600_000, 600_000), 1, "b was idle");
      assert.equal(await findSession(db(), b.token), undefined);
      const c = await createSession(db(), u.id, T0, 3_600_000);
      assert.equal(await deleteUserSessions(db(), u.id, c.id), 1);
      assert.ok(await findSession(db(), c.token));
    });

    it("API keys: valid until revoked or expired or the owner is disabled; listed with owners; the environment's key in step", async () => {
      const u = await insertUser(db(), { name: "kurt", role: "editor", passwordHash: "h" }, T0);
      assert.ok(u);
      const k1 = await createApiKey(db(), { name: "one", userId: u.id, readOnly: true }, T0);
      const k2 = await createApiKey(db(), { name: "two", userId: u.id, readOnly: false, expiresAt: T0 + 1000 }, T0 + 1);
      assert.equal((await findApiKey(db(), k1.secret, T0))?.user.name, "kurt");
      assert.equal((await findApiKey(db(), k2.secret, T0 + 999))?.key.readOnly, false);
      assert.equal(await findApiKey(db(), k2.secret, T0 + 1000), undefined);
      assert.deepEqual((await listApiKeys(db(), { userId: u.id })).map((k) => [k.name, k.userName]), [["two", "kurt"], ["one", "kurt"]]);
      assert.equal(await revokeApiKey(db(), k1.key.id, T0 + 5), true);
      assert.equal(await revokeApiKey(db(), k1.key.id, T0 + 6), false);
      assert.equal(await findApiKey(db(), k1.secret, T0 + 7), undefined);
      const k3 = await createApiKey(db(), { name: "three", userId: u.id, readOnly: true }, T0);
      await updateUser(db(), u.id, { disabled: 1 }, T0);
      assert.equal(await findApiKey(db(), k3.secret, T0), undefined);
      assert.equal(await revokeUserKeys(db(), u.id, T0 + 9), 2);
      const admin = (await userByName(db(), "admin"))?.id as string;
      assert.equal(await syncEnvKey(db(), "env-secret-1-abcdefghijkl", admin, T0), "created");
      assert.equal(await syncEnvKey(db(), "env-secret-1-abcdefghijkl", admin, T0), "kept");
      assert.equal((await findApiKey(db(), "env-secret-1-abcdefghijkl", T0))?.user.role, "admin");
      assert.equal(await syncEnvKey(db(), "env-secret-2-abcdefghijkl", admin, T0), "created");
      assert.equal(await findApiKey(db(), "env-secret-1-abcdefghijkl", T0), undefined);
      assert.equal(await syncEnvKey(db(), undefined, admin, T0), "none");
      assert.equal(await findApiKey(db(), "env-secret-2-abcdefghijkl", T0), undefined);
    });

    it("login and keys over the API on this store", async () => {
      const app = await authTestApp({ db: t, env: { UPBEAT_ADMIN_API_KEY: "upb_dialect_key_0123456789abcdef" } });
      try {
        const made = await app.app.inject({ method: "POST", url: "/api/v1/users", headers: { authorization: "Bearer upb_dialect_key_0123456789abcdef" }, payload: { name: "petra", role: "viewer", password: "petra-password" } });
        assert.equal(made.statusCode, 201);
        const s = await app.session("petra", "petra-password");
        assert.equal((await app.asSession(s, { method: "GET", url: "/api/v1/auth/me" })).statusCode, 200);
        assert.equal((await app.asSession(s, { method: "POST", url: "/api/v1/auth/logout" })).statusCode, 204);
        assert.equal((await app.asSession(s, { method: "GET", url: "/api/v1/auth/me" })).statusCode, 401);
      } finally {
        await app.app.close();
      }
    });
  });
}

contract("sqlite", sqliteStore, async () => undefined);
contract("postgres", postgresStore, postgresUnavailable);
