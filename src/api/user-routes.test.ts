/** Users for admins, roles through the real access hook, last-admin protection, shutting a user out. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { ADMIN_PASSWORD, type AuthTestApp, authTestApp } from "../../test/helpers/auth.ts";

// A route with the default access (viewer reads, editor writes), standing for the rest of the API.
const things = async (app: FastifyInstance) => {
  app.get("/api/v1/things", async () => ({ things: [] }));
  app.post("/api/v1/things", async (req, reply) => reply.code(201).send({ by: req.principal?.name }));
};

type UserJson = { id: string; name: string; role: string; disabled: boolean; totpEnabled: boolean };

describe("user routes", () => {
  let t: AuthTestApp;
  before(async () => {
    t = await authTestApp({ extraRoutes: [things] });
  });
  after(() => t.close());

  const code = (r: { json(): unknown }) => (r.json() as { code: string }).code;
  const users = async () => ((await t.asAdminKey({ method: "GET", url: "/api/v1/users" })).json() as { users: UserJson[] }).users;

  test("roles: a viewer reads and cannot write, an editor writes and cannot manage users, no credentials get 401", async () => {
    const viewer = await t.userWith("viewer");
    const editor = await t.userWith("editor");
    assert.equal((await t.asSession(viewer, { method: "GET", url: "/api/v1/things" })).statusCode, 200);
    const vw = await t.asSession(viewer, { method: "POST", url: "/api/v1/things" });
    assert.deepEqual(vw.json(), { code: "UPBEAT_FORBIDDEN", message: "this needs the editor role; you are viewer", statusCode: 403 });
    const ew = await t.asSession(editor, { method: "POST", url: "/api/v1/things" });
    assert.deepEqual([ew.statusCode, ew.json()], [201, { by: editor.name }]);
    for (const [method, url] of [["GET", "/api/v1/users"], ["POST", "/api/v1/users"], ["GET", `/api/v1/users/${editor.userId}`], ["PATCH", `/api/v1/users/${editor.userId}`], ["DELETE", `/api/v1/users/${viewer.userId}`]] as const) {
      const r = await t.asSession(editor, { method, url, payload: method === "POST" || method === "PATCH" ? { role: "admin" } : undefined });
      assert.equal(r.statusCode, 403, `${method} ${url}`);
      assert.equal(code(r), "UPBEAT_FORBIDDEN");
      assert.equal((await t.app.inject({ method, url })).statusCode, 401, `anonymous ${method} ${url}`);
    }
    assert.equal((await users()).find((u) => u.id === editor.userId)?.role, "editor", "nothing changed");
    assert.equal((await users()).find((u) => u.id === viewer.userId)?.disabled, false);
  });

  test("an admin makes, reads, changes and deletes users", async () => {
    const made = await t.asAdminKey({ method: "POST", url: "/api/v1/users", payload: { name: "Ana.Lima", role: "editor", password: "ana-password" } });
    assert.equal(made.statusCode, 201);
    const ana = (made.json() as { user: UserJson }).user;
    assert.deepEqual({ ...ana, id: "" }, { id: "", name: "ana.lima", role: "editor", disabled: false, totpEnabled: false, createdAt: t.clock.ms, updatedAt: t.clock.ms } as unknown as UserJson);
    assert.equal(code(await t.asAdminKey({ method: "POST", url: "/api/v1/users", payload: { name: "ANA.LIMA", role: "viewer", password: "whatever-1" } })), "UPBEAT_USER_EXISTS");
    assert.deepEqual(((await t.asAdminKey({ method: "GET", url: `/api/v1/users/${ana.id}` })).json() as { user: UserJson }).user, ana);
    const s = await t.session("ana.lima", "ana-password");
    t.clock.ms += 1000;
    const renamed = await t.asAdminKey({ method: "PATCH", url: `/api/v1/users/${ana.id}`, payload: { name: "ana", role: "viewer" } });
    assert.deepEqual(((renamed.json() as { user: UserJson }).user as UserJson & { updatedAt: number }).updatedAt, t.clock.ms);
    assert.equal(((await t.asSession(s, { method: "GET", url: "/api/v1/auth/me" })).json() as { user: UserJson }).user.role, "viewer", "a role change applies to live sessions at once");
    assert.equal(code(await t.asAdminKey({ method: "PATCH", url: `/api/v1/users/${ana.id}`, payload: { name: "admin" } })), "UPBEAT_USER_EXISTS");
    await t.asAdminKey({ method: "PATCH", url: `/api/v1/users/${ana.id}`, payload: { password: "ana-new-password" } });
    assert.equal((await t.asSession(s, { method: "GET", url: "/api/v1/auth/me" })).statusCode, 401, "a password reset ends the user's sessions");
    assert.equal((await t.login("ana", "ana-new-password")).statusCode, 200);
    assert.equal((await t.asAdminKey({ method: "DELETE", url: `/api/v1/users/${ana.id}` })).statusCode, 204);
    assert.equal(code(await t.asAdminKey({ method: "GET", url: `/api/v1/users/${ana.id}` })), "UPBEAT_USER_NOT_FOUND");
    assert.equal(code(await t.asAdminKey({ method: "DELETE", url: `/api/v1/users/${ana.id}` })), "UPBEAT_USER_NOT_FOUND");
    assert.equal((await t.login("ana", "ana-new-password")).statusCode, 401);
  });

  test("deleting or disabling a user ends their sessions and revokes their keys", async () => {
    for (const how of ["delete", "disable"] as const) {
      const u = await t.userWith("editor");
      const key = ((await t.asSession(u, { method: "POST", url: "/api/v1/api-keys", payload: { name: "ci", readOnly: false } })).json() as { secret: string }).secret;
      const byKey = () => t.app.inject({ method: "GET", url: "/api/v1/things", headers: { authorization: `Bearer ${key}` } });
      assert.equal((await byKey()).statusCode, 200);
      const r = how === "delete" ? await t.asAdminKey({ method: "DELETE", url: `/api/v1/users/${u.userId}` }) : await t.asAdminKey({ method: "PATCH", url: `/api/v1/users/${u.userId}`, payload: { disabled: true } });
      assert.ok(r.statusCode === 204 || r.statusCode === 200, how);
      assert.equal((await t.asSession(u, { method: "GET", url: "/api/v1/things" })).statusCode, 401, `${how}: session`);
      assert.equal((await byKey()).statusCode, 401, `${how}: key`);
      assert.equal((await t.login(u.name, u.password)).statusCode, 401, `${how}: login`);
      assert.equal(await t.store.db.selectFrom("sessions").select("id").where("user_id", "=", u.userId).executeTakeFirst(), undefined);
      const keys = await t.store.db.selectFrom("api_keys").select("revoked_at").where("user_id", "=", u.userId).execute();
      assert.deepEqual(keys.map((k) => k.revoked_at), [t.clock.ms]);
    }
  });

  test("the last admin who can log in cannot be deleted, demoted or disabled", async () => {
    const admins = (await users()).filter((u) => u.role === "admin" && !u.disabled);
    assert.equal(admins.length, 1);
    const id = admins[0]?.id as string;
    const s = await t.session("admin", ADMIN_PASSWORD);
    for (const [method, payload] of [["DELETE", undefined], ["PATCH", { role: "editor" }], ["PATCH", { disabled: true }]] as const) {
      const r = await t.asSession(s, { method, url: `/api/v1/users/${id}`, payload });
      assert.equal(r.statusCode, 409, `${method} ${JSON.stringify(payload)}`);
      assert.equal(code(r), "UPBEAT_LAST_ADMIN");
    }
    assert.deepEqual((await users()).find((u) => u.id === id), admins[0], "nothing changed");
    // With a second admin the first may step down.
    const second = await t.userWith("admin");
    assert.equal((await t.asSession(second, { method: "PATCH", url: `/api/v1/users/${id}`, payload: { role: "editor" } })).statusCode, 200);
    assert.equal(code(await t.asSession(second, { method: "DELETE", url: `/api/v1/users/${second.userId}` })), "UPBEAT_LAST_ADMIN");
    assert.equal((await t.asSession(second, { method: "PATCH", url: `/api/v1/users/${id}`, payload: { role: "admin" } })).statusCode, 200);
  });

  test("bad bodies and ids: 400 naming the field, nothing changed", async () => {
    const before = await users();
    const target = before.find((u) => u.name === "admin") as UserJson;
    const cases: Array<["POST" | "PATCH", string, unknown, RegExp]> = [
      ["POST", "/api/v1/users", { name: "x", role: "boss", password: "long-enough" }, /role/],
      ["POST", "/api/v1/users", { name: "bad name", role: "viewer", password: "long-enough" }, /name/],
      ["POST", "/api/v1/users", { name: "shorty", role: "viewer", password: "short" }, /password/],
      ["POST", "/api/v1/users", { name: "extra", role: "viewer", password: "long-enough", admin: true }, /additional/],
      ["POST", "/api/v1/users", { role: "viewer", password: "long-enough" }, /name/],
      ["PATCH", `/api/v1/users/${target.id}`, {}, /fewer than 1|minProperties|must NOT have fewer/],
      ["PATCH", `/api/v1/users/${target.id}`, { disabled: "yes" }, /disabled/],
      ["PATCH", `/api/v1/users/${target.id}`, { resetTotp: false }, /resetTotp/],
      ["PATCH", `/api/v1/users/${target.id}`, { password: "short" }, /password/],
    ];
    for (const [method, url, payload, message] of cases) {
      const r = await t.asAdminKey({ method, url, payload: payload as Record<string, unknown> });
      assert.equal(r.statusCode, 400, `${method} ${JSON.stringify(payload)}: ${r.body}`);
      assert.equal(code(r), "UPBEAT_BAD_REQUEST");
      assert.match((r.json() as { message: string }).message, message);
    }
    assert.deepEqual(await users(), before);
    assert.equal(code(await t.asAdminKey({ method: "PATCH", url: "/api/v1/users/nope", payload: { role: "viewer" } })), "UPBEAT_USER_NOT_FOUND");
  });
});
