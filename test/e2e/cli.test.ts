import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { makeTestPki } from "../helpers/certs.ts";
import { runCli, startCli } from "../helpers/cli.ts";
import { closedPort, startHttpServer, type TestServer } from "../helpers/http-server.ts";

const dir = mkdtempSync(join(tmpdir(), "upbeat-cli-"));
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

describe("upbeat check", () => {
  const pki = makeTestPki();
  const caFile = join(dir, "ca.pem");
  let web: TestServer;
  let secure: TestServer;
  let redis: net.Server;
  let redisPort = 0;
  before(async () => {
    writeFileSync(caFile, pki.ca.cert);
    web = await startHttpServer((req, res) => void res.writeHead(req.url?.startsWith("/down") ? 503 : 200).end("ok"));
    secure = await startHttpServer((_q, res) => res.end("secure"), { cert: pki.valid.cert, key: pki.valid.key });
    redis = net.createServer((s) => s.end()).listen(0, "127.0.0.1");
    await once(redis, "listening");
    redisPort = (redis.address() as net.AddressInfo).port;
  });
  after(async () => {
    await web.close();
    await secure.close();
    redis.close();
  });

  test("an HTTPS URL against a local server prints status, timings and certificate days; exit 0", async () => {
    const r = await runCli(["check", `${secure.url}/`, "--ca", caFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /✔ UP\s+https:\/\/127\.0\.0\.1:\d+\/ 200/);
    assert.match(r.stdout, /timings\s+connect [\d.]+ ms · tls [\d.]+ ms · ttfb [\d.]+ ms · transfer [\d.]+ ms · total [\d.]+ ms/);
    assert.match(r.stdout, /cert\s+localhost · issuer Upbeat Test CA · expires \d{4}-\d\d-\d\d \(\d+ days left\)/);
    assert.match(r.stdout, /✔ status: expected 2xx, got 200/);
  });

  test("a failing target exits 1 and says why", async () => {
    const r = await runCli(["check", `${web.url}/down`, `${web.url}/`]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /✘ DOWN\s+http:\/\/127\.0\.0\.1:\d+\/down 503/);
    assert.match(r.stdout, /1 of 2 passed/);
  });

  test("--json prints the results for machines", async () => {
    const r = await runCli(["check", "--json", `${web.url}/`, `tcp://127.0.0.1:${await closedPort()}`]);
    assert.equal(r.code, 1);
    const results = JSON.parse(r.stdout) as { health: string; kind: string; failure?: string; timings: { totalMs: number } }[];
    assert.deepEqual(results.map((x) => [x.kind, x.health]), [["http", "up"], ["tcp", "down"]]);
    assert.equal(results[1]?.failure, "refused");
    assert.equal(typeof results[0]?.timings.totalMs, "number");
  });

  test("bad input exits 2: an unreadable file, an unknown option", async () => {
    const missing = await runCli(["check", join(dir, "nope.yaml")]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.yaml cannot read the file/);
    assert.equal((await runCli(["check", "--bogus", `${web.url}/`])).code, 2);
  });

  test("the Cupcake README example, pointed at local servers, loads and checks", async () => {
    const text = readFileSync(fixture("cupcake-endpoints.json"), "utf8")
      .replace("https://www.example.com/index.html", `${web.url}/index.html`)
      .replace("tcp://redis.internal:6379", `tcp://127.0.0.1:${redisPort}`);
    const file = join(dir, "endpoints.json");
    writeFileSync(file, text);
    const before = web.requests.length;
    const r = await runCli(["check", file]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /UP\s+customer-abc\/production\/external\/website/);
    assert.match(r.stdout, /UP\s+customer-abc\/production\/internal\/redis/);
    const seen = web.requests.slice(before)[0];
    assert.match(seen?.url ?? "", /^\/index\.html\?cupcake_trace_id=[0-9a-f-]{36}&cupcake_attempt=1$/);
    assert.equal(seen?.headers["user-agent"], "cupcake/1.0.0");
  });
});

describe("upbeat validate", () => {
  test("a Cupcake file with five mistakes: all five, with lines, exit 2", async () => {
    const r = await runCli(["validate", fixture("cupcake-five-mistakes.json")]);
    assert.equal(r.code, 2);
    const errorLines = r.stderr.split("\n").filter((l) => /cupcake-five-mistakes\.json:\d+:\d+ (?!warning)/.test(l));
    assert.equal(errorLines.length, 5, r.stderr);
    assert.match(r.stderr, /:15:\d+ groups\[0\]\.environments\[0\]\.endpoint-groups\[0\]\.enabled: enabled must be/);
    assert.match(r.stderr, /warning: .*unknown key "expect"; did you mean "expected"\?/);
  });

  test("a valid file: exit 0 and a count", async () => {
    const r = await runCli(["validate", fixture("cupcake-endpoints.json")]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /ok: 2 monitor\(s\) in 1 file\(s\)/);
  });
});

describe("upbeat serve", () => {
  test("with no config answers /healthz, and stops on SIGTERM with exit 0 in under 2 s", async () => {
    const port = await closedPort();
    const child = startCli(["serve", "--listen", `127.0.0.1:${port}`, "--data", dir]);
    try {
      let body = "";
      for (let i = 0; i < 100 && !body; i++) {
        await new Promise((r) => setTimeout(r, 100));
        body = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.text(), () => "");
      }
      assert.deepEqual(JSON.parse(body), { status: "ok", monitors: 0 });
      const t0 = performance.now();
      child.kill("SIGTERM");
      const [code] = (await once(child, "exit")) as [number];
      assert.equal(code, 0);
      assert.ok(performance.now() - t0 < 2000);
    } finally {
      child.kill("SIGKILL");
    }
  });

  test("a bad config refuses to start: exit 2 with the problems", async () => {
    const r = await runCli(["serve", "--listen", "127.0.0.1:0", "--config", fixture("cupcake-five-mistakes.json")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /enabled must be/);
  });
});
