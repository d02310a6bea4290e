/** `npm run screenshots`: the README's pictures of the dashboard, a monitor page, a phone and a status page. */
import { mkdirSync } from "node:fs";
import { describe, test } from "node:test";
import { chromiumUnavailable, E2E_PASSWORD, ensureWebBuilt } from "../helpers/browser.ts";
import { takeScreenshots } from "../helpers/screenshots.ts";

describe("dashboard screenshots", { skip: process.env.UPBEAT_SCREENSHOTS !== "1" && "set UPBEAT_SCREENSHOTS=1 (npm run screenshots)" }, () => {
  test("dashboard, monitor page and status page", { timeout: 240_000 }, async (t) => {
    const reason = chromiumUnavailable();
    if (reason) return t.skip(reason);
    await ensureWebBuilt();
    const out = new URL("../../docs/screenshots/", import.meta.url);
    mkdirSync(out, { recursive: true });
    await takeScreenshots(out.pathname, E2E_PASSWORD);
  });
});
