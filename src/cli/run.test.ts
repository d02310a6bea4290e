import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DEFAULT_URL, maskKey, pingUrl, planRun, type RunPlan, Tail } from "./run.ts";

const UUID = "5bf66975-d4c7-4bf5-bcc8-b8d8a82ea278";
const plan = (check: string, o: Parameters<typeof planRun>[3] = {}, env: Record<string, string> = {}, argv = ["job", "--flag"]) =>
  planRun(check, argv, argv, o, env);
const ok = (p: RunPlan | string): RunPlan => {
  if (typeof p === "string") throw new Error(p);
  return p;
};

describe("planRun", () => {
  test("a UUID against the default URL, with the defaults", () => {
    const p = ok(plan(UUID));
    assert.deepEqual(p.argv, ["job", "--flag"]);
    assert.equal(p.base.href, `${DEFAULT_URL}/`);
    assert.equal(p.target, UUID);
    assert.deepEqual([p.start, p.create, p.timeoutMs, p.retries], [true, false, 10_000, 2]);
    assert.equal(pingUrl(p, "start", "r1").href, `${DEFAULT_URL}/ping/${UUID}/start?rid=r1`);
  });

  test("a slug takes the ping key from the option or UPBEAT_PING_KEY; the URL from UPBEAT_URL", () => {
    const p = ok(plan("nightly-backup", { create: true, timeout: "500ms" }, { UPBEAT_PING_KEY: "k/ey", UPBEAT_URL: "https://up.example/upbeat/" }));
    assert.equal(p.timeoutMs, 500);
    assert.equal(pingUrl(p, 3, "r").href, "https://up.example/upbeat/ping/k%2Fey/nightly-backup/3?create=1&rid=r");
    const q = ok(plan("nightly-backup", { pingKey: "abc", url: "http://h:1" }, { UPBEAT_PING_KEY: "env" }));
    assert.equal(pingUrl(q, "fail").href, "http://h:1/ping/abc/nightly-backup/fail");
  });

  test("credentials in the URL become a Basic authorization header", () => {
    const p = ok(plan(UUID, { url: "http://user:p%40ss@127.0.0.1:8080" }));
    assert.equal(p.base.href, "http://127.0.0.1:8080/");
    assert.equal(p.headers.authorization, `Basic ${Buffer.from("user:p@ss").toString("base64")}`);
  });

  test("bad usage is named", () => {
    assert.match(planRun(UUID, ["job"], undefined, {}, {}) as string, /put -- between/);
    assert.match(planRun(UUID, [], [], {}, {}) as string, /no command after --/);
    assert.match(planRun(UUID, ["extra", "job"], ["job"], {}, {}) as string, /unexpected argument before --: extra/);
    assert.match(plan("backup") as string, /needs a ping key/);
    assert.match(plan("no/slash", { pingKey: "k" }) as string, /neither a UUID nor a slug/);
    assert.match(plan(UUID, { create: true }) as string, /--create works with a slug/);
    assert.match(plan(UUID, { url: "ftp://h" }) as string, /expected http/);
    assert.match(plan(UUID, { url: "not a url" }) as string, /not a URL/);
    assert.match(plan(UUID, { url: "http://h/?x=1" }) as string, /base URL only/);
    assert.match(plan(UUID, { timeout: "soon" }) as string, /--timeout/);
    assert.match(plan(UUID, { timeout: "0s" }) as string, /--timeout/);
  });
});

describe("maskKey", () => {
  test("never leaves the key in full, raw or URL-encoded", () => {
    const key = "Qk7hX2pL9sVb3mN8cR1tYw";
    assert.equal(maskKey(`http://h/ping/${key}/s`, key), "http://h/ping/Qk7…/s");
    assert.equal(maskKey("http://h/ping/a%2Fb/s", "a/b"), "http://h/ping/…/s");
    assert.equal(maskKey("nothing", undefined), "nothing");
  });
});

describe("Tail", () => {
  test("keeps exactly the last bytes across chunks", () => {
    const t = new Tail(10);
    for (const s of ["abc", "defgh", "ijklmnop", "q"]) t.push(Buffer.from(s));
    assert.equal(t.bytes().toString(), "hijklmnopq");
    const one = new Tail(4);
    one.push(Buffer.from("0123456789"));
    assert.equal(one.bytes().toString(), "6789");
    assert.equal(new Tail(4).bytes().length, 0);
  });

  test("does not start with half a UTF-8 character", () => {
    const t = new Tail(5);
    t.push(Buffer.from("x€abc")); // € is 3 bytes: the window starts at its last byte
    assert.equal(t.bytes().toString(), "abc");
  });
});
