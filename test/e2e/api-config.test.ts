/**
 * `upbeat serve` as a real process: channels, routes and maintenance windows made through the API
 * work at once, survive a file reload and a restart on the same data directory, and the export
 * is a file `upbeat validate` accepts and `upbeat serve` starts from.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { ChildProcess } from "node:child_process";
import { runCli, startCli } from "../helpers/cli.ts";
import { closedPort, startHttpServer } from "../helpers/http-server.ts";
import { waitFor } from "../helpers/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "upbeat-api-config-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const KEY = "e2e-admin-key-4242424242424242";
const ENV = { UPBEAT_ADMIN_API_KEY: KEY, UPBEAT_LOG_LEVEL: "warn", UPBEAT_STATSD: "off" };
const TOKEN = "e2e-hook-token-9876543210";

const FILE = `
channels:
  - { name: file-hook, type: webhook, url: "http://127.0.0.1:9/file" }
monitors:
  - { id: db-1, name: db-1, type: heartbeat, period: 1h, labels: { team: db } }
  - { id: web-1, name: web-1, type: heartbeat, period: 1h, labels: { team: web } }
`;

/** Starts `upbeat serve` and waits until it is ready (generously: the machine may be busy). */
async function serve(port: number, args: string[]): Promise<ChildProcess> {
  const child = startCli(["serve", "--listen", `127.0.0.1:${port}`, ...args], ENV);
  try {
    await waitFor("ready", () => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false), 60_000, 100);
  } catch (e) {
    child.kill("SIGKILL");
    throw e;
  }
  return child;
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  child.kill("SIGTERM");
  const [code] = (await once(child, "exit")) as [number | null];
  assert.equal(code, 0);
}

describe("API objects in a running server", () => {
  test("made through the API, kept through a reload and a restart, exported as a file that loads", async () => {
    const hook = await startHttpServer((_q, res) => res.writeHead(204).end());
    const port = await closedPort();
    const base = `http://127.0.0.1:${port}`;
    const file = join(dir, "upbeat.yaml");
    writeFileSync(file, FILE);
    const args = ["--data", join(dir, "data"), "--config", file];
    const api = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { "content-type": "application/json" }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const text = await r.text();
      return { status: r.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
    };
    const status = async (id: string) => ((await api("GET", `/api/v1/monitors/${id}`)).json().monitor as { status: string }).status;
    let child: ChildProcess | undefined;
    try {
      child = await serve(port, args);
      assert.equal((await api("POST", "/api/v1/channels", { name: "ops", type: "webhook", url: `${hook.url}/in/${TOKEN}` })).status, 201);
      assert.equal((await api("POST", "/api/v1/routes", { name: "db", matchers: ["team=db"], channels: ["ops"] })).status, 201);
      const win = await api("POST", "/api/v1/maintenance", { name: "db work", matchers: ["team=db"], start: new Date(Date.now() - 1000).toISOString(), end: new Date(Date.now() + 3_600_000).toISOString() });
      assert.equal(win.status, 201, win.text);
      await waitFor("db-1 in maintenance", async () => (await status("db-1")) === "maintenance", 20_000, 50);
      assert.notEqual(await status("web-1"), "maintenance");
      assert.equal((await api("POST", "/api/v1/channels/ops/test")).status, 200);
      assert.equal(hook.requests.at(-1)?.url, `/in/${TOKEN}`);
      assert.ok(!(await api("GET", "/api/v1/channels")).text.includes(TOKEN), "the secret is never shown");

      // A file change reloads the file's objects and keeps the API's.
      writeFileSync(file, `${FILE.replace("channels:\n", 'channels:\n  - { name: file-2, type: webhook, url: "http://127.0.0.1:9/two" }\n')}`);
      await waitFor("the reloaded file's channel", async () => (await api("GET", "/api/v1/channels/file-2")).status === 200, 30_000, 100);
      assert.equal(((await api("GET", "/api/v1/channels/ops")).json().channel as { active: boolean }).active, true);
      assert.equal(await status("db-1"), "maintenance");

      await stop(child);
      child = await serve(port, args);
      const names = async (path: string, key: string) => ((await api("GET", path)).json()[key] as Array<{ name: string; source: string }>).map((x) => `${x.name}@${x.source}`);
      assert.deepEqual(await names("/api/v1/channels", "channels"), [`file-2@${file}`, `file-hook@${file}`, "ops@api"]);
      assert.deepEqual(await names("/api/v1/routes", "routes"), ["db@api"]);
      assert.deepEqual(await names("/api/v1/maintenance", "windows"), ["db work@api"]);
      assert.equal(await status("db-1"), "maintenance");
      const before = hook.requests.length;
      assert.equal((await api("POST", "/api/v1/channels/ops/test")).status, 200);
      assert.equal(hook.requests.length, before + 1);

      const exported = await api("GET", "/api/v1/config/export?secrets=include");
      assert.equal(exported.status, 200);
      const out = join(dir, "exported.yaml");
      writeFileSync(out, exported.text);
      const valid = await runCli(["validate", out]);
      assert.equal(valid.code, 0, valid.stdout + valid.stderr);
    } finally {
      await stop(child);
      await hook.close();
    }
    // The export alone runs the same monitors and objects (now all from the file).
    const port2 = await closedPort();
    let fromExport: ChildProcess | undefined;
    try {
      fromExport = await serve(port2, ["--data", join(dir, "data2"), "--config", join(dir, "exported.yaml")]);
      const r = await fetch(`http://127.0.0.1:${port2}/api/v1/channels`, { headers: { authorization: `Bearer ${KEY}` } });
      const list = ((await r.json()) as { channels: Array<{ name: string; readOnly: boolean }> }).channels;
      assert.deepEqual(list.map((c) => [c.name, c.readOnly]), [["file-2", true], ["file-hook", true], ["ops", true]]);
      const m = await fetch(`http://127.0.0.1:${port2}/api/v1/monitors`, { headers: { authorization: `Bearer ${KEY}` } });
      assert.deepEqual(((await m.json()) as { monitors: Array<{ id: string }> }).monitors.map((x) => x.id).sort(), ["db-1", "web-1"]);
    } finally {
      await stop(fromExport);
    }
  });
});
