/** API keys: shown once and stored hashed, read-only vs read-write, owners, revoking, expiry, the environment's key. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { ADMIN_KEY, type AuthTestApp, authTestApp } from "../../test/helpers/auth.ts";
import { sqliteStore } from "../../test/helpers/stores.ts";
import { sha256Hex } from "../auth/secrets.ts";

const things = async (app: FastifyInstance) => {
  app.get("/api/v1/things", async (req) => ({ by: req.principal }));
  app.post("/api/v1/things", async (req, reply) => reply.code(201).send({ by: req.principal?.name }));
};

type KeyJson = { id: string; name: string; prefix: string; userId: string; userName: string | null; readOnly: boolean; source: string; lastUsedAt: number | null; expiresAt: number | null; revokedAt: number | null };

describe("API key routes", () => {
  let t: AuthTestApp;
  before(async () => {
    t = await authTestApp({ extraRoutes: [things] });
  });
  after(() => t.close());

  const code = (r: { json(): unknown }) => (r.json() as { code: string }).code;
  const bearer = (key: string, method: "GET" | "POST" | "DELETE", url: string, payload?: Record<string, unknown>) => t.app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload ? { payload } : {}) });

  test("the secret is shown once at creation; the store holds its SHA-256 and a prefix only", async () => {
    const u = await t.userWith("editor", "kim");
    const made = await t.asSession(u, { method: "POST", url: "/api/v1/api-keys", payload: { name: "deploy script", readOnly: false } });
    assert.equal(made.statusCode, 201);
    const { apiKey, secret } = made.json() as { apiKey: KeyJson; secret: string };
    assert.match(secret, /^upb_[A-Za-z0-9_-]{43}$/);
    assert.equal(apiKey.prefix, secret.slice(0, 10));
    assert.deepEqual([apiKey.name, apiKey.userName, apiKey.readOnly, apiKey.source, apiKey.revokedAt], ["deploy script", "kim", false, "api", null]);
    const row = await t.store.db.selectFrom("api_keys").selectAll().where("id", "=", apiKey.id).executeTakeFirstOrThrow();
    assert.equal(row.hash, sha256Hex(secret));
    assert.ok(!JSON.stringify(row).includes(secret.slice(10)), "no part of the secret past the prefix is stored");
    const list = await t.asSession(u, { method: "GET", url: "/api/v1/api-keys" });
    assert.ok(!list.body.includes(secret.slice(10)) && !list.body.includes(row.hash), "never listed again");
    assert.deepEqual((list.json() as { apiKeys: KeyJson[] }).apiKeys.map((k) => k.id), [apiKey.id]);
    // It works, with its owner's role, and needs no CSRF token.
    const w = await bearer(secret, "POST", "/api/v1/things");
    assert.deepEqual([w.statusCode, w.json()], [201, { by: "kim" }]);
    const me = (await bearer(secret, "GET", "/api/v1/auth/me")).json() as { user: { name: string }; csrfToken: null; apiKey: { id: string; readOnly: boolean } };
    assert.deepEqual([me.user.name, me.csrfToken, me.apiKey.id, me.apiKey.readOnly], ["kim", null, apiKey.id, false]);
  });

  test("a read-only key reads and cannot write; a viewer's read-write key cannot write either", async () => {
    const editor = await t.userWith("editor");
    const ro = ((await t.asSession(editor, { method: "POST", url: "/api/v1/api-keys", payload: { name: "dashboard tv" } })).json() as { apiKey: KeyJson; secret: string });
    assert.equal(ro.apiKey.readOnly, true, "read-only unless asked");
    assert.equal((await bearer(ro.secret, "GET", "/api/v1/things")).statusCode, 200);
    const w = await bearer(ro.secret, "POST", "/api/v1/things");
    assert.deepEqual(w.json(), { code: "UPBEAT_READ_ONLY_KEY", message: "this API key is read-only", statusCode: 403 });
    assert.equal(code(await bearer(ro.secret, "POST", "/api/v1/api-keys", { name: "more" })), "UPBEAT_READ_ONLY_KEY");
    const viewer = await t.userWith("viewer");
    const rw = ((await t.asSession(viewer, { method: "POST", url: "/api/v1/api-keys", payload: { name: "mine", readOnly: false } })).json() as { secret: string }).secret;
    assert.equal(code(await bearer(rw, "POST", "/api/v1/things")), "UPBEAT_FORBIDDEN");
    assert.equal(code(await bearer(rw, "GET", "/api/v1/users")), "UPBEAT_FORBIDDEN");
  });

  test("users see and revoke their own keys; an admin sees and revokes all; a revoked key is refused", async () => {
    const a = await t.userWith("editor", "alice");
    const b = await t.userWith("editor", "bob");
    const ka = ((await t.asSession(a, { method: "POST", url: "/api/v1/api-keys", payload: { name: "a1", readOnly: false } })).json() as { apiKey: KeyJson; secret: string });
    const kb = ((await t.asSession(b, { method: "POST", url: "/api/v1/api-keys", payload: { name: "b1" } })).json() as { apiKey: KeyJson; secret: string });
    const ids = async (r: Promise<{ json(): unknown }>) => ((await r).json() as { apiKeys: KeyJson[] }).apiKeys.map((k) => k.id);
    assert.deepEqual(await ids(t.asSession(b, { method: "GET", url: "/api/v1/api-keys" })), [kb.apiKey.id]);
    const all = await ids(t.asAdminKey({ method: "GET", url: "/api/v1/api-keys" }));
    assert.ok(all.includes(ka.apiKey.id) && all.includes(kb.apiKey.id));
    assert.deepEqual(await ids(t.asAdminKey({ method: "GET", url: `/api/v1/api-keys?user=${a.userId}` })), [ka.apiKey.id]);
    assert.deepEqual(await ids(t.asSession(b, { method: "GET", url: `/api/v1/api-keys?user=${a.userId}` })), [kb.apiKey.id], "a non-admin's filter cannot reach others");

    const theirs = await t.asSession(b, { method: "DELETE", url: `/api/v1/api-keys/${ka.apiKey.id}` });
    assert.deepEqual([theirs.statusCode, code(theirs)], [404, "UPBEAT_API_KEY_NOT_FOUND"]);
    assert.equal((await bearer(ka.secret, "GET", "/api/v1/things")).statusCode, 200, "still valid");
    assert.equal((await t.asSession(a, { method: "DELETE", url: `/api/v1/api-keys/${ka.apiKey.id}` })).statusCode, 204);
    assert.equal((await bearer(ka.secret, "GET", "/api/v1/things")).statusCode, 401);
    assert.equal((await t.asSession(a, { method: "DELETE", url: `/api/v1/api-keys/${ka.apiKey.id}` })).statusCode, 404);
    assert.equal((await t.asAdminKey({ method: "DELETE", url: `/api/v1/api-keys/${kb.apiKey.id}` })).statusCode, 204);
    assert.equal((await bearer(kb.secret, "GET", "/api/v1/things")).statusCode, 401);
    assert.deepEqual(await ids(t.asSession(a, { method: "GET", url: "/api/v1/api-keys" })), []);
    const withRevoked = (await t.asSession(a, { method: "GET", url: "/api/v1/api-keys?revoked=true" })).json() as { apiKeys: KeyJson[] };
    assert.deepEqual(withRevoked.apiKeys.map((k) => [k.id, k.revokedAt]), [[ka.apiKey.id, t.clock.ms]]);
  });

  test("an expiring key stops at its time; last use is recorded at most once a minute", async () => {
    const u = await t.userWith("viewer");
    const k = ((await t.asSession(u, { method: "POST", url: "/api/v1/api-keys", payload: { name: "temp", expiresAt: t.clock.ms + 3_600_000 } })).json() as { apiKey: KeyJson; secret: string });
    const used = async () => (await t.store.db.selectFrom("api_keys").select("last_used_at").where("id", "=", k.apiKey.id).executeTakeFirstOrThrow()).last_used_at;
    const first = t.clock.ms;
    assert.equal((await bearer(k.secret, "GET", "/api/v1/things")).statusCode, 200);
    assert.equal(await used(), first);
    t.clock.ms += 59_000;
    await bearer(k.secret, "GET", "/api/v1/things");
    assert.equal(await used(), first);
    t.clock.ms += 2_000;
    await bearer(k.secret, "GET", "/api/v1/things");
    assert.equal(await used(), first + 61_000);
    t.clock.ms = first + 3_600_000;
    assert.equal((await bearer(k.secret, "GET", "/api/v1/things")).statusCode, 401);
  });

  test("bad bodies: 400 naming the field, no key made", async () => {
    const count = async () => (await t.store.db.selectFrom("api_keys").select("id").execute()).length;
    const before = await count();
    const cases: Array<[unknown, RegExp]> = [
      [{}, /name/],
      [{ name: "" }, /name/],
      [{ name: "x", readOnly: "no" }, /readOnly/],
      [{ name: "x", expiresAt: t.clock.ms - 1 }, /expiresAt/],
      [{ name: "x", scope: "all" }, /additional/],
    ];
    for (const [payload, message] of cases) {
      const r = await t.asAdminKey({ method: "POST", url: "/api/v1/api-keys", payload: payload as Record<string, unknown> });
      assert.equal(r.statusCode, 400, JSON.stringify(payload));
      assert.match((r.json() as { message: string }).message, message);
    }
    assert.equal(await count(), before);
    assert.equal((await t.app.inject({ method: "POST", url: "/api/v1/api-keys", payload: { name: "anon" } })).statusCode, 401);
  });
});

describe("the environment's admin key", () => {
  test("made at start, kept hashed, replaced when the variable changes, revoked when it is gone", async () => {
    const db = await sqliteStore();
    const env = (key?: string): Record<string, string> => ({ UPBEAT_ADMIN_PASSWORD: "first-password", ...(key ? { UPBEAT_ADMIN_API_KEY: key } : {}) });
    const probe = async (t: AuthTestApp, key: string) => (await t.app.inject({ method: "DELETE", url: "/api/v1/users/nobody", headers: { authorization: `Bearer ${key}` } })).statusCode;
    const second = "upb_second_admin_key_abcdefghijkl";
    let t = await authTestApp({ db, env: env(ADMIN_KEY) });
    assert.equal(await probe(t, ADMIN_KEY), 404, "a read-write admin key");
    const rows = await t.store.db.selectFrom("api_keys").selectAll().execute();
    assert.deepEqual(rows.map((r) => [r.hash, r.source, r.read_only, r.prefix]), [[sha256Hex(ADMIN_KEY), "env", 0, "(env)"]]);
    await t.app.close();
    t = await authTestApp({ db, env: env(second) });
    assert.equal(await probe(t, ADMIN_KEY), 401, "the old value no longer works");
    assert.equal(await probe(t, second), 404);
    await t.app.close();
    t = await authTestApp({ db, env: env() });
    assert.equal(await probe(t, second), 401);
    // The first password was used once: a later start with another one changes nothing.
    await t.app.close();
    t = await authTestApp({ db, env: { UPBEAT_ADMIN_PASSWORD: "other-password" } });
    assert.equal((await t.login("admin", "first-password")).statusCode, 200);
    assert.equal((await t.login("admin", "other-password")).statusCode, 401);
    await t.close();
  });
});
