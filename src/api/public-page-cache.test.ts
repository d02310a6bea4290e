/** Public pages: the render cache (no queries when warm, invalidation, ETag/304, compression), password protection and the rate limit. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { observe, type StatusApp, statusApp } from "../../test/helpers/status-pages.ts";

const CONFIG = `
monitors:
  - { id: api, name: API, type: heartbeat, period: 1h }
  - { id: web, name: Website, type: heartbeat, period: 1h }
`;

describe("public page cache", () => {
  let s: StatusApp;
  let t = Date.now();
  before(async () => {
    s = await statusApp({ config: CONFIG, now: () => t });
    await observe(s.engine, "api", "up");
    await observe(s.engine, "web", "up");
    await s.app.inject({ method: "POST", url: "/api/v1/status-pages", payload: { slug: "acme", title: "Acme", sections: [{ title: "All", monitors: ["api", "web"] }] } });
  });
  after(() => s.cleanup());

  test("a warm page is served without a query or a render, with validators and public caching", async () => {
    const first = await s.app.inject({ url: "/pages/acme" });
    assert.equal(first.statusCode, 200);
    const queries = s.queries.count;
    const renders = s.service.cache.renders;
    for (const url of ["/pages/acme", "/pages/acme", "/pages/acme"]) {
      const r = await s.app.inject({ url });
      assert.equal(r.body, first.body);
    }
    assert.equal(s.queries.count, queries, "no query for a cached page");
    assert.equal(s.service.cache.renders, renders, "no render either");
    assert.equal(first.headers["cache-control"], "public, max-age=30");
    assert.match(String(first.headers.etag), /^W\/"[\w-]+"$/);
    assert.ok(first.headers["last-modified"]);

    const byTag = await s.app.inject({ url: "/pages/acme", headers: { "if-none-match": String(first.headers.etag) } });
    assert.equal(byTag.statusCode, 304);
    assert.equal(byTag.body, "");
    const byDate = await s.app.inject({ url: "/pages/acme", headers: { "if-modified-since": String(first.headers["last-modified"]) } });
    assert.equal(byDate.statusCode, 304);
    assert.equal((await s.app.inject({ url: "/pages/acme", headers: { "if-none-match": 'W/"other"' } })).statusCode, 200);

    const gz = await s.app.inject({ url: "/pages/acme", headers: { "accept-encoding": "gzip" } });
    assert.equal(gz.headers["content-encoding"], "gzip");
    assert.equal(gz.headers.vary, "Accept-Encoding");
    assert.equal(gunzipSync(gz.rawPayload).toString(), first.body);
    assert.equal(s.service.cache.renders, renders, "compressed once from the same render");
    const head = await s.app.inject({ method: "HEAD", url: "/pages/acme" });
    assert.deepEqual([head.statusCode, head.body, head.headers.etag], [200, "", first.headers.etag]);
  });

  test("an incident update shows at once; a monitor's new state within 5 s; the TTL renders again", async () => {
    const before = (await s.app.inject({ url: "/pages/acme" })).body;
    assert.ok(!before.includes("Login failures"));
    await s.app.inject({ method: "POST", url: "/api/v1/status-pages/acme/incidents", payload: { title: "Login failures", state: "investigating", body: "Checking" } });
    const after = await s.app.inject({ url: "/pages/acme" });
    assert.match(after.body, /Login failures/);
    assert.match(after.body, /b-degraded/, "a minor incident makes the banner degraded");

    await observe(s.engine, "web", "down");
    const soon = (await s.app.inject({ url: "/pages/acme" })).body;
    assert.equal(soon, after.body, "a render less than 5 s old is kept (status churn cannot force a render per request)");
    t += 5001;
    const later = (await s.app.inject({ url: "/pages/acme" })).body;
    assert.match(later, /<span class="name">Website<\/span><span><span class="st st-down">/);
    assert.match(later, /b-down/);

    const renders = s.service.cache.renders;
    await s.app.inject({ url: "/pages/acme" });
    assert.equal(s.service.cache.renders, renders);
    t += 30_001;
    await s.app.inject({ url: "/pages/acme" });
    assert.equal(s.service.cache.renders, renders + 1, "expired after the TTL");
  });

  test("concurrent misses share one render", async () => {
    await s.app.inject({ method: "PATCH", url: "/api/v1/status-pages/acme", payload: { footer: "new" } });
    const renders = s.service.cache.renders;
    const all = await Promise.all(Array.from({ length: 20 }, () => s.app.inject({ url: "/pages/acme" })));
    assert.ok(all.every((r) => r.statusCode === 200 && r.body.includes("new")));
    assert.equal(s.service.cache.renders, renders + 1);
  });
});

describe("password-protected page", () => {
  let s: StatusApp;
  before(async () => {
    s = await statusApp({ config: CONFIG });
    await s.app.inject({ method: "POST", url: "/api/v1/status-pages", payload: { slug: "internal", title: "Internal", password: "s3cret-words", sections: [{ title: "All", monitors: ["api"] }] } });
  });
  after(() => s.cleanup());

  test("shows only the form until the password is given, then a page-scoped cookie opens it", async () => {
    const locked = await s.app.inject({ url: "/pages/internal" });
    assert.equal(locked.statusCode, 401);
    assert.match(locked.body, /<form class="pw" method="post" action="\/pages\/internal\/login">/);
    assert.ok(!locked.body.includes('id="m-api"'));
    assert.equal(locked.headers["cache-control"], "no-store");
    for (const url of ["/pages/internal/status.json", "/pages/internal/feed.rss", "/pages/internal/feed.atom", "/pages/internal/history"]) {
      assert.equal((await s.app.inject({ url })).statusCode, 401, url);
    }
    const json = await s.app.inject({ url: "/pages/internal/status.json" });
    assert.equal((json.json() as { code: string }).code, "UPBEAT_PAGE_PASSWORD");
    assert.match(String(json.headers["www-authenticate"]), /^Basic realm="Internal"/);

    const wrong = await s.app.inject({ method: "POST", url: "/pages/internal/login", payload: "password=nope", headers: { "content-type": "application/x-www-form-urlencoded" } });
    assert.equal(wrong.statusCode, 401);
    assert.match(wrong.body, /Wrong password/);
    assert.equal(wrong.headers["set-cookie"], undefined);

    const right = await s.app.inject({ method: "POST", url: "/pages/internal/login", payload: "password=s3cret-words", headers: { "content-type": "application/x-www-form-urlencoded" } });
    assert.equal(right.statusCode, 303);
    assert.equal(right.headers.location, "/pages/internal");
    const cookie = String(right.headers["set-cookie"]);
    assert.match(cookie, /^upbeat_page_\d+=\d+\.[\w-]{43}; Path=\/; Max-Age=604800; HttpOnly; SameSite=Lax$/);
    const pair = cookie.split(";")[0] as string;

    const open = await s.app.inject({ url: "/pages/internal", headers: { cookie: `other=1; ${pair}` } });
    assert.equal(open.statusCode, 200);
    assert.match(open.body, /id="m-api"/);
    assert.equal(open.headers["cache-control"], "private, no-cache");
    assert.equal((await s.app.inject({ url: "/pages/internal/feed.rss", headers: { cookie: pair } })).statusCode, 200);
    const forged = pair.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
    assert.equal((await s.app.inject({ url: "/pages/internal", headers: { cookie: forged } })).statusCode, 401);

    const basic = `Basic ${Buffer.from("reader:s3cret-words").toString("base64")}`;
    assert.equal((await s.app.inject({ url: "/pages/internal/feed.atom", headers: { authorization: basic } })).statusCode, 200, "feed readers send it as Basic");
    assert.equal((await s.app.inject({ url: "/pages/internal/feed.atom", headers: { authorization: `Basic ${Buffer.from("x:bad").toString("base64")}` } })).statusCode, 401);

    await s.app.inject({ method: "PATCH", url: "/api/v1/status-pages/internal", payload: { password: "another-secret" } });
    assert.equal((await s.app.inject({ url: "/pages/internal", headers: { cookie: pair } })).statusCode, 401, "a new password ends every cookie");
    assert.equal((await s.app.inject({ url: "/pages/internal/feed.atom", headers: { authorization: basic } })).statusCode, 401);
  });

  test("its monitors get no badges (the page is not public)", async () => {
    assert.equal((await s.app.inject({ url: "/badge/api/status.svg" })).statusCode, 404);
  });
});

describe("public route rate limit", () => {
  test("past the limit a client gets 429 in the error shape", async () => {
    const s = await statusApp({ config: CONFIG, settings: { rateLimit: { max: 3, windowMs: 60_000 } } });
    try {
      await s.app.inject({ method: "POST", url: "/api/v1/status-pages", payload: { slug: "acme", title: "Acme" } });
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push((await s.app.inject({ url: "/pages/acme", remoteAddress: "10.0.0.1" })).statusCode);
      assert.deepEqual(codes, [200, 200, 200, 429]);
      const r = await s.app.inject({ url: "/pages/acme", remoteAddress: "10.0.0.1" });
      assert.equal((r.json() as { code: string }).code, "UPBEAT_RATE_LIMITED");
      assert.ok(r.headers["retry-after"]);
      assert.equal((await s.app.inject({ url: "/pages/acme", remoteAddress: "10.0.0.2" })).statusCode, 200, "per client address");
      assert.equal((await s.app.inject({ url: "/api/v1/status-pages", remoteAddress: "10.0.0.1" })).statusCode, 200, "the API is not limited here");
    } finally {
      await s.cleanup();
    }
  });
});
