/** `upbeat notify test` as a real process against local receivers, and the channel routes of `upbeat serve`. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { apiFetch, runCli, startCli } from "../helpers/cli.ts";
import { closedPort, startHttpServer, type TestServer } from "../helpers/http-server.ts";
import { waitFor } from "../helpers/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "upbeat-notify-"));
const SECRET_PATH = "/hooks/T0SECRET77/xoxSecretHookToken123";
after(() => rmSync(dir, { recursive: true, force: true }));

describe("upbeat notify test", () => {
  let hook: TestServer;
  let file = "";
  let deadPort = 0;
  before(async () => {
    hook = await startHttpServer((_q, res) => res.writeHead(200).end("ok"));
    deadPort = await closedPort();
    file = join(dir, "channels.yaml");
    writeFileSync(
      file,
      `channels:
  - { name: hook, type: webhook, url: "${hook.url}/upbeat" }
  - { name: dead, type: webhook, url: "http://127.0.0.1:${deadPort}${SECRET_PATH}" }
`,
    );
  });
  after(async () => hook.close());

  test("a working channel: exit 0, the receiver got exactly the test message", async () => {
    const started = Date.now();
    const r = await runCli(["notify", "test", "hook", "-c", file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^✔ hook \(webhook\) delivered in \d+ ms\n$/);
    assert.equal(hook.requests.length, 1);
    const req = hook.requests[0];
    assert.ok(req);
    assert.deepEqual([req.method, req.url, req.headers["content-type"]], ["POST", "/upbeat", "application/json"]);
    const body = JSON.parse(req.body) as { at: string };
    const at = Date.parse(body.at);
    assert.ok(at >= started && at <= Date.now(), body.at);
    assert.deepEqual(body, {
      kind: "test",
      severity: "info",
      title: 'Test message from Upbeat to channel "hook"',
      text: `This is a test message from Upbeat, sent at ${new Date(at).toISOString()} to check that the channel "hook" works. Nothing is down.`,
      at: new Date(at).toISOString(),
      dedupKey: `test:hook:${at}`,
      idempotencyKey: `test:hook:${at}`,
      monitors: [],
    });
    assert.equal(req.headers["idempotency-key"], `test:hook:${at}`);
  });

  test("a channel that cannot be reached: exit 1 with the reason, never its URL's path", async () => {
    const r = await runCli(["notify", "test", "dead", "-c", file]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, new RegExp(`^✘ dead \\(webhook\\) failed after \\d+ ms: request failed: connect ECONNREFUSED 127\\.0\\.0\\.1:${deadPort} \\(would be retried\\)\\n$`));
    for (const s of [SECRET_PATH, "xoxSecretHookToken123", "T0SECRET77"]) assert.ok(!`${r.stdout}${r.stderr}`.includes(s), `${s} shown`);
  });

  test("--all tests every channel (config from UPBEAT_CONFIG) and exits 1 when one fails; --json for machines", async () => {
    const before = hook.requests.length;
    const r = await runCli(["notify", "test", "--all", "--json"], { UPBEAT_CONFIG: file });
    assert.equal(r.code, 1, r.stderr);
    const outcomes = JSON.parse(r.stdout) as Array<{ channel: string; type: string; delivered: boolean; error?: string }>;
    assert.deepEqual(outcomes.map((o) => [o.channel, o.type, o.delivered]), [["dead", "webhook", false], ["hook", "webhook", true]]);
    assert.equal(hook.requests.length, before + 1);
  });

  test("bad input exits 2: an unknown channel (the known ones listed), no channel named, a configuration problem", async () => {
    const unknown = await runCli(["notify", "test", "hok", "-c", file]);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr, 'upbeat notify test: no channel named "hok"; known channels: dead, hook\n');
    const none = await runCli(["notify", "test", "-c", file]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /name a channel, or use --all/);
    const broken = join(dir, "broken.yaml");
    writeFileSync(broken, `channels:\n  - { name: x, type: slak, url: "http://127.0.0.1:1/" }\n`);
    const bad = await runCli(["notify", "test", "x", "-c", broken]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /broken\.yaml.*channels\[0\]\.type: unknown channel type "slak"/);
    assert.equal(bad.stdout, "");
  });

  test("a Lovebeat [alerts.*] channel is tested by its name (lovebeat-<id>-webhook)", async () => {
    const cfg = join(dir, "lovebeat.cfg");
    writeFileSync(cfg, `[alerts.ops]\nwebhook = "${hook.url}/lovebeat"\n`);
    const r = await runCli(["notify", "test", "lovebeat-ops-webhook", "--lovebeat-config", cfg]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(hook.requests.at(-1)?.url, "/lovebeat");
    assert.equal((JSON.parse(hook.requests.at(-1)?.body ?? "{}") as { kind?: string }).kind, "test");
  });
});

describe("upbeat serve: channel routes", () => {
  test("GET /api/v1/channels hides the webhook URL; POST /api/v1/channels/:name/test sends now", async (t) => {
    const hook = await startHttpServer((_q, res) => res.writeHead(200).end());
    t.after(() => hook.close());
    const port = await closedPort();
    const base = `http://127.0.0.1:${port}`;
    const file = join(dir, "serve.yaml");
    writeFileSync(file, `channels:\n  - { name: ops, type: slack, url: "${hook.url}${SECRET_PATH}" }\n`);
    const child = startCli(["serve", "--listen", `127.0.0.1:${port}`, "--data", join(dir, "data"), "--config", file], { UPBEAT_LOG_LEVEL: "info" });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d));
    child.stderr.on("data", (d: Buffer) => (output += d));
    try {
      await waitFor("ready", () => fetch(`${base}/readyz`).then((r) => r.ok, () => false), 15_000, 100);
      const list = await apiFetch(`${base}/api/v1/channels`);
      const text = await list.text();
      assert.ok(!text.includes("xoxSecretHookToken123"), text);
      assert.deepEqual(JSON.parse(text), { channels: [{ name: "ops", type: "slack", settings: { url: "********" }, source: file, readOnly: true, active: true, spec: { name: "ops", type: "slack", url: "********" } }] });
      const sent = await apiFetch(`${base}/api/v1/channels/ops/test`, { method: "POST" });
      assert.equal(sent.status, 200);
      assert.equal(((await sent.json()) as { delivered: boolean }).delivered, true);
      assert.equal(hook.requests.length, 1);
      assert.equal(hook.requests[0]?.url, SECRET_PATH);
      assert.match(hook.requests[0]?.body ?? "", /Test message from Upbeat to channel \\"ops\\"/);
      const dead = await apiFetch(`${base}/api/v1/deliveries?status=dead`);
      assert.deepEqual(await dead.json(), { deliveries: [] });
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
    assert.match(output, /test notification sent/);
    assert.ok(!output.includes("xoxSecretHookToken123"), output);
  });
});
