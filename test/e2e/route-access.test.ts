/**
 * Every route of the app as `upbeat serve` builds it, walked over a real socket: each `/api/v1`
 * route refuses an anonymous caller with 401 unless it says it is public (login), so a route added
 * later is covered without a test of its own. Heartbeat endpoints carry no rate limit.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { RouteOptions } from "fastify";
import { serveCommand } from "../../src/cli/serve.ts";
import { API_HEADERS, TEST_ADMIN_PASSWORD, TEST_API_KEY } from "../helpers/cli.ts";
import { closedPort } from "../helpers/http-server.ts";
import { waitFor } from "../helpers/wait.ts";

interface Seen {
  method: string;
  url: string;
  access: unknown;
  rateLimit: unknown;
}

describe("every route through the real access", () => {
  const dir = mkdtempSync(join(tmpdir(), "upbeat-routes-"));
  const routes: Seen[] = [];
  const stop = new AbortController();
  let base = "";
  let done: Promise<number> | undefined;

  before(async () => {
    const port = await closedPort();
    base = `http://127.0.0.1:${port}`;
    const seen: RouteOptions[] = [];
    // Read once every hook has run: a plugin's own onRoute hook may mark its routes public after this one.
    const onRoute = (r: RouteOptions) => void seen.push(r);
    const env = { UPBEAT_LOG_LEVEL: "silent", UPBEAT_ADMIN_API_KEY: TEST_API_KEY, UPBEAT_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD };
    done = serveCommand({ files: [], listen: `127.0.0.1:${port}`, dataDir: dir, statsd: "off" }, { env, out: () => {}, err: () => {}, signal: stop.signal, onRoute });
    await waitFor("ready", () => fetch(`${base}/readyz`).then((r) => r.ok, () => false), 20_000, 50);
    for (const r of seen) {
      const config = (r.config ?? {}) as { access?: unknown; rateLimit?: unknown };
      for (const method of ([] as string[]).concat(r.method)) routes.push({ method, url: r.url, access: config.access, rateLimit: config.rateLimit });
    }
  });
  after(async () => {
    stop.abort();
    assert.equal(await done, 0);
    rmSync(dir, { recursive: true, force: true });
  });

  const concrete = (url: string) => url.replace(/:[A-Za-z0-9_]+/g, "x").replace(/\*/g, "x");
  const call = (method: string, url: string, headers: Record<string, string> = {}) =>
    fetch(base + concrete(url), { method, headers: { ...headers, ...(["POST", "PUT", "PATCH", "DELETE"].includes(method) ? { "content-type": "application/json" } : {}) }, ...(["POST", "PUT", "PATCH"].includes(method) ? { body: "{}" } : {}) });

  test("each /api/v1 route that is not explicitly public answers an anonymous request with 401", async () => {
    const api = routes.filter((r) => r.url.startsWith("/api/v1/") || r.url === "/api/v1");
    const publicOnes = api.filter((r) => r.access === "public").map((r) => `${r.method} ${r.url}`);
    assert.ok(publicOnes.includes("POST /api/v1/auth/login"), publicOnes.join(", "));
    const guarded = api.filter((r) => r.access !== "public");
    for (const must of ["GET /api/v1/monitors", "GET /api/v1/users", "POST /api/v1/api-keys", "GET /api/v1/auth/me", "POST /api/v1/auth/logout"]) {
      assert.ok(guarded.some((r) => `${r.method} ${r.url}` === must), `${must} is walked`);
    }
    const wrong: string[] = [];
    for (const r of guarded) {
      const anon = await call(r.method, r.url);
      const badKey = await call(r.method, r.url, { authorization: "Bearer upb_not_a_key" });
      const badCookie = await call(r.method, r.url, { cookie: "upbeat_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" });
      for (const [how, res] of [["anonymous", anon], ["bad key", badKey], ["bad cookie", badCookie]] as const) {
        const body = r.method === "HEAD" ? "" : await res.text();
        if (res.status !== 401 || (body && !body.includes("UPBEAT_UNAUTHENTICATED"))) wrong.push(`${how} ${r.method} ${r.url}: ${res.status} ${body.slice(0, 120)}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  test("the admin key from the environment gets in; a cookie write without the CSRF token does not", async () => {
    const me = await fetch(`${base}/api/v1/auth/me`, { headers: API_HEADERS });
    assert.equal(me.status, 200);
    assert.equal(((await me.json()) as { user: { name: string } }).user.name, "admin");
    const login = await fetch(`${base}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "admin", password: TEST_ADMIN_PASSWORD }) });
    assert.equal(login.status, 200);
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] as string;
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const body = JSON.stringify({ name: "from-cookie" });
    const noToken = await fetch(`${base}/api/v1/api-keys`, { method: "POST", headers: { cookie, "content-type": "application/json" }, body });
    assert.equal(noToken.status, 403);
    const withToken = await fetch(`${base}/api/v1/api-keys`, { method: "POST", headers: { cookie, "x-csrf-token": csrfToken, "content-type": "application/json" }, body });
    assert.equal(withToken.status, 201);
  });

  test("pings, Lovebeat's API and health stay public and carry no rate limit", async () => {
    const heartbeat = routes.filter((r) => /^\/(ping|api\/services|api\/status|healthz|readyz)/.test(r.url) || r.url.startsWith("/api/alarms"));
    assert.ok(heartbeat.some((r) => r.url.startsWith("/ping")), "ping routes are walked");
    assert.deepEqual(heartbeat.filter((r) => r.rateLimit !== undefined || (r.access !== undefined && r.access !== "public")).map((r) => `${r.method} ${r.url}`), []);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/api/status`)).status, 200);
  });
});
