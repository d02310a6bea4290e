/** Users and access in a real `upbeat serve`: the first start's password, login, a key made in the browser session, a restart. */
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startCli } from "../helpers/cli.ts";
import { closedPort } from "../helpers/http-server.ts";
import { waitFor } from "../helpers/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "upbeat-auth-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Starts serve without the tests' admin password or key; returns its base URL, output and a stop function. */
async function serve(): Promise<{ base: string; stdout: () => string; stderr: () => string; stop: () => Promise<number | null> }> {
  const port = await closedPort();
  const base = `http://127.0.0.1:${port}`;
  const child = startCli(["serve", "--listen", `127.0.0.1:${port}`, "--statsd", "off", "--data", join(dir, "data")], { UPBEAT_LOG_LEVEL: "info", UPBEAT_ADMIN_PASSWORD: "", UPBEAT_ADMIN_API_KEY: "" });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d));
  child.stderr.on("data", (d: Buffer) => (err += d));
  try {
    await waitFor("ready", () => fetch(`${base}/readyz`).then((r) => r.ok, () => false), 30_000, 50);
  } catch (e) {
    child.kill("SIGKILL");
    throw new Error(`${String(e)}\n${out}\n${err}`);
  }
  return {
    base,
    stdout: () => out,
    stderr: () => err,
    stop: async () => {
      child.kill("SIGTERM");
      const [code] = (await once(child, "exit")) as [number | null];
      return code;
    },
  };
}

describe("users and access in upbeat serve", () => {
  test("first start prints a generated admin password once; it logs in, makes a key, and both survive a restart", async () => {
    const first = await serve();
    let stopped = false;
    after(async () => {
      // A failed assertion must not leave the server running (the test would never end).
      if (!stopped) await first.stop();
    });
    const password = /\n {6}(\S+)\n/.exec(first.stderr())?.[1];
    assert.ok(password, first.stderr());
    assert.match(first.stderr(), /Upbeat first start: user "admin" was created with this password \(shown only now\)/);
    assert.ok(!first.stdout().includes(password), "the password is not in the log");
    assert.match(first.stdout(), /its password was printed on standard error/);

    assert.equal((await fetch(`${first.base}/api/v1/monitors`)).status, 401);
    const login = await fetch(`${first.base}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "admin", password }) });
    assert.equal(login.status, 200);
    assert.match(login.headers.get("set-cookie") ?? "", /^upbeat_session=[\w-]+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/);
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] as string;
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const made = await fetch(`${first.base}/api/v1/api-keys`, { method: "POST", headers: { cookie, "x-csrf-token": csrfToken, "content-type": "application/json" }, body: JSON.stringify({ name: "curl" }) });
    assert.equal(made.status, 201);
    const { secret } = (await made.json()) as { secret: string };
    const withKey = await fetch(`${first.base}/api/v1/monitors`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(withKey.status, 200);
    assert.deepEqual(((await withKey.json()) as { monitors: unknown[] }).monitors, []);
    stopped = true;
    assert.equal(await first.stop(), 0);

    const second = await serve();
    try {
      assert.ok(!second.stderr().includes("first start"), second.stderr());
      assert.equal((await fetch(`${second.base}/api/v1/auth/me`, { headers: { cookie } })).status, 200, "the session outlives a restart");
      assert.equal((await fetch(`${second.base}/api/v1/monitors`, { headers: { authorization: `Bearer ${secret}` } })).status, 200);
      const read = await fetch(`${second.base}/api/v1/api-keys`, { method: "POST", headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" }, body: "{}" });
      assert.equal(read.status, 403, "the key is read-only");
    } finally {
      assert.equal(await second.stop(), 0);
    }
  });
});
