/** Heartbeats through the real `upbeat serve` process: the README's curl and nc one-liners, and `upbeat import lovebeat`. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createSocket } from "node:dgram";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { promisify } from "node:util";
import { serializeLovebeatDb } from "../../src/heartbeats/lovebeat/db-file.ts";
import { apiFetch, runCli, startCli } from "../helpers/cli.ts";
import { closedPort } from "../helpers/http-server.ts";
import { waitFor } from "../helpers/wait.ts";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "upbeat-hb-e2e-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const README = new URL("../../README.md", import.meta.url);

/** Starts `upbeat serve` with the given extra arguments; returns its base URL, statsd port and a stop function. */
async function serve(data: string, extra: string[] = []): Promise<{ base: string; statsd: number; stop: () => Promise<void> }> {
  const [port, statsd] = [await closedPort(), await closedPort()];
  const child = startCli(["serve", "--listen", `127.0.0.1:${port}`, "--statsd", `127.0.0.1:${statsd}`, "--data", data, ...extra], { UPBEAT_LOG_LEVEL: "warn" });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d));
  child.stderr.on("data", (d: Buffer) => (output += d));
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`ready (${output})`, () => fetch(`${base}/readyz`).then((r) => r.ok, () => false), 20_000, 50);
  return {
    base,
    statsd,
    stop: async () => {
      child.kill("SIGTERM");
      const [code] = (await once(child, "exit")) as [number];
      assert.equal(code, 0, output);
    },
  };
}

test("the README's heartbeat one-liners work against a freshly started server", async () => {
  const server = await serve(join(dir, "fresh"));
  try {
    const block = /## Heartbeats[\s\S]*?```sh\n([\s\S]*?)```/.exec(readFileSync(README, "utf8"))?.[1];
    assert.ok(block, "the README has a Heartbeats section with a sh block");
    const log = join(dir, "backup.log");
    writeFileSync(log, "dumped 3 tables\n");
    const lines = block.split("\n").filter((l) => l.trim() && !l.startsWith("#"));
    assert.ok(lines.length >= 8);
    const outputs: string[] = [];
    for (const line of lines) {
      const cmd = line.replaceAll("127.0.0.1:8080", server.base.slice("http://".length)).replaceAll("127.0.0.1 8127", `127.0.0.1 ${server.statsd}`).replaceAll("/var/log/backup.log", log);
      const r = await run("bash", ["-c", cmd], { timeout: 10_000 }).catch((e: { code?: number; stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? "", stderr: `exit ${e.code}: ${e.stderr}` }));
      outputs.push(r.stdout);
      if (!line.includes("/3 ")) assert.ok(!r.stderr.startsWith("exit"), `${cmd}: ${r.stderr}`);
    }
    const service = async (name: string) => ((await (await fetch(`${server.base}/api/services/${name}`)).json()) as { service: { state: string; timeout: number; last_beat: number } }).service;
    await waitFor("the statsd lines arrived", async () => (await service("backup.nightly").catch(() => undefined))?.timeout === 60_000, 5000, 50);
    assert.ok((await service("backup.nightly")).last_beat > 0);
    assert.equal((await service("inv.mailer")).timeout, 3_600_000);
    assert.ok(outputs.some((o) => o === "num_ok 2\nnum_error 0\nhas_error false\ngood true\n"), `status text in ${JSON.stringify(outputs)}`);
    const detail = (await (await apiFetch(`${server.base}/api/v1/monitors/hb/db-backup`)).json()) as { monitor: { status: string; heartbeat: { slug: string }; recentPings: Array<{ kind: string; exitCode?: number; body?: string; durationMs?: number }> } };
    assert.equal(detail.monitor.status, "down", "exit code 3 is a failure");
    assert.deepEqual(detail.monitor.recentPings.map((p) => p.kind), ["fail", "success", "start"]);
    assert.equal(detail.monitor.recentPings[0]?.exitCode, 3);
    assert.equal(detail.monitor.recentPings[1]?.body, "dumped 3 tables");
    assert.ok((detail.monitor.recentPings[1]?.durationMs ?? -1) >= 0, "the run's duration is shown with its finish");
  } finally {
    await server.stop();
  }
});

test("a real server drops a service's repeated beats within a second in the statsd worker, and keeps the first", async () => {
  const server = await serve(join(dir, "coalesce"));
  try {
    const sock = createSocket("udp4");
    const lines = Array.from({ length: 20 }, () => "burst.svc.beat:1|c").join("\n");
    await new Promise<void>((resolve, reject) => sock.send(lines, server.statsd, "127.0.0.1", (e) => (e ? reject(e) : resolve())));
    sock.close();
    const statsd = async () => ((await (await fetch(`${server.base}/readyz`)).json()) as { statsd: { lines: number; coalesced: number } }).statsd;
    await waitFor("the datagram was read", async () => (await statsd()).lines === 20, 5000, 50);
    await waitFor("19 beats coalesced", async () => (await statsd()).coalesced === 19, 5000, 50);
    const svc = (await (await fetch(`${server.base}/api/services/burst.svc`)).json()) as { service: { last_beat: number } };
    assert.ok(svc.service.last_beat > 0, "the first beat reached the service");
  } finally {
    await server.stop();
  }
});

test("upbeat import lovebeat takes a Lovebeat database into the store; serve carries on with it", async () => {
  const data = join(dir, "imported");
  const now = Date.now();
  const dbFile = join(dir, "lovebeat.db");
  writeFileSync(
    dbFile,
    serializeLovebeatDb({
      services: [
        { name: "app.alpha.web", last_beat: now - 5000, beat_history: [60000, 60000], timeout: 3_600_000, state: "ok", muted_since: 0, last_state_change: now - 86_400_000 },
        { name: "app.alpha.db", last_beat: now - 7_200_000, timeout: 60_000, state: "error", muted_since: 0, last_state_change: now - 7_000_000 },
        { name: "app.beta.web", last_beat: now - 10_000, timeout: -2, state: "muted", muted_since: now - 1000, last_state_change: now - 1000 },
      ],
      alarms: [{ name: "server-alpha", state: "error", incident_nbr: 4, failed_services: null, last_state_change: now - 7_000_000 }],
    }),
  );
  const r = await runCli(["import", "lovebeat", dbFile, "--data", data]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /imported 3 services and 1 alarms from .*lovebeat\.db/);
  const again = await runCli(["import", "lovebeat", dbFile, "--data", data]);
  assert.match(again.stdout, /imported 0 services and 0 alarms .*4 already in Upbeat were left as they are/);
  const bad = await runCli(["import", "lovebeat", join(dir, "missing.db"), "--data", data]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /cannot read .*missing\.db/);

  const cfg = join(dir, "lovebeat.cfg");
  writeFileSync(cfg, `[database]\nfilename = "${join(dir, "written.db")}"\n[[alarms]]\nname = "server-$name"\npattern = "app.$name.*"\n`);
  const server = await serve(data, ["--lovebeat-config", cfg]);
  try {
    const get = async (path: string) => (await (await fetch(server.base + path)).json()) as Record<string, Record<string, unknown>>;
    assert.deepEqual([(await get("/api/services/app.alpha.web")).service?.state, (await get("/api/services/app.alpha.web")).service?.timeout], ["ok", 3_600_000]);
    assert.equal((await get("/api/services/app.alpha.db")).service?.state, "error");
    assert.equal((await get("/api/services/app.beta.web")).service?.state, "muted");
    const alarm = (await get("/api/alarms/server-alpha")).alarm;
    assert.deepEqual([alarm?.state, alarm?.incident_nbr, alarm?.failed_services], ["error", 4, ["app.alpha.db"]], "the incident number carries on");
    await fetch(`${server.base}/api/services/app.alpha.db`, { method: "POST" });
    const after1 = (await get("/api/alarms/server-alpha")).alarm;
    assert.deepEqual([after1?.state, after1?.incident_nbr], ["ok", 4]);
  } finally {
    await server.stop();
  }
});
