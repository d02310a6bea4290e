/**
 * What the dashboard scenario needs from the server under test: the built dashboard (built with
 * the project's own `npm run build:web` when missing), whether the configuration knows the
 * `statusPages` section (cache time, rate limit), and a status page made through the API.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Builds the dashboard when `web/dist/index.html` is missing and the project has `build:web`; says what it did or why not. */
export function ensureWebBuilt(log: (s: string) => void): string {
  if (existsSync(join(ROOT, "web/dist/index.html"))) return "web/dist as built";
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts?: Record<string, string> };
  if (!pkg.scripts?.["build:web"]) return "web/dist missing and no build:web script";
  log("  web/dist missing: npm run build:web");
  try {
    execFileSync("npm", ["run", "build:web"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"], timeout: 10 * 60_000 });
  } catch (e) {
    return `npm run build:web failed: ${e instanceof Error ? e.message : String(e)}`;
  }
  return existsSync(join(ROOT, "web/dist/index.html")) ? "built by npm run build:web for this run" : "npm run build:web made no web/dist/index.html";
}

/** Whether this build's configuration has the `statusPages` section (documented in docs/config.md, which a test keeps in step with the schema). */
export function statusSettingsSupported(): boolean {
  try {
    return /`statusPages`/.test(readFileSync(join(ROOT, "docs/config.md"), "utf8"));
  } catch {
    return false;
  }
}

/** Creates the page `slug` with the monitors in sections of `perSection` (an existing page is fine); undefined when it serves, else why not. */
export async function ensureStatusPage(base: string, auth: Record<string, string>, slug: string, ids: readonly string[], perSection: number): Promise<string | undefined> {
  const sections = [];
  for (let i = 0; i < ids.length; i += perSection) sections.push({ title: `Section ${String(sections.length + 1)}`, monitors: ids.slice(i, i + perSection) });
  const res = await fetch(`${base}/api/v1/status-pages`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ slug, title: "Upbeat bench", description: "Benchmark page", sections }) });
  const text = await res.text();
  if (res.status === 404) return `POST /api/v1/status-pages answered 404 (no status pages in this build)`;
  if (res.status !== 200 && res.status !== 201 && res.status !== 409) return `POST /api/v1/status-pages answered ${String(res.status)}: ${text.slice(0, 200)}`;
  const page = await fetch(`${base}/pages/${slug}`, { headers: { "accept-encoding": "gzip" } });
  await page.arrayBuffer();
  return page.status === 200 ? undefined : `GET /pages/${slug} answered ${String(page.status)}`;
}
