/** `upbeat serve` as a real process: monitors flipping, incidents in the API, reloads, shutdown. */
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { apiFetch, runCli, startCli } from "../helpers/cli.ts";
import { closedPort, startHttpServer } from "../helpers/http-server.ts";
import { waitFor } from "../helpers/wait.ts";

interface ApiIncident {
  monitorId: string;
  number: number;
  open: boolean;
  durationSec?: number;
}

const dir = mkdtempSync(join(tmpdir(), "upbeat-serve-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function getJson<T>(url: string): Promise<T> {
  const r = await apiFetch(url);
  return (await r.json()) as T;
}

describe("upbeat serve", () => {
  test("20 monitors against flipping servers: incidents open and resolve, the API shows them, reloads apply, SIGTERM exits 0", async () => {
    let flipStatus = 200;
    const target = await startHttpServer((req, res) => {
      if (req.url?.startsWith("/flip")) res.writeHead(flipStatus).end(flipStatus === 200 ? "ok" : "broken");
      else res.writeHead(200).end("steady");
    });
    const port = await closedPort();
    const base = `http://127.0.0.1:${port}`;
    const file = join(dir, "upbeat.yaml");
    const monitors = (n: number, extra = "") =>
      Array.from({ length: n }, (_, i) => `      - { name: flip-${i}, url: "${target.url}/flip/${i}" }\n      - { name: steady-${i}, url: "${target.url}/steady/${i}" }\n`).join("") + extra;
    const yaml = (body: string) => `defaults: { interval: 1s, timeout: 2s }\ngroups:\n  - name: shop\n    monitors:\n${body}`;
    writeFileSync(file, yaml(monitors(10)));
    const child = startCli(["serve", "--listen", `127.0.0.1:${port}`, "--data", join(dir, "data"), "--config", file], { UPBEAT_LOG_LEVEL: "warn" });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d));
    child.stderr.on("data", (d: Buffer) => (output += d));
    try {
      await waitFor("ready", () => fetch(`${base}/readyz`).then((r) => r.ok, () => false), 15_000, 100);
      await waitFor("all 20 up", async () => (await getJson<{ monitors: Array<{ status: string }> }>(`${base}/api/v1/monitors`)).monitors.filter((m) => m.status === "up").length === 20, 10_000, 100);
      for (let round = 1; round <= 2; round++) {
        flipStatus = 503;
        await waitFor(`round ${round}: 10 open incidents`, async () => (await getJson<{ incidents: ApiIncident[] }>(`${base}/api/v1/incidents?open=true`)).incidents.length === 10, 10_000, 100);
        const down = await getJson<{ total: number; monitors: Array<{ id: string; incident: { number: number } }> }>(`${base}/api/v1/monitors?status=down`);
        assert.equal(down.total, 10);
        assert.ok(down.monitors.every((m) => m.id.startsWith("shop/flip-") && m.incident.number === round));
        flipStatus = 200;
        await waitFor(`round ${round}: all resolved`, async () => (await getJson<{ incidents: ApiIncident[] }>(`${base}/api/v1/incidents?open=true`)).incidents.length === 0, 10_000, 100);
      }
      const all = await getJson<{ incidents: ApiIncident[] }>(`${base}/api/v1/incidents?limit=100`);
      assert.equal(all.incidents.length, 20, "two incidents for each flipping monitor, none for the steady ones");
      assert.ok(all.incidents.every((i) => i.monitorId.startsWith("shop/flip-") && !i.open && (i.durationSec ?? 0) > 0));
      type One = { monitor: { status: string; uptime: { "24h": { checks: number; failures: number; uptimePct: number } }; recentResults: unknown[] } };
      // Uptime comes from the rollups, which follow the results within 2 s (README, Storage).
      const one = await waitFor(
        "flip-3's uptime counts its failures",
        async () => {
          const got = await getJson<One>(`${base}/api/v1/monitors/shop/flip-3`);
          const u = got.monitor.uptime["24h"];
          return u.checks >= 3 && u.failures >= 2 && u.uptimePct < 100 ? got : undefined;
        },
        5000,
        100,
      );
      assert.equal(one.monitor.status, "up");
      assert.ok(one.monitor.recentResults.length >= 3);
      const missing = await apiFetch(`${base}/api/v1/monitors/nope`);
      assert.equal(missing.status, 404);
      assert.deepEqual(await missing.json(), { code: "UPBEAT_MONITOR_NOT_FOUND", message: 'no monitor "nope"', statusCode: 404 });
      const bad = await apiFetch(`${base}/api/v1/incidents?limit=abc`);
      assert.equal(bad.status, 400);
      assert.equal(((await bad.json()) as { code: string }).code, "UPBEAT_BAD_REQUEST");

      // SIGHUP with an edited file: 5 pairs fewer and one new monitor.
      writeFileSync(file, yaml(monitors(5, `      - { name: added, url: "${target.url}/steady/new" }\n`)));
      child.kill("SIGHUP");
      await waitFor("reload applied", async () => (await getJson<{ total: number }>(`${base}/api/v1/monitors`)).total === 11, 10_000, 100);
      // A broken file is refused and the running configuration kept.
      writeFileSync(file, yaml("      - { name: broken, url: 42 }\n"));
      child.kill("SIGHUP");
      await waitFor("refusal logged", () => /configuration refused/.test(output), 10_000, 50);
      assert.equal((await getJson<{ total: number }>(`${base}/api/v1/monitors`)).total, 11);
      // A change to the file alone (no signal) is picked up too.
      writeFileSync(file, yaml(monitors(2)));
      await waitFor("file change applied", async () => (await getJson<{ total: number }>(`${base}/api/v1/monitors`)).total === 4, 10_000, 100);

      const t0 = performance.now();
      child.kill("SIGTERM");
      const [code] = (await once(child, "exit")) as [number];
      assert.equal(code, 0, output);
      assert.ok(performance.now() - t0 < 2000, `stopped in ${Math.round(performance.now() - t0)} ms`);
    } finally {
      child.kill("SIGKILL");
      await target.close();
    }
  });

  test("--concurrency caps the checks in flight (over UPBEAT_CONCURRENCY); a bad value exits 2 naming it", async () => {
    let inFlight = 0;
    let most = 0;
    let answered = 0;
    const target = await startHttpServer((_req, res) => {
      inFlight++;
      most = Math.max(most, inFlight);
      setTimeout(() => {
        inFlight--;
        answered++;
        res.end("ok");
      }, 150);
    });
    const port = await closedPort();
    const file = join(dir, "concurrency.yaml");
    // 12 monitors due together every second, each answered in 150 ms: 3 slots take 4 rounds.
    writeFileSync(file, `defaults: { interval: 1s, timeout: 5s }\nmonitors:\n${Array.from({ length: 12 }, (_, i) => `  - { name: slow-${i}, url: "${target.url}/slow/${i}" }\n`).join("")}`);
    const child = startCli(["serve", "--listen", `127.0.0.1:${port}`, "--data", join(dir, "concurrency"), "--config", file, "--concurrency", "3"], { UPBEAT_CONCURRENCY: "50" });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d));
    child.stderr.on("data", (d: Buffer) => (output += d));
    try {
      await waitFor("36 checks answered", () => answered >= 36, 15_000, 50);
      assert.equal(most, 3, "at most 3 checks in flight, and the cap reached");
      assert.match(output, /"concurrency":3[,}]/);
    } finally {
      child.kill("SIGKILL");
      await target.close();
    }
    const badEnv = await runCli(["serve", "--listen", "127.0.0.1:0", "--data", join(dir, "bad")], { UPBEAT_CONCURRENCY: "lots" });
    assert.equal(badEnv.code, 2);
    assert.match(badEnv.stderr, /UPBEAT_CONCURRENCY="lots": expected a whole number/);
    const zero = await runCli(["serve", "--listen", "127.0.0.1:0", "--data", join(dir, "bad"), "--concurrency", "0"]);
    assert.equal(zero.code, 2);
    assert.match(zero.stderr, /--concurrency <n>.*at least 1/);
  });

  test("--probe-threads (over UPBEAT_PROBE_THREADS) sets the threads that run checks, 0 the main thread; a bad value exits 2 naming it", async () => {
    const seen: string[] = [];
    const target = await startHttpServer((req, res) => {
      seen.push(req.url ?? "");
      res.end("ok");
    });
    const file = join(dir, "threads.yaml");
    writeFileSync(file, `defaults: { interval: 1s }\nmonitors:\n  - { name: web, url: "${target.url}/threads" }\n`);
    try {
      for (const [args, env, threads] of [[["--probe-threads", "2"], { UPBEAT_PROBE_THREADS: "0" }, 2], [[], { UPBEAT_PROBE_THREADS: "0" }, 0]] as const) {
        const port = await closedPort();
        seen.length = 0;
        const child = startCli(["serve", "--listen", `127.0.0.1:${port}`, "--data", join(dir, `threads-${String(threads)}`), "--config", file, ...args], env);
        let output = "";
        child.stdout.on("data", (d: Buffer) => (output += d));
        child.stderr.on("data", (d: Buffer) => (output += d));
        try {
          await waitFor("two checks of web", () => seen.length >= 2, 10_000, 50);
          await waitFor("web up through the API", async () => (await getJson<{ monitor?: { status: string } }>(`http://127.0.0.1:${port}/api/v1/monitors/web`)).monitor?.status === "up", 5000, 50);
          assert.match(output, new RegExp(`"probeThreads":${String(threads)}[,}]`));
          child.kill("SIGTERM");
          const [code] = (await once(child, "exit")) as [number];
          assert.equal(code, 0, output);
        } finally {
          child.kill("SIGKILL");
        }
      }
    } finally {
      await target.close();
    }
    const bad = await runCli(["serve", "--listen", "127.0.0.1:0", "--data", join(dir, "bad")], { UPBEAT_PROBE_THREADS: "two" });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /UPBEAT_PROBE_THREADS="two": expected a whole number/);
  });
});
