/** Status pages in `upbeat serve` as a real process: a page made over the API follows a monitor going down, on its own domain too, and survives a restart. */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { apiFetch, startServeReady } from "../helpers/cli.ts";
import { closedPort, startHttpServer } from "../helpers/http-server.ts";
import { waitFor } from "../helpers/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "upbeat-status-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Stops a server process and waits for it (at once if it has already exited). */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = once(child, "close");
  child.kill("SIGTERM");
  await closed;
}

/** GET with a Host header of our choosing (fetch does not let one set it). */
function get(port: number, path: string, host: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path, headers: { host } }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]), body }));
      })
      .on("error", reject);
  });
}

test("a status page follows its monitor, answers on its domain, and is still there after a restart", async () => {
  let status = 200;
  const target = await startHttpServer((_req, res) => res.writeHead(status).end());
  const port = await closedPort();
  const base = `http://127.0.0.1:${port}`;
  const file = join(dir, "upbeat.yaml");
  writeFileSync(file, `statusPages: { cacheTtl: 1s, rateLimit: false }\ndefaults: { interval: 1s, timeout: 2s }\nmonitors:\n  - { id: shop, name: Shop, url: "${target.url}/" }\n`);
  const args = ["--data", join(dir, "data"), "--config", file];
  let child: ChildProcess | undefined;
  try {
    child = await startServeReady(port, args, { UPBEAT_LOG_LEVEL: "warn" });
    const made = await apiFetch(`${base}/api/v1/status-pages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ slug: "shop", title: "Shop status", domain: "status.shop.test", sections: [{ title: "Store", monitors: ["shop"] }] }) });
    assert.equal(made.status, 201);
    await waitFor("shop operational", async () => (await get(port, "/pages/shop", "127.0.0.1")).body.includes('class="st st-up"'), 10_000, 100);
    status = 503;
    const down = await waitFor("shop down on the page", async () => {
      const r = await get(port, "/", "status.shop.test");
      return r.body.includes('class="st st-down"') ? r : undefined;
    }, 10_000, 200);
    assert.match(down.body, /<strong>Service Disruption<\/strong>/);
    const json = JSON.parse((await get(port, "/status.json", "status.shop.test")).body) as { status: { indicator: string }; page: { url: string } };
    assert.deepEqual([json.status.indicator, json.page.url], ["down", "http://status.shop.test"]);
    const badge = await get(port, "/badge/shop/status.svg", "127.0.0.1");
    assert.equal(badge.type, "image/svg+xml; charset=utf-8");
    assert.match(badge.body, /aria-label="status: down"/);
    assert.notEqual((await get(port, "/", "127.0.0.1")).body.includes("Shop status"), true, "other hosts do not get the page at /");

    await stop(child);
    child = await startServeReady(port, args, { UPBEAT_LOG_LEVEL: "warn" });
    const again = await get(port, "/", "status.shop.test");
    assert.equal(again.status, 200, "the domain is known right after start");
    assert.match(again.body, /Shop status/);
  } finally {
    if (child) await stop(child);
    await target.close();
  }
});
