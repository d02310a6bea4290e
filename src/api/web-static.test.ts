/** Serving the built dashboard: cache headers, precompressed files, the page's security policy, unknown paths. */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { brotliCompressSync, gzipSync } from "node:zlib";
import type { FastifyInstance } from "fastify";
import { quietLog } from "../../test/helpers/engine.ts";
import { sqliteStore, type TestStore } from "../../test/helpers/stores.ts";
import { type Access, openAccess } from "./access.ts";
import { buildApp } from "./app.ts";
import { dashboardPlugin } from "./dashboard-routes.ts";
import { LiveEvents } from "./live-events.ts";
import { DASHBOARD_CSP } from "./web-static.ts";

const JS = `console.log(${JSON.stringify("x".repeat(5000))});`;

async function appWith(t: TestStore, webRoot: string, access: Access = openAccess("viewer")): Promise<FastifyInstance> {
  const app = buildApp({ access, store: t.store, engine: () => undefined, ready: () => true, log: quietLog });
  await app.register((s) => dashboardPlugin(s, { store: t.store, engine: () => undefined, events: new LiveEvents(), now: Date.now, webRoot }));
  await app.ready();
  return app;
}

describe("dashboard files", () => {
  let t: TestStore;
  let dir: string;
  let app: FastifyInstance;
  before(async () => {
    t = await sqliteStore();
    dir = mkdtempSync(join(tmpdir(), "upbeat-web-"));
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "index.html"), '<!doctype html><script type="module" src="/assets/app-1a2b3c.js"></script>');
    writeFileSync(join(dir, "assets", "app-1a2b3c.js"), JS);
    writeFileSync(join(dir, "assets", "app-1a2b3c.js.br"), brotliCompressSync(JS));
    writeFileSync(join(dir, "assets", "app-1a2b3c.js.gz"), gzipSync(JS));
    writeFileSync(join(dir, ".build-hash"), "abc\n");
    // Anonymous: the page and its files are public (the login screen must load); the data is not.
    app = await appWith(t, dir, { resolve: async () => undefined });
  });
  after(async () => {
    await app.close();
    await t.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test("index.html is revalidated on every load and carries the security policy", async () => {
    for (const url of ["/", "/index.html"]) {
      const r = await app.inject({ method: "GET", url });
      assert.equal(r.statusCode, 200, url);
      assert.match(String(r.headers["content-type"]), /^text\/html/);
      assert.equal(r.headers["cache-control"], "no-cache");
      assert.equal(r.headers["content-security-policy"], DASHBOARD_CSP);
      assert.equal(r.headers["x-content-type-options"], "nosniff");
      assert.match(r.body, /app-1a2b3c\.js/);
    }
  });

  test("hashed assets are cached for a year and sent precompressed as the browser allows", async () => {
    const br = await app.inject({ method: "GET", url: "/assets/app-1a2b3c.js", headers: { "accept-encoding": "br, gzip" } });
    assert.equal(br.statusCode, 200);
    assert.equal(br.headers["cache-control"], "public, max-age=31536000, immutable");
    assert.equal(br.headers["content-encoding"], "br");
    assert.ok(br.rawPayload.length < JS.length / 10, `compressed: ${br.rawPayload.length} bytes`);
    const gz = await app.inject({ method: "GET", url: "/assets/app-1a2b3c.js", headers: { "accept-encoding": "gzip" } });
    assert.equal(gz.headers["content-encoding"], "gzip");
    const plain = await app.inject({ method: "GET", url: "/assets/app-1a2b3c.js" });
    assert.equal(plain.headers["content-encoding"], undefined);
    assert.equal(plain.body, JS);
  });

  test("unknown paths, the compressed copies and dot files are not served", async () => {
    for (const url of ["/assets/nope.js", "/assets/app-1a2b3c.js.br", "/.build-hash", "/monitors/x"]) {
      const r = await app.inject({ method: "GET", url });
      assert.equal(r.statusCode, 404, url);
      assert.equal((r.json() as { code: string }).code, "UPBEAT_NOT_FOUND", url);
    }
  });

  test("the page is public, the dashboard's data is not", async () => {
    assert.equal((await app.inject({ method: "GET", url: "/" })).statusCode, 200);
    assert.equal((await app.inject({ method: "GET", url: "/api/v1/dashboard" })).statusCode, 401);
  });

  test("the data is compressed when asked", async () => {
    const a = await appWith(t, dir);
    try {
      await t.store.syncMonitors(Array.from({ length: 60 }, (_, i) => ({ id: `m${i}`, name: `monitor ${i}`, kind: "http", groupPath: ["g"], source: "native", definition: {} })), Date.now());
      const r = await a.inject({ method: "GET", url: "/api/v1/dashboard", headers: { "accept-encoding": "br" } });
      assert.equal(r.statusCode, 200);
      assert.equal(r.headers["content-encoding"], "br");
    } finally {
      await a.close();
    }
  });

  test("without a build, / says how to make one", async () => {
    const a = await appWith(t, join(dir, "missing"));
    try {
      const r = await a.inject({ method: "GET", url: "/" });
      assert.equal(r.statusCode, 200);
      assert.match(r.body, /npm run build:web/);
    } finally {
      await a.close();
    }
  });
});
