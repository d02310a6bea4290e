/**
 * The dashboard in real Chromium against a real `upbeat serve`: log in through the form, create
 * a monitor through the form, see it go down and up live (no reload), open its page (chart drawn,
 * uptime shown), make a status page and open it logged out, and use it all on a phone-sized
 * screen; and two-factor login, forms of channels, routes and maintenance windows.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Secret, TOTP } from "otpauth";
import type { Browser, BrowserContext } from "playwright-core";
import { chromiumUnavailable, E2E_PASSWORD, ensureWebBuilt, launchChromium, logIn, serveReady, stop, watchErrors } from "../helpers/browser.ts";
import { closedPort, startHttpServer, type TestServer } from "../helpers/http-server.ts";
import { REQUIRE_SERVICES } from "../helpers/stores.ts";

describe("dashboard in Chromium", () => {
  const skip = chromiumUnavailable();
  let browser: Browser;
  let target: TestServer;
  let child: ChildProcess | undefined;
  let dir: string;
  let base: string;
  let code = 200;
  let fileCode = 200;
  let loggedIn: Awaited<ReturnType<BrowserContext["storageState"]>> | undefined;

  before(async () => {
    if (skip) {
      if (REQUIRE_SERVICES) throw new Error(`${skip} (UPBEAT_REQUIRE_SERVICES=1)`);
      return;
    }
    await ensureWebBuilt();
    target = await startHttpServer((req, res) => {
      const c = req.url?.startsWith("/file") ? fileCode : code;
      res.writeHead(c, { "content-type": "text/plain" });
      res.end(c === 200 ? "ok" : "service unavailable");
    });
    dir = mkdtempSync(join(tmpdir(), "upbeat-web-e2e-"));
    const config = join(dir, "upbeat.yaml");
    writeFileSync(config, `groups:\n  - name: web\n    monitors:\n      - { name: Storefront, url: "${target.url}/file", interval: 1s, timeout: 2s, labels: { team: shop } }\n`);
    const port = await closedPort();
    base = `http://127.0.0.1:${port}`;
    child = await serveReady(port, ["--data", join(dir, "data"), "--config", config], { UPBEAT_ADMIN_PASSWORD: E2E_PASSWORD, UPBEAT_LOG_LEVEL: "warn" });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await stop(child);
    await target?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const it = (title: string, fn: () => Promise<void>): void => {
    test(title, { timeout: 120_000 }, async (t) => {
      if (skip) return t.skip(skip);
      await fn();
    });
  };

  it("a monitor from a file: its row goes down and up live, its page draws the chart; it is read-only here", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    const errors = watchErrors(page);
    await logIn(page, base);
    const row = page.locator('.mrow[data-id="web/storefront"]');
    await row.and(page.locator("[data-state=up]")).waitFor({ timeout: 20_000 });
    await page.evaluate(() => ((globalThis as unknown as { noReload: number }).noReload = 1));
    fileCode = 503;
    await row.and(page.locator("[data-state=down]")).waitFor({ timeout: 20_000 });
    await row.locator("small", { hasText: "503" }).waitFor({ timeout: 1000 });
    await page.locator('.tree-item:has-text("web") .tree-bad').waitFor({ timeout: 5000 });
    fileCode = 200;
    await row.and(page.locator("[data-state=up]")).waitFor({ timeout: 20_000 });
    assert.equal(await page.evaluate(() => (globalThis as unknown as { noReload?: number }).noReload), 1, "the page was not reloaded");
    await page.fill("input[type=search]", "store");
    await page.waitForSelector(".list-head:has-text('1 monitor (filtered)')");
    await row.click();
    await page.waitForSelector(".detail h1:has-text('Storefront')");
    await page.waitForSelector(".chart[data-drawn] canvas", { timeout: 15_000 });
    assert.match(await page.locator('.tile[data-period="24h"] b').innerText(), /^\d+(\.\d+)?%$/);
    assert.match(await page.locator(".detail-head").innerText(), /Read-only here/);
    assert.equal(await page.locator(".detail-head a:has-text('Edit')").count(), 0, "a file monitor has no edit button");
    await page.waitForSelector(".failure:has-text('503')");
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  it("log in, create a monitor, see it go down and up live, open its page", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    const errors = watchErrors(page);
    await logIn(page, base);
    loggedIn = await ctx.storageState();

    await page.click("a:has-text('New monitor')");
    await page.fill("input[name=name]", "Checkout");
    await page.fill("input[name=group]", "shop");
    await page.fill("input[name=url]", `${target.url}/health`);
    await page.fill("input[name=interval]", "1s");
    await page.fill("input[name=timeout]", "2s");
    await page.click("button:has-text('Create monitor')");
    await page.waitForSelector("h1:has-text('Checkout')", { timeout: 15_000 });

    await page.click(".nav a:has-text('Monitors')");
    const row = page.locator('.mrow[data-id="shop/checkout"]');
    await row.and(page.locator("[data-state=up]")).waitFor({ timeout: 20_000 });
    // A mark on the page: it is gone if the page reloads.
    await page.evaluate(() => ((globalThis as unknown as { noReload: number }).noReload = 1));

    code = 503;
    await row.and(page.locator("[data-state=down]")).waitFor({ timeout: 20_000 });
    // The row says why: the status event carries the incident's cause.
    await row.locator("small", { hasText: "503" }).waitFor({ timeout: 1000 });
    assert.equal(await page.locator('b[data-count="down"]').innerText(), "1", "only this one is down");

    code = 200;
    await row.and(page.locator("[data-state=up]")).waitFor({ timeout: 20_000 });
    assert.equal(await page.evaluate(() => (globalThis as unknown as { noReload?: number }).noReload), 1, "the page was not reloaded");

    await row.click();
    await page.waitForSelector(".detail h1:has-text('Checkout')");
    await page.waitForSelector(".chart[data-drawn] canvas", { timeout: 15_000 });
    const tile = await page.locator('.tile[data-period="24h"] b').innerText();
    assert.match(tile, /^\d+(\.\d+)?%$/, `24 h uptime shown (${tile})`);
    await page.waitForSelector(".incident:has-text('#1')", { timeout: 15_000 });
    await page.waitForSelector(".failure:has-text('503')");
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  it("a status page made in the dashboard opens for a visitor who is not logged in", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...(loggedIn ? { storageState: loggedIn } : {}) });
    const page = await ctx.newPage();
    const errors = watchErrors(page);
    if (!loggedIn) await logIn(page, base);
    await page.goto(`${base}/#/status-pages`);
    await page.click("button:has-text('New status page')");
    await page.fill("input[name=slug]", "shop");
    await page.fill("input[name=title]", "Shop status");
    await page.fill("textarea[name=sections]", "Checkout: shop/checkout");
    await page.click("button:has-text('Create status page')");
    await page.waitForSelector(".resource:has-text('Shop status')", { timeout: 15_000 });
    assert.deepEqual(errors, []);
    await ctx.close();

    const visitor = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const pub = await visitor.newPage();
    const res = await pub.goto(`${base}/pages/shop`);
    assert.equal(res?.status(), 200);
    assert.match(await pub.locator("h1").innerText(), /Shop status/);
    assert.match(await pub.locator("body").innerText(), /Checkout/);
    // The visitor has no session: the dashboard's data stays closed to them.
    assert.equal((await visitor.request.get(`${base}/api/v1/dashboard`)).status(), 401);
    await visitor.close();
  });

  it("from a monitor's page: acknowledge and annotate its incident, mute, pause, resume and edit it", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...(loggedIn ? { storageState: loggedIn } : {}) });
    const page = await ctx.newPage();
    const errors = watchErrors(page);
    if (!loggedIn) await logIn(page, base);
    code = 503;
    await page.goto(`${base}/#/monitors/${encodeURIComponent("shop/checkout")}`);
    await page.waitForSelector(".detail[data-state=down]", { timeout: 20_000 });
    const open = page.locator(".incident.open").first();
    await open.locator("button:has-text('Acknowledge')").click();
    await open.locator(".badge.ack:has-text('admin')").waitFor();
    await open.locator("input[aria-label^='Note']").fill("rolled back the deploy");
    await open.locator("button:has-text('Add note')").click();
    await open.locator(".timeline li:has-text('rolled back the deploy')").waitFor();

    await page.selectOption("select[aria-label='Mute notifications']", "4h");
    await page.waitForSelector("button:has-text('Unmute')");
    const silences = (await (await ctx.request.get(`${base}/api/v1/silences`)).json()) as { silences: Array<{ matchers: string[]; author: string }> };
    assert.deepEqual(silences.silences.map((s) => [s.matchers, s.author]), [[['monitor="shop/checkout"'], "admin"]]);

    code = 200;
    await page.click(".detail-head button:has-text('Pause')");
    await page.waitForSelector(".detail[data-state=paused]", { timeout: 10_000 });
    await page.click(".detail-head button:has-text('Resume')");
    await page.waitForSelector(".detail[data-state=up]", { timeout: 20_000 });
    await page.click("button:has-text('Unmute')");
    await page.waitForSelector("select[aria-label='Mute notifications']");

    await page.click(".detail-head a:has-text('Edit')");
    await page.fill("textarea[name=labels]", "team=payments");
    await page.click("button:has-text('Save')");
    await page.waitForSelector(".detail .labels a:has-text('team=payments')", { timeout: 15_000 });
    const def = (await (await ctx.request.get(`${base}/api/v1/monitors/${encodeURIComponent("shop/checkout")}`)).json()) as { monitor: { labels: Record<string, string>; definition: { check: { url: string; interval: string } } } };
    assert.deepEqual(def.monitor.labels, { team: "payments" });
    assert.equal(def.monitor.definition.check.url, `${target.url}/health`, "the fields not shown in the form are kept");
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  it("channels, routes and maintenance windows are made through their forms", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...(loggedIn ? { storageState: loggedIn } : {}) });
    const page = await ctx.newPage();
    const errors = watchErrors(page);
    if (!loggedIn) await logIn(page, base);
    const api = async (path: string) => (await ctx.request.get(`${base}${path}`)).json() as Promise<Record<string, Array<{ name: string }>>>;

    await page.goto(`${base}/#/channels`);
    await page.click("button:has-text('New channel')");
    await page.fill("input[name=name]", "ops-hook");
    await page.selectOption("select[name=type]", "webhook");
    await page.fill("textarea[name=settings]", JSON.stringify({ url: `${target.url}/hook` }));
    await page.click("button:has-text('Create channel')");
    await page.waitForSelector(".resource:has-text('ops-hook')");
    assert.ok((await api("/api/v1/channels")).channels?.some((c) => c.name === "ops-hook"));

    await page.goto(`${base}/#/routes`);
    await page.click("button:has-text('New route')");
    await page.fill("input[name=name]", "shop-to-ops");
    await page.fill("textarea[name=matchers]", "group=shop");
    await page.fill("input[name=channels]", "ops-hook");
    await page.click("button:has-text('Create route')");
    await page.waitForSelector(".resource:has-text('shop-to-ops')");
    assert.ok((await api("/api/v1/routes")).routes?.some((r) => r.name === "shop-to-ops"));

    await page.goto(`${base}/#/maintenance`);
    await page.click("button:has-text('New window')");
    await page.fill("input[name=name]", "db-upgrade");
    await page.fill("textarea[name=matchers]", "group=shop");
    await page.fill("input[name=cron]", "0 3 * * 0");
    await page.fill("input[name=duration]", "2h");
    await page.fill("input[name=timezone]", "Europe/Berlin");
    await page.click("button:has-text('Create window')");
    await page.waitForSelector(".resource:has-text('db-upgrade')");
    assert.ok((await api("/api/v1/maintenance")).windows?.some((w) => w.name === "db-upgrade"));

    // A bad entry is refused with the server's reason, and nothing is made.
    await page.click("button:has-text('New window')");
    await page.fill("input[name=name]", "broken");
    await page.fill("input[name=cron]", "not a cron");
    await page.fill("input[name=duration]", "1h");
    await page.click("button:has-text('Create window')");
    await page.waitForSelector(".inline-form .error");
    assert.ok(!(await api("/api/v1/maintenance")).windows?.some((w) => w.name === "broken"));
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  it("a user with two-factor login is asked for the code, then let in; a wrong password is refused", async () => {
    // The admin makes a user; the user turns on two-factor login with their own session.
    const admin = await browser.newContext({ ...(loggedIn ? { storageState: loggedIn } : {}) });
    const adminCsrf = ((await (await admin.request.get(`${base}/api/v1/auth/me`)).json()) as { csrfToken: string }).csrfToken;
    const made = await admin.request.post(`${base}/api/v1/users`, { headers: { "x-csrf-token": adminCsrf }, data: { name: "oncall", role: "viewer", password: "oncall-password-1" } });
    assert.equal(made.status(), 201, await made.text());
    await admin.close();
    const user = await browser.newContext();
    const login = (await (await user.request.post(`${base}/api/v1/auth/login`, { data: { username: "oncall", password: "oncall-password-1" } })).json()) as { csrfToken: string };
    const { secret } = (await (await user.request.post(`${base}/api/v1/auth/totp`, { headers: { "x-csrf-token": login.csrfToken } })).json()) as { secret: string };
    const confirmed = await user.request.post(`${base}/api/v1/auth/totp/confirm`, { headers: { "x-csrf-token": login.csrfToken }, data: { code: TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() }) } });
    assert.equal(confirmed.status(), 200, await confirmed.text());
    await user.close();

    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    const errors = watchErrors(page);
    await page.goto(`${base}/`);
    await page.fill("input[name=username]", "oncall");
    await page.fill("input[name=password]", "wrong-password");
    await page.click("button[type=submit]");
    await page.waitForSelector(".login .error:has-text('Wrong user name or password')");
    await page.fill("input[name=password]", "oncall-password-1");
    await page.click("button[type=submit]");
    const code = page.locator("input[name=totp]");
    await code.waitFor();
    // The code of the next 30 s step: the one used to confirm may not be used again.
    await code.fill(TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() + 30_000 }));
    await page.click("button[type=submit]");
    await page.waitForSelector(".topbar .user:has-text('oncall')");
    // A viewer sees the monitors but not the buttons that change them.
    await page.waitForSelector(".mrow[data-id]");
    assert.equal(await page.locator("a:has-text('New monitor')").count(), 0);
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  it("on a phone-sized screen (390×844) the listing and a monitor page fit", async () => {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, ...(loggedIn ? { storageState: loggedIn } : {}) });
    const page = await ctx.newPage();
    if (!loggedIn) await logIn(page, base);
    await page.goto(`${base}/`);
    const row = page.locator('.mrow[data-id="web/storefront"]');
    await row.waitFor({ timeout: 15_000 });
    type Doc = { document: { documentElement: { scrollWidth: number; clientWidth: number } } };
    const overflow = () => page.evaluate(() => ((d) => d.scrollWidth - d.clientWidth)((globalThis as unknown as Doc).document.documentElement));
    assert.equal(await overflow(), 0, "nothing wider than the screen");
    const box = await row.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 390, "the row fits the width");
    const list = await page.locator(".vlist").boundingBox();
    assert.ok(list && list.height > 844 / 2, `the list takes the rest of the screen (${list?.height}px)`);
    await page.click("button.side-toggle");
    await page.waitForSelector(".side .count");
    await row.click();
    await page.waitForSelector(".detail .tiles");
    assert.equal(await overflow(), 0, "the monitor page fits too");
    await ctx.close();
  });
});
