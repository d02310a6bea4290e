/**
 * Real Chromium for browser tests: Debian's `/usr/bin/chromium` driven by playwright-core, each
 * run in a fresh profile. When Chromium is missing its tests are skipped with the reason, or fail
 * when UPBEAT_REQUIRE_SERVICES=1. Also makes sure `web/dist` was built from the current sources.
 */
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { buildWeb, isFresh } from "../../scripts/build-web.ts";
import { startCli } from "./cli.ts";
import { waitFor } from "./wait.ts";

/** The browser (overridable for other machines). */
export const CHROMIUM = process.env.UPBEAT_TEST_CHROMIUM ?? "/usr/bin/chromium";

/** Flags for a quiet, sandbox-free headless run that talks to nothing but the test server. */
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Undefined when Chromium is there, else why not. */
export function chromiumUnavailable(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `Chromium not found at ${CHROMIUM} (apt-get install chromium)`;
}

/** Starts Chromium (a fresh temporary profile every time). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 60_000 });
}

const LOCK = fileURLToPath(new URL("../../web/.build-lock", import.meta.url));

/** Builds the dashboard when `web/dist` is missing or older than its sources (one builder at a time). */
export async function ensureWebBuilt(): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (isFresh()) return;
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // Another test process is building; a lock left by a crashed one is broken after 3 minutes.
      const st = statSync(LOCK, { throwIfNoEntry: false });
      if (st && Date.now() - st.mtimeMs > 180_000) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error("timed out waiting for another process to build web/dist");
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (!isFresh()) await buildWeb({ quiet: true });
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** Where `npm run screenshots` writes. */
export const SCREENSHOTS = fileURLToPath(new URL("../../docs/screenshots/", import.meta.url));

/** Path of a screenshot file. */
export const screenshotPath = (name: string): string => join(SCREENSHOTS, `${name}.png`);

/** Starts `upbeat serve` and waits for /readyz (a busy machine may take a while to compile and hash). */
export async function serveReady(port: number, args: string[], env: Record<string, string>): Promise<ChildProcess> {
  const child = startCli(["serve", "--listen", `127.0.0.1:${port}`, ...args], env);
  let err = "";
  child.stderr?.on("data", (d: Buffer) => (err += d));
  try {
    await waitFor("ready", () => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false), 90_000, 100);
  } catch (e) {
    child.kill("SIGKILL");
    throw new Error(`${e instanceof Error ? e.message : String(e)}: ${err.slice(-2000)}`);
  }
  return child;
}

/** Stops a server and waits for it to exit. */
export async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  await exited;
}

/** The first admin's password of the servers started by the dashboard's browser tests. */
export const E2E_PASSWORD = "dashboard-e2e-password";

/** Logs in as the admin through the form. */
export async function logIn(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.fill("input[name=username]", "admin");
  await page.fill("input[name=password]", E2E_PASSWORD);
  await page.click("button[type=submit]");
  await page.waitForSelector(".topbar", { timeout: 15_000 });
}

/** Collects the page's script errors (a test expects none). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  return errors;
}
