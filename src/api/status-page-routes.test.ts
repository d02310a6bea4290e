/** The status page API over the real app, access hook, engine and SQLite store: CRUD, bad bodies, conflicts, logos, roles. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import swagger from "@fastify/swagger";
import { type StatusApp, statusApp } from "../../test/helpers/status-pages.ts";
import type { Principal } from "./access.ts";
import Fastify from "fastify";
import { statusPagesWiring } from "./status-wiring.ts";
import { quietLog } from "../../test/helpers/engine.ts";

const CONFIG = `
groups:
  - name: shop
    monitors:
      - { name: api, type: heartbeat, period: 1h }
      - { name: web, type: heartbeat, period: 1h }
monitors:
  - { id: db, name: database, type: heartbeat, period: 1h }
`;

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(40, 7)]);

describe("status page API", () => {
  let s: StatusApp;
  before(async () => {
    s = await statusApp({ config: CONFIG });
  });
  after(() => s.cleanup());

  const req = (method: "GET" | "POST" | "PATCH" | "DELETE", url: string, payload?: unknown) => s.app.inject({ method, url, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });
  const slugs = async () => ((await req("GET", "/api/v1/status-pages")).json() as { statusPages: Array<{ slug: string }> }).statusPages.map((p) => p.slug);

  test("a page is created, read, listed, changed, renamed and deleted", async () => {
    const made = await req("POST", "/api/v1/status-pages", { slug: "acme", title: "Acme", description: "Our services", sections: [{ title: "Shop", monitors: ["shop/api", { id: "shop/web", name: "Website" }], matchers: ["group=shop"] }], footer: "© Acme" });
    assert.equal(made.statusCode, 201, made.body);
    const p = made.json() as Record<string, unknown>;
    assert.equal(p.slug, "acme");
    assert.equal(p.url, "/pages/acme");
    assert.equal(p.passwordProtected, false);
    assert.equal(p.showUptimeBars, true);
    assert.equal(p.historyDays, 14);
    assert.equal(p.logo, null);
    assert.deepEqual(p.sections, [{ title: "Shop", monitors: [{ id: "shop/api" }, { id: "shop/web", name: "Website" }], matchers: ["group=shop"] }]);
    assert.ok(!("passwordHash" in p));
    assert.deepEqual((await req("GET", "/api/v1/status-pages/acme")).json(), p);
    assert.deepEqual(await slugs(), ["acme"]);

    const changed = await req("PATCH", "/api/v1/status-pages/acme", { title: "Acme Inc", showUptimeBars: false, statusText: { up: "All systems go" } });
    assert.equal(changed.statusCode, 200, changed.body);
    const c = changed.json() as Record<string, unknown>;
    assert.deepEqual([c.title, c.showUptimeBars, c.statusText, c.description, c.sections], ["Acme Inc", false, { up: "All systems go" }, "Our services", p.sections], "fields not given are kept");

    const renamed = await req("PATCH", "/api/v1/status-pages/acme", { slug: "acme-status" });
    assert.equal((renamed.json() as { url: string }).url, "/pages/acme-status");
    assert.equal((await req("GET", "/api/v1/status-pages/acme")).statusCode, 404);
    assert.equal((await s.app.inject({ url: "/pages/acme-status" })).statusCode, 200, "the public page moved with it");
    assert.equal((await s.app.inject({ url: "/pages/acme" })).statusCode, 404);

    assert.equal((await req("DELETE", "/api/v1/status-pages/acme-status")).statusCode, 204);
    const gone = await req("DELETE", "/api/v1/status-pages/acme-status");
    assert.deepEqual(gone.json(), { code: "UPBEAT_NOT_FOUND", message: 'no status page "acme-status"', statusCode: 404 });
    assert.deepEqual(await slugs(), []);
    assert.equal((await s.app.inject({ url: "/pages/acme-status" })).statusCode, 404, "its public page is gone at once");
  });

  test("bad bodies are refused naming the field, and nothing is stored or changed", async () => {
    const ok = { slug: "good", title: "Good" };
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>').toString("base64");
    const cases: Array<[unknown, RegExp]> = [
      [{ slug: "x" }, /^body\/title: required$/],
      [{ ...ok, slug: "Bad Slug" }, /^body\/slug: must match pattern/],
      [{ ...ok, extra: 1 }, /^body\/extra: unknown property$/],
      [{ ...ok, sections: [{ title: "S", monitors: ["shop/api", "nope"] }] }, /^body\/sections\/0\/monitors\/1: no monitor "nope"$/],
      [{ ...ok, sections: [{ title: "S", matchers: ["group=~(shop"] }] }, /^body\/sections\/0\/matchers\/0: matcher "group=~\(shop": invalid regular expression/],
      [{ ...ok, sections: [{ monitors: [] }] }, /^body\/sections\/0\/title: required$/],
      [{ ...ok, logo: { data: svg } }, /^body\/logo\/data is not a PNG, JPEG, GIF or WebP image$/],
      [{ ...ok, logo: { data: Buffer.alloc(300 * 1024, 1).toString("base64") } }, /^body\/logo\/data/],
      [{ ...ok, logo: { data: PNG.toString("base64"), contentType: "image/gif" } }, /^body\/logo\/contentType says image\/gif but the data is image\/png$/],
      [{ ...ok, logoUrl: "javascript:alert(1)" }, /^body\/logoUrl: must match pattern/],
      [{ ...ok, password: "short" }, /^body\/password: must NOT have fewer than 8 characters$/],
      [{ ...ok, domain: "not a host" }, /^body\/domain: must match pattern/],
      [{ ...ok, historyDays: 1000 }, /^body\/historyDays: must be <= 365$/],
      [{ ...ok, statusText: { sideways: "x" } }, /^body\/statusText\/sideways: unknown property$/],
    ];
    for (const [body, message] of cases) {
      const r = await req("POST", "/api/v1/status-pages", body);
      assert.equal(r.statusCode, 400, `${JSON.stringify(body).slice(0, 80)} → ${r.body}`);
      const e = r.json() as { code: string; message: string; statusCode: number };
      assert.equal(e.code, "UPBEAT_BAD_REQUEST");
      assert.equal(e.statusCode, 400);
      assert.match(e.message, message);
    }
    assert.deepEqual(await slugs(), []);

    assert.equal((await req("POST", "/api/v1/status-pages", ok)).statusCode, 201);
    const before = (await req("GET", "/api/v1/status-pages/good")).json();
    for (const [body, message] of [
      [{}, /^body: give at least one field to change$/],
      [{ title: "" }, /^body\/title: must NOT have fewer than 1 characters$/],
      [{ title: "New", sections: [{ title: "S", monitors: ["ghost"] }] }, /^body\/sections\/0\/monitors\/0: no monitor "ghost"$/],
    ] as Array<[unknown, RegExp]>) {
      const r = await req("PATCH", "/api/v1/status-pages/good", body);
      assert.equal(r.statusCode, 400, r.body);
      assert.match((r.json() as { message: string }).message, message);
    }
    assert.deepEqual((await req("GET", "/api/v1/status-pages/good")).json(), before, "nothing changed");
    assert.equal((await req("DELETE", "/api/v1/status-pages/good")).statusCode, 204);
  });

  test("slug and domain conflicts are 409 and change nothing", async () => {
    assert.equal((await req("POST", "/api/v1/status-pages", { slug: "one", title: "One", domain: "Status.Example.com." })).statusCode, 201);
    assert.equal(((await req("GET", "/api/v1/status-pages/one")).json() as { domain: string }).domain, "status.example.com", "stored lower case, without the root dot");
    assert.equal((await req("POST", "/api/v1/status-pages", { slug: "two", title: "Two" })).statusCode, 201);
    const dupSlug = await req("POST", "/api/v1/status-pages", { slug: "one", title: "Again" });
    assert.deepEqual(dupSlug.json(), { code: "UPBEAT_CONFLICT", message: 'a status page with slug "one" already exists', statusCode: 409 });
    const dupDomain = await req("POST", "/api/v1/status-pages", { slug: "three", title: "Three", domain: "STATUS.example.com" });
    assert.equal(dupDomain.statusCode, 409);
    assert.match((dupDomain.json() as { message: string }).message, /domain "status.example.com"/);
    assert.equal((await req("PATCH", "/api/v1/status-pages/two", { slug: "one" })).statusCode, 409);
    assert.equal((await req("PATCH", "/api/v1/status-pages/two", { domain: "status.example.com" })).statusCode, 409);
    assert.deepEqual(await slugs(), ["one", "two"]);
    assert.equal(((await req("GET", "/api/v1/status-pages/two")).json() as { domain: unknown }).domain, null);
    for (const slug of ["one", "two"]) await req("DELETE", `/api/v1/status-pages/${slug}`);
  });

  test("a password is stored hashed and never shown; an uploaded logo is served and can be removed", async () => {
    const r = await req("POST", "/api/v1/status-pages", { slug: "private", title: "Private", password: "correct horse", logo: { data: PNG.toString("base64") } });
    assert.equal(r.statusCode, 201, r.body);
    const p = r.json() as { passwordProtected: boolean; logo: { contentType: string; url: string } };
    assert.equal(p.passwordProtected, true);
    assert.deepEqual(p.logo, { contentType: "image/png", url: "/pages/private/logo" });
    assert.ok(!r.body.includes("argon2") && !r.body.includes("correct horse"));
    const stored = await s.db.store.db.selectFrom("status_pages").select("password_hash").where("slug", "=", "private").executeTakeFirstOrThrow();
    assert.match(String(stored.password_hash), /^\$argon2id\$/);
    const logo = await s.app.inject({ url: "/pages/private/logo" });
    assert.equal(logo.statusCode, 200);
    assert.equal(logo.headers["content-type"], "image/png");
    assert.deepEqual(logo.rawPayload, PNG);
    assert.match(String(logo.headers["content-security-policy"]), /sandbox/);
    const cleared = (await req("PATCH", "/api/v1/status-pages/private", { logo: null, password: null })).json() as { passwordProtected: boolean; logo: unknown };
    assert.deepEqual([cleared.passwordProtected, cleared.logo], [false, null]);
    assert.equal((await s.app.inject({ url: "/pages/private/logo" })).statusCode, 404);
    await req("DELETE", "/api/v1/status-pages/private");
  });

  test("the routes are in the OpenAPI document with their tags and schemas", async () => {
    const status = statusPagesWiring({ store: s.db.store, engine: () => s.engine, settings: { cacheTtlMs: 0, rateLimit: false }, log: quietLog });
    // swagger sees routes as they are added, so it goes first (as buildApp will register it).
    const app = Fastify();
    await app.register(swagger, { openapi: { info: { title: "Upbeat", version: "1" } } });
    for (const r of status.routes) await app.register(r);
    await app.ready();
    const doc = app.swagger() as { paths: Record<string, Record<string, { tags?: string[]; requestBody?: unknown; responses?: Record<string, unknown> }>> };
    const paths = Object.keys(doc.paths);
    for (const p of ["/api/v1/status-pages", "/api/v1/status-pages/{slug}", "/api/v1/status-pages/{slug}/incidents", "/api/v1/status-pages/{slug}/incidents/{id}", "/api/v1/status-pages/{slug}/incidents/{id}/updates", "/api/v1/status-pages/{slug}/incidents/{id}/updates/{updateId}", "/pages/{slug}", "/pages/{slug}/status.json", "/badge/{monitor}/{file}"]) {
      assert.ok(paths.includes(p), `${p} in ${paths.join(", ")}`);
    }
    assert.deepEqual(doc.paths["/api/v1/status-pages"]?.post?.tags, ["status pages"]);
    assert.ok(doc.paths["/api/v1/status-pages"]?.post?.requestBody);
    assert.ok(doc.paths["/api/v1/status-pages/{slug}/incidents"]?.post?.responses?.["201"]);
    assert.deepEqual(doc.paths["/api/v1/status-pages/{slug}/incidents/{id}/updates"]?.post?.tags, ["status page incidents"]);
    await app.close();
  });
});

describe("status page API access", () => {
  test("viewers and read-only keys read but every write is 403; without credentials everything is 401; nothing changes", async () => {
    let who: Principal | undefined = { kind: "user", userId: "vic", name: "vic", role: "viewer" };
    const s = await statusApp({ config: CONFIG, access: { resolve: async () => who } });
    try {
      await s.service.pages.createPage({ slug: "p", title: "P", description: "", sections: [], showUptimeBars: true, footer: "", statusText: {}, historyDays: 14 }, Date.now());
      await s.service.changed("p");
      const page = (await s.service.pages.getPage("p"))!;
      const inc = await s.service.incidents.create(page.id, { kind: "incident", title: "T", impact: "minor", monitors: [] }, { state: "investigating", body: "b" }, "ana", Date.now());
      const u = inc.updates[0]!.id;
      const writes: Array<["POST" | "PATCH" | "DELETE", string, unknown?]> = [
        ["POST", "/api/v1/status-pages", { slug: "q", title: "Q" }],
        ["PATCH", "/api/v1/status-pages/p", { title: "X" }],
        ["DELETE", "/api/v1/status-pages/p"],
        ["POST", "/api/v1/status-pages/p/incidents", { title: "T", state: "investigating", body: "b" }],
        ["PATCH", `/api/v1/status-pages/p/incidents/${inc.id}`, { title: "X" }],
        ["DELETE", `/api/v1/status-pages/p/incidents/${inc.id}`],
        ["POST", `/api/v1/status-pages/p/incidents/${inc.id}/updates`, { state: "resolved", body: "b" }],
        ["PATCH", `/api/v1/status-pages/p/incidents/${inc.id}/updates/${u}`, { body: "x" }],
        ["DELETE", `/api/v1/status-pages/p/incidents/${inc.id}/updates/${u}`],
      ];
      const as = async (p: Principal | undefined, method: string, url: string, body?: unknown) => {
        who = p;
        return s.app.inject({ method: method as "GET", url, ...(body ? { payload: body as Record<string, unknown> } : {}) });
      };
      const viewer: Principal = { kind: "user", userId: "vic", name: "vic", role: "viewer" };
      const readOnlyKey: Principal = { kind: "apiKey", userId: "admin", name: "ci", role: "admin", readOnly: true };
      for (const [method, url, body] of writes) {
        const v = await as(viewer, method, url, body);
        assert.deepEqual([v.statusCode, (v.json() as { code: string }).code], [403, "UPBEAT_FORBIDDEN"], `${method} ${url} as a viewer`);
        const k = await as(readOnlyKey, method, url, body);
        assert.deepEqual([k.statusCode, (k.json() as { code: string }).code], [403, "UPBEAT_READ_ONLY_KEY"], `${method} ${url} with a read-only key`);
        assert.equal((await as(undefined, method, url, body)).statusCode, 401, `${method} ${url} anonymous`);
      }
      for (const url of ["/api/v1/status-pages", "/api/v1/status-pages/p", "/api/v1/status-pages/p/incidents", `/api/v1/status-pages/p/incidents/${inc.id}`]) {
        assert.equal((await as(viewer, "GET", url)).statusCode, 200, url);
        assert.equal((await as(readOnlyKey, "GET", url)).statusCode, 200, url);
        assert.equal((await as(undefined, "GET", url)).statusCode, 401, url);
      }
      const after = (await s.service.incidents.get(page.id, inc.id))!;
      assert.deepEqual([after.title, after.updates.length, (await s.service.pages.getPage("p"))?.title, (await s.service.pages.listPages()).length], ["T", 1, "P", 1]);
      assert.equal((await as(undefined, "GET", "/pages/p")).statusCode, 200, "the public page needs no credentials");
    } finally {
      await s.cleanup();
    }
  });
});
