/** The `auth` section: base units, defaults, refused values with their paths, one file only. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { DEFAULT_AUTH } from "./auth.ts";
import { loadFiles, loadText } from "./load.ts";
import { formatProblem } from "./problems.ts";

describe("auth settings", () => {
  test("read in base units; unset fields take the defaults; no section: no settings", () => {
    const r = loadText("a.yaml", "auth:\n  sessionIdle: 2h\n  cookieSecure: always\n  trustProxy: true\n  loginRateLimit: { perIp: 5, window: 1m }\n  publicRateLimit: { requests: 50 }\n", { env: {} });
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.config.auth, { ...DEFAULT_AUTH, sessionIdleMs: 7_200_000, cookieSecure: "always", trustProxy: true, loginPerIp: 5, loginWindowMs: 60_000, publicRequests: 50, file: "a.yaml" });
    assert.deepEqual(DEFAULT_AUTH, { sessionIdleMs: 86_400_000, sessionMaxMs: 30 * 86_400_000, cookieSecure: "auto", trustProxy: false, loginPerIp: 10, loginPerUser: 10, loginWindowMs: 300_000, publicRequests: 600, publicWindowMs: 60_000 });
    assert.equal(loadText("b.yaml", "monitors: []\n", { env: {} }).config.auth, undefined);
  });

  test("bad values are reported with their paths", () => {
    const r = loadText("a.yaml", "auth:\n  sessionIdle: soon\n  cookieSecure: sometimes\n  loginRateLimit: { perIp: 0 }\n  remember: true\n", { env: {} });
    const text = r.problems.map(formatProblem).join("\n");
    for (const path of ["auth.sessionIdle", "auth.cookieSecure", "auth.loginRateLimit.perIp", "auth.remember"]) assert.match(text, new RegExp(path.replace(/\./g, "\\.")), text);
  });

  test("set in one file only", async () => {
    const dir = mkdtempSync(join(tmpdir(), "upbeat-auth-config-"));
    try {
      writeFileSync(join(dir, "a.yaml"), "auth: { sessionIdle: 1h }\n");
      writeFileSync(join(dir, "b.yaml"), "auth: { sessionIdle: 2h }\n");
      const r = await loadFiles([join(dir, "a.yaml"), join(dir, "b.yaml")], { env: {} });
      assert.match(r.problems.map(formatProblem).join("\n"), /auth is also set in .*a\.yaml; set it in one file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
