import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { runCli, startCli } from "../helpers/cli.ts";
import { closedPort, type SeenRequest, startHttpServer, type TestServer } from "../helpers/http-server.ts";
import { waitFor } from "../helpers/wait.ts";

const UUID = "5bf66975-d4c7-4bf5-bcc8-b8d8a82ea278";
const RID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const KEY = "Qk7hX2pL9sVb3mN8cR1tYw";
const NODE = process.execPath;
const NO_ENV = { UPBEAT_URL: "", UPBEAT_PING_KEY: "" };

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const answerOk: Handler = (_q, res) => void res.writeHead(200, { "content-type": "text/plain" }).end("OK");

/** Runs `fn` against a fresh recording server. */
async function withServer(handler: Handler, fn: (s: TestServer) => Promise<void>): Promise<void> {
  const server = await startHttpServer(handler);
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

/** `upbeat run --url <server> <args…>` with an environment that sets neither URL nor key. */
const run = (url: string, args: string[], env: Record<string, string> = {}) => runCli(["run", "--url", url, ...args], { ...NO_ENV, ...env });
const rid = (r: SeenRequest | undefined) => new URL(r?.url ?? "", "http://x").searchParams.get("rid");

describe("upbeat run", () => {
  test("success: start then /0, POST, same rid, the output streamed through and sent", async () => {
    await withServer(answerOk, async (s) => {
      const r = await run(s.url, [UUID, "--", NODE, "-e", "console.log('hello from the job'); console.error('a warning')"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "hello from the job\n");
      assert.equal(r.stderr, "a warning\n");
      const [start, finish, ...more] = s.requests;
      assert.equal(more.length, 0);
      assert.match(start?.url ?? "", new RegExp(`^/ping/${UUID}/start\\?rid=${RID}$`));
      assert.match(finish?.url ?? "", new RegExp(`^/ping/${UUID}/0\\?rid=${RID}$`));
      assert.equal(rid(start), rid(finish));
      assert.deepEqual([start?.method, finish?.method], ["POST", "POST"]);
      assert.equal(finish?.headers["content-type"], "text/plain; charset=utf-8");
      assert.equal(start?.body, "");
      assert.match(finish?.body ?? "", /hello from the job\n/);
      assert.match(finish?.body ?? "", /a warning\n/);
    });
  });

  test("exit code 3 is reported as /3 and returned", async () => {
    await withServer(answerOk, async (s) => {
      const r = await run(s.url, [UUID, "--", NODE, "-e", "console.log('partial'); process.exit(3)"]);
      assert.equal(r.code, 3, r.stderr);
      assert.match(s.requests[1]?.url ?? "", new RegExp(`^/ping/${UUID}/3\\?rid=${RID}$`));
      assert.equal(s.requests[1]?.body, "partial\n");
    });
  });

  test("50 KB of output: all of it on the terminal, exactly the last 10,240 bytes in the ping", async () => {
    const gen = "Array.from({ length: 5120 }, (_, i) => String(i).padStart(9, '0') + '\\n').join('')";
    const all = Array.from({ length: 5120 }, (_, i) => `${String(i).padStart(9, "0")}\n`).join(""); // what `gen` makes
    await withServer(answerOk, async (s) => {
      const r = await run(s.url, [UUID, "--", NODE, "-e", `process.stdout.write(${gen})`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.length, 51_200);
      assert.equal(r.stdout, all);
      assert.equal(s.requests[1]?.body, all.slice(-10_240));
    });
  });

  test("a slug with the ping key from UPBEAT_PING_KEY and --create", async () => {
    await withServer(answerOk, async (s) => {
      const r = await run(s.url, ["--create", "nightly-backup", "--", NODE, "-e", "0"], { UPBEAT_PING_KEY: KEY });
      assert.equal(r.code, 0, r.stderr);
      assert.match(s.requests[0]?.url ?? "", new RegExp(`^/ping/${KEY}/nightly-backup/start\\?create=1&rid=${RID}$`));
      assert.match(s.requests[1]?.url ?? "", new RegExp(`^/ping/${KEY}/nightly-backup/0\\?create=1&rid=${RID}$`));
    });
  });

  test("--no-start sends only the finish, without a run id", async () => {
    await withServer(answerOk, async (s) => {
      const r = await run(s.url, ["--no-start", UUID, "--", NODE, "-e", "0"]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(s.requests.map((q) => q.url), [`/ping/${UUID}/0`]);
    });
  });

  test("a command that does not exist: /fail with the reason, exit 127", async () => {
    await withServer(answerOk, async (s) => {
      const r = await run(s.url, [UUID, "--", "upbeat-no-such-command-here", "x"]);
      assert.equal(r.code, 127);
      assert.match(r.stderr, /upbeat run: cannot start upbeat-no-such-command-here: command not found/);
      assert.match(s.requests[1]?.url ?? "", new RegExp(`^/ping/${UUID}/fail\\?rid=${RID}$`));
      assert.match(s.requests[1]?.body ?? "", /command not found \(spawn upbeat-no-such-command-here ENOENT\)/);
    });
  });

  test("killed by a signal: /fail naming it, exit 128+n", async () => {
    await withServer(answerOk, async (s) => {
      const r = await run(s.url, [UUID, "--", NODE, "-e", "console.log('before'); process.kill(process.pid, 'SIGKILL')"]);
      assert.equal(r.code, 137);
      assert.match(s.requests[1]?.url ?? "", new RegExp(`^/ping/${UUID}/fail\\?rid=${RID}$`));
      assert.equal(s.requests[1]?.body, "killed by signal SIGKILL\nbefore\n");
    });
  });

  test("SIGTERM to upbeat run is forwarded to the command; its exit code is reported and kept", async () => {
    await withServer(answerOk, async (s) => {
      const job = "process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(5) }); console.log('ready'); setInterval(() => {}, 1000)";
      const child = startCli(["run", "--url", s.url, UUID, "--", NODE, "-e", job], NO_ENV);
      try {
        let stdout = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d));
        await waitFor("the job to start", () => stdout.includes("ready"), 15_000);
        const exited = once(child, "exit");
        child.kill("SIGTERM");
        const [code] = (await exited) as [number];
        assert.equal(code, 5);
        assert.match(s.requests[1]?.url ?? "", new RegExp(`^/ping/${UUID}/5\\?rid=${RID}$`));
        assert.equal(s.requests[1]?.body, "ready\ngot SIGTERM\n");
      } finally {
        child.kill("SIGKILL");
      }
    });
  });

  test("stdin is passed to the command", async () => {
    await withServer(answerOk, async (s) => {
      const main = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
      const args = ["--import", "tsx", main, "run", "--url", s.url, UUID, "--", NODE, "-e", "process.stdin.pipe(process.stdout)"];
      const child = spawn(NODE, args, { env: { ...process.env, ...NO_ENV }, stdio: ["pipe", "pipe", "inherit"] });
      let stdout = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d));
      child.stdin.end("from stdin\n");
      const [code] = (await once(child, "exit")) as [number];
      assert.equal(code, 0);
      assert.equal(stdout, "from stdin\n");
      assert.equal(s.requests[1]?.body, "from stdin\n");
    });
  });

  test("server down: the command runs, its exit code is kept, a warning names the URL with the key masked", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await runCli(["run", "--url", url, "--ping-key", KEY, "backup", "--", NODE, "-e", "console.log('ran'); process.exit(7)"], NO_ENV);
    assert.equal(r.code, 7);
    assert.equal(r.stdout, "ran\n");
    const warnings = r.stderr.trim().split("\n");
    assert.equal(warnings.length, 2, r.stderr);
    assert.match(warnings[0] ?? "", new RegExp(`^upbeat run: could not report to ${url}/ping/Qk7…/backup/start\\?rid=${RID}: .*ECONNREFUSED.* \\(3 attempts\\)$`));
    assert.match(warnings[1] ?? "", /could not report to .*\/ping\/Qk7…\/backup\/7\?rid=/);
    assert.ok(!r.stderr.includes(KEY));
  });

  test("a 500 is retried (2 retries by default) and then given up, a 404 is not retried", async () => {
    await withServer((_q, res) => void res.writeHead(500).end("database is locked"), async (s) => {
      const r = await run(s.url, [UUID, "--", NODE, "-e", "process.exit(4)"]);
      assert.equal(r.code, 4);
      assert.deepEqual(s.requests.map((q) => new URL(q.url, "http://x").pathname.split("/").pop()), ["start", "start", "start", "4", "4", "4"]);
      assert.match(r.stderr, /\/start\?rid=\S+: HTTP 500 \(database is locked\) \(3 attempts\)\n/);
    });
    await withServer((_q, res) => void res.writeHead(404).end("not found"), async (s) => {
      const r = await run(s.url, [UUID, "--", NODE, "-e", "0"]);
      assert.equal(r.code, 0);
      assert.equal(s.requests.length, 2);
      assert.match(r.stderr, /\/0\?rid=\S+: HTTP 404 \(not found\)\n/);
    });
  });

  test("--timeout bounds each ping request", async () => {
    await withServer(() => undefined, async (s) => {
      const r = await run(s.url, ["--timeout", "200ms", "--retries", "0", UUID, "--", NODE, "-e", "process.exit(6)"]);
      assert.equal(r.code, 6);
      assert.match(r.stderr, /\/start\?rid=\S+: no answer within 200 ms\n/);
      assert.equal(s.requests.length, 2); // received, never answered
    });
  });

  test("bad usage: no --, no command, a slug without a ping key, a bad URL → exit 2, nothing run or sent", async () => {
    await withServer(answerOk, async (s) => {
      const marker = "console.log('should not run')";
      const cases: [string[], RegExp][] = [
        [["run", "--url", s.url, UUID, NODE], /put -- between the check and the command/],
        [["run", "--url", s.url, UUID, "--"], /no command after --/],
        [["run", "--url", s.url, "backup", "--", NODE, "-e", marker], /a slug \("backup"\) needs a ping key/],
        [["run", "--url", "localhost:8080", UUID, "--", NODE, "-e", marker], /--url: expected http/],
        [["run", "--url", s.url, "--retries", "many", UUID, "--", NODE, "-e", marker], /--retries/],
      ];
      for (const [args, message] of cases) {
        const r = await runCli(args, NO_ENV);
        assert.equal(r.code, 2, args.join(" "));
        assert.match(r.stderr, message);
        assert.equal(r.stdout, "");
      }
      assert.equal(s.requests.length, 0);
    });
  });
});
