import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { OUTPUT_TAIL_BYTES, scriptEnv, scriptNotifier } from "./script.ts";
import type { ChannelContext, Notification } from "./types.ts";

const sample = (over: Partial<Notification> = {}): Notification => ({
  kind: "incident.opened",
  severity: "critical",
  title: "DOWN: shop / checkout (HTTP 503)",
  text: "checkout is down.\nsince 03:04",
  monitors: [{ id: "shop/checkout", name: "checkout", status: "down", group: ["shop"], cause: "HTTP 503", incident: 4, labels: {} }],
  at: Date.UTC(2026, 0, 2, 3, 4, 5),
  dedupKey: "upbeat:shop/checkout:4",
  idempotencyKey: "upbeat:shop/checkout:4:opened:script",
  ...over,
});

const lovebeat = sample({
  monitors: [],
  compat: { tool: "lovebeat", alarm: "A", previous: "ok", current: "error", incident: 7, failedServices: ["a.b"], publicUrl: "http://lb/" },
});

const ctx = (signal: AbortSignal = AbortSignal.timeout(20_000)): ChannelContext => ({ signal, now: () => Date.now() });

/** The NUL-separated `env -0` output as a map. */
function readEnv(file: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readFileSync(file, "utf8").split("\0")) {
    const i = entry.indexOf("=");
    if (i > 0) out.set(entry.slice(0, i), entry.slice(i + 1));
  }
  return out;
}

/** Is a process still running? (A killed orphan may linger as a zombie until init reaps it.) */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

describe("script channel", () => {
  let dir: string;
  const script = (name: string, body: string): string => {
    const p = join(dir, name);
    writeFileSync(p, `#!/bin/sh\n${body}\n`);
    chmodSync(p, 0o755);
    return p;
  };
  before(() => (dir = mkdtempSync(join(tmpdir(), "upbeat-script-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("L-script: the script sees Lovebeat's variables, Upbeat's and the inherited environment", async () => {
    const out = join(dir, "env-lovebeat.txt");
    const r = await scriptNotifier.send({ path: script("s.sh", 'env -0 > "$1"'), args: [out] }, lovebeat, ctx());
    assert.equal(r.ok, true, JSON.stringify(r));
    const env = readEnv(out);
    assert.equal(env.get("LOVEBEAT_ALARM"), "A");
    assert.equal(env.get("LOVEBEAT_STATE"), "ERROR");
    assert.equal(env.get("LOVEBEAT_PREVIOUS_STATE"), "OK");
    assert.equal(env.get("LOVEBEAT_INCIDENT"), "7");
    assert.equal(env.get("UPBEAT_INCIDENT"), "7");
    assert.ok((env.get("PATH") ?? "").length > 0, "PATH is inherited");
  });

  test("every UPBEAT_* variable, and UPBEAT_JSON is the whole notification", async () => {
    const out = join(dir, "env-upbeat.txt");
    const n = sample({ url: "https://upbeat.example/m/1" });
    const r = await scriptNotifier.send({ path: script("env.sh", 'env -0 > "$1"'), args: [out] }, n, ctx());
    assert.equal(r.ok, true, JSON.stringify(r));
    const env = readEnv(out);
    // The script also inherits the test process's environment (CI sets UPBEAT_REQUIRE_SERVICES): compare what Upbeat adds.
    const inherited = new Set(["UPBEAT_REQUIRE_SERVICES", "UPBEAT_TEST_PG_URL"]);
    assert.deepEqual(
      Object.fromEntries([...env].filter(([k]) => k.startsWith("UPBEAT_") && k !== "UPBEAT_JSON" && !inherited.has(k))),
      {
        UPBEAT_KIND: "incident.opened",
        UPBEAT_SEVERITY: "critical",
        UPBEAT_TITLE: "DOWN: shop / checkout (HTTP 503)",
        UPBEAT_TEXT: "checkout is down.\nsince 03:04",
        UPBEAT_MONITOR_ID: "shop/checkout",
        UPBEAT_MONITOR_NAME: "checkout",
        UPBEAT_MONITOR_COUNT: "1",
        UPBEAT_STATUS: "down",
        UPBEAT_CAUSE: "HTTP 503",
        UPBEAT_INCIDENT: "4",
        UPBEAT_AT: "2026-01-02T03:04:05.000Z",
        UPBEAT_DEDUP_KEY: "upbeat:shop/checkout:4",
        UPBEAT_IDEMPOTENCY_KEY: "upbeat:shop/checkout:4:opened:script",
        UPBEAT_URL: "https://upbeat.example/m/1",
      },
    );
    assert.deepEqual(JSON.parse(env.get("UPBEAT_JSON") ?? ""), n);
    assert.equal(env.has("LOVEBEAT_ALARM"), false);
  });

  test("arguments are passed as they are, without a shell", async () => {
    const out = join(dir, "args.txt");
    const r = await scriptNotifier.send({ path: script("args.sh", 'out="$1"; shift; printf "%s\\n" "$@" > "$out"'), args: [out, "$HOME", "a b; echo pwned", "*"] }, sample(), ctx());
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(readFileSync(out, "utf8"), "$HOME\na b; echo pwned\n*\n");
  });

  test("a script past its timeout is killed with everything it started", async () => {
    const pidFile = join(dir, "bg.pid");
    const path = script("sleep.sh", `sleep 30 &\necho $! > "${pidFile}"\necho started\nsleep 30`);
    const t0 = Date.now();
    const r = await scriptNotifier.send({ path, timeoutMs: 300 }, sample(), ctx());
    assert.ok(Date.now() - t0 < 5000, "returned soon after the timeout");
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.retryable, false);
    assert.match(!r.ok ? r.error : "", /timed out after 300 ms and was killed; stdout: started$/);
    const bg = Number(readFileSync(pidFile, "utf8"));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(alive(bg), false, "the background child was killed too");
  });

  test("exit 3 fails with its stderr; retryable only when asked", async () => {
    const path = script("fail.sh", 'echo "half done"\necho "boom: disk full" >&2\nexit 3');
    const r = await scriptNotifier.send({ path }, sample(), ctx());
    assert.deepEqual(r, { ok: false, retryable: false, error: `script ${path} exited with code 3; stderr: boom: disk full; stdout: half done` });
    const again = await scriptNotifier.send({ path, retryOnFailure: true }, sample(), ctx());
    assert.equal(!again.ok && again.retryable, true);
  });

  test("exit 0 is delivered, with its output in the detail (only the last 4 KB)", async () => {
    const r = await scriptNotifier.send({ path: script("big.sh", "i=0; while [ $i -lt 2000 ]; do echo 0123456789; i=$((i+1)); done; echo END") }, sample(), ctx());
    assert.equal(r.ok, true);
    const detail = r.ok ? (r.detail ?? "") : "";
    assert.match(detail, /exited with code 0; stdout: .*END$/s);
    assert.ok(detail.length < OUTPUT_TAIL_BYTES + 200);
  });

  test("a missing or non-executable program is a final failure with a clear reason", async () => {
    const missing = await scriptNotifier.send({ path: join(dir, "nope.sh") }, sample(), ctx());
    assert.deepEqual(missing, { ok: false, retryable: false, error: `cannot run script ${join(dir, "nope.sh")}: not found (ENOENT)` });
    const plain = join(dir, "plain.sh");
    writeFileSync(plain, "#!/bin/sh\nexit 0\n");
    chmodSync(plain, 0o644);
    const denied = await scriptNotifier.send({ path: plain }, sample(), ctx());
    assert.equal(denied.ok, false);
    assert.equal(!denied.ok && denied.retryable, false);
    assert.match(!denied.ok ? denied.error : "", /permission denied.*EACCES/);
  });

  test("an abort of the delivery kills the script; it is retryable", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const r = await scriptNotifier.send({ path: script("slow.sh", "sleep 30") }, sample(), ctx(ac.signal));
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.retryable, true);
  });

  test("the environment never carries NUL bytes", () => {
    assert.equal(scriptEnv(sample({ title: "a\0b" })).UPBEAT_TITLE, "ab");
  });
});
