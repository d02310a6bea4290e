/**
 * The dashboard with 10,000 monitors in real Chromium: only the rows in view are in the page,
 * jumping to the end fetches one page, a search narrows the list on the server.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { chromiumUnavailable, E2E_PASSWORD, ensureWebBuilt, launchChromium, logIn, serveReady, stop, watchErrors } from "../helpers/browser.ts";
import { closedPort } from "../helpers/http-server.ts";
import { REQUIRE_SERVICES } from "../helpers/stores.ts";

describe("dashboard with 10,000 monitors in Chromium", () => {
  const skip = chromiumUnavailable();
  test("only the rows in view are drawn; jumping to the end fetches only the page in view", { timeout: 240_000 }, async (t) => {
    if (skip) {
      if (REQUIRE_SERVICES) throw new Error(`${skip} (UPBEAT_REQUIRE_SERVICES=1)`);
      return t.skip(skip);
    }
    await ensureWebBuilt();
    const dir = mkdtempSync(join(tmpdir(), "upbeat-web-10k-"));
    const config = join(dir, "upbeat.yaml");
    // Heartbeats due once a day: 10,000 monitors and nothing for the engine to do meanwhile.
    const groups = Array.from({ length: 100 }, (_, g) => `  - { name: g${String(g).padStart(2, "0")}, monitors: [${Array.from({ length: 100 }, (_, i) => `{ name: m${String(g * 100 + i).padStart(5, "0")}, type: heartbeat, period: 1d }`).join(", ")}] }`);
    writeFileSync(config, `groups:\n${groups.join("\n")}\n`);
    const port = await closedPort();
    const base = `http://127.0.0.1:${port}`;
    let child: ChildProcess | undefined;
    let browser: Browser | undefined;
    try {
      child = await serveReady(port, ["--data", join(dir, "data"), "--config", config], { UPBEAT_ADMIN_PASSWORD: E2E_PASSWORD, UPBEAT_LOG_LEVEL: "warn" });
      browser = await launchChromium();
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await ctx.newPage();
      const errors = watchErrors(page);
      const pages: string[] = [];
      page.on("request", (r) => r.url().includes("/api/v1/dashboard/rows") && pages.push(new URL(r.url()).searchParams.get("offset") ?? ""));
      const started = Date.now();
      await logIn(page, base);
      await page.waitForSelector(".mrow[data-id]");
      t.diagnostic(`first rows drawn ${Date.now() - started} ms after opening the page (login included)`);
      assert.equal(await page.locator('.side-all b').innerText(), "10000");
      const drawn = await page.locator(".vrow").count();
      assert.ok(drawn > 10 && drawn < 60, `${drawn} rows in the page`);
      await page.locator(".vlist").evaluate((el) => (el.scrollTop = el.scrollHeight));
      await page.waitForSelector('.mrow[data-id="g99/m09999"]', { timeout: 15_000 });
      assert.ok((await page.locator(".vrow").count()) < 60, "still only the rows in view");
      assert.deepEqual(pages, ["9900"], "one page fetched: the one scrolled to");
      await page.fill("input[type=search]", "m04242");
      await page.waitForSelector('.mrow[data-id="g42/m04242"]');
      assert.equal(await page.locator(".vrow").count(), 1);
      assert.deepEqual(errors, []);
    } finally {
      await browser?.close();
      await stop(child);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
