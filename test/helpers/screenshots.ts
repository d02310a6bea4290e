/**
 * Screenshots for the README: a server with 42 monitors in groups (some slow, some failing, some
 * flaky) and 90 days of seeded history, photographed in Chromium: the dashboard, a monitor page,
 * the dashboard on a phone and a public status page. Run by `npm run screenshots`.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../src/store/open.ts";
import { launchChromium, serveReady, stop } from "./browser.ts";
import { closedPort, startHttpServer } from "./http-server.ts";
import { type SeededMonitor, seedHistory } from "./seed-history.ts";
import { waitFor } from "./wait.ts";

const KEY = "upb_screenshots_admin_key_0123456789";

interface Spec {
  group: string[];
  name: string;
  path: string;
  flakiness: number;
  latencyMs: number;
}

/** The monitors photographed: what they check and how their history looks. */
function specs(): Spec[] {
  const out: Spec[] = [];
  const services = ["api", "web", "checkout", "search", "images", "auth"];
  for (const region of ["eu", "us", "ap"]) {
    for (const s of services) out.push({ group: ["shop", region], name: `${s}-${region}`, path: s === "search" && region === "ap" ? "/fail" : s === "checkout" && region === "us" ? "/flaky" : s === "images" ? "/slow" : "/ok", flakiness: s === "checkout" ? 0.25 : 0.04, latencyMs: s === "images" ? 420 : 60 + services.indexOf(s) * 15 });
  }
  for (const s of ["postgres", "redis", "queue", "dns", "smtp", "vpn", "backup", "ldap", "grafana", "ci", "registry", "vault"]) {
    out.push({ group: ["infra"], name: s, path: s === "vpn" ? "/slow" : "/ok", flakiness: s === "backup" ? 0.15 : 0.02, latencyMs: 25 });
  }
  for (const s of ["blog", "docs", "status-mirror", "careers", "partners", "press", "support", "forum", "changelog", "academy", "events", "brand"]) {
    out.push({ group: ["marketing"], name: s, path: s === "forum" ? "/fail" : "/ok", flakiness: 0.03, latencyMs: 140 });
  }
  return out;
}

/** The flaky target: each path answers its own way. */
async function target() {
  let n = 0;
  return startHttpServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/fail") {
      res.writeHead(503, { "content-type": "application/json" });
      res.end('{"error":"upstream timeout","retryAfter":30}');
    } else if (path === "/flaky" && n++ % 5 === 0) {
      res.writeHead(500, { "content-type": "text/html" });
      res.end("<html><body><h1>500 Internal Server Error</h1><p>payment gateway unreachable</p></body></html>");
    } else if (path === "/slow") setTimeout(() => res.end("ok"), 350);
    else res.end("ok");
  });
}

/** Takes the screenshots into `out` (a directory). */
export async function takeScreenshots(out: string, password: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "upbeat-shots-"));
  const t = await target();
  const list = specs();
  const yaml = `groups:\n${["shop", "infra", "marketing"]
    .map((top) => {
      const mine = list.filter((s) => s.group[0] === top);
      const subs = [...new Set(mine.map((s) => s.group[1]).filter(Boolean))] as string[];
      const line = (s: Spec) => `      - { name: ${s.name}, url: "${t.url}${s.path}", interval: 5s, timeout: 2s, labels: { tier: ${top === "infra" ? "core" : "edge"} } }`;
      if (!subs.length) return `  - name: ${top}\n    monitors:\n${mine.map(line).join("\n")}`;
      return `  - name: ${top}\n    groups:\n${subs.map((g) => `      - name: ${g}\n        monitors:\n${mine.filter((s) => s.group[1] === g).map((s) => `  ${line(s)}`).join("\n")}`).join("\n")}`;
    })
    .join("\n")}\n`;
  writeFileSync(join(dir, "upbeat.yaml"), yaml);
  const store = await openStore({ kind: "sqlite", file: join(dir, "data", "upbeat.db") });
  const seeded: SeededMonitor[] = list.map((s) => ({ id: [...s.group, s.name].join("/"), name: s.name, groupPath: s.group, kind: "http", flakiness: s.flakiness, latencyMs: s.latencyMs, ...(s.name === "checkout-us" ? { results: `${t.url}${s.path}` } : {}) }));
  await seedHistory(store, seeded, Date.now());
  await store.close();
  const port = await closedPort();
  const base = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const browser = await launchChromium();
  try {
    child = await serveReady(port, ["--data", join(dir, "data"), "--config", join(dir, "upbeat.yaml")], { UPBEAT_ADMIN_PASSWORD: password, UPBEAT_ADMIN_API_KEY: KEY, UPBEAT_LOG_LEVEL: "warn" });
    const headers = { authorization: `Bearer ${KEY}`, "content-type": "application/json" };
    const page = { slug: "status", title: "Acme status", description: "Live status of Acme's shop and services.", sections: [{ title: "Shop (Europe)", monitors: list.filter((s) => s.group[1] === "eu").map((s) => `shop/eu/${s.name}`) }, { title: "Core services", matchers: ["group=infra"] }] };
    const made = await fetch(`${base}/api/v1/status-pages`, { method: "POST", headers, body: JSON.stringify(page) });
    if (!made.ok) throw new Error(`status page: ${made.status} ${await made.text()}`);
    // Let every monitor be checked a few times.
    await waitFor("failures seen", async () => ((await (await fetch(`${base}/api/v1/dashboard`, { headers })).json()) as { counts: { down: number } }).counts.down >= 2, 30_000, 500);
    await new Promise((r) => setTimeout(r, 12_000));

    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
    const p = await ctx.newPage();
    await p.goto(`${base}/`);
    await p.fill("input[name=username]", "admin");
    await p.fill("input[name=password]", password);
    await p.click("button[type=submit]");
    await p.waitForSelector(".mrow[data-id]");
    await p.waitForTimeout(1500);
    await p.screenshot({ path: join(out, "dashboard.png") });
    await p.click('.mrow[data-id="shop/us/checkout-us"]');
    await p.waitForSelector(".chart[data-drawn] canvas");
    await p.waitForTimeout(800);
    await p.screenshot({ path: join(out, "monitor.png"), fullPage: true });
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, storageState: await ctx.storageState() });
    const pp = await phone.newPage();
    await pp.goto(`${base}/`);
    await pp.waitForSelector(".mrow[data-id]");
    await pp.waitForTimeout(1000);
    await pp.screenshot({ path: join(out, "dashboard-phone.png") });
    const visitor = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const vp = await visitor.newPage();
    await vp.goto(`${base}/pages/status`);
    await vp.screenshot({ path: join(out, "status-page.png"), fullPage: true });
  } finally {
    await browser.close();
    await stop(child);
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
