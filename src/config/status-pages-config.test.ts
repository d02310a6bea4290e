/** The `statusPages` section: base units, defaults, bad values reported by path, one file only. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadFiles, loadText } from "./load.ts";

test("statusPages is read in base units, with defaults for what is left out", () => {
  const { config, problems } = loadText("u.yaml", `statusPages: { cacheTtl: 2m, publicUrl: "https://status.example.com/", rateLimit: { max: 50 } }\n`, { env: {} });
  assert.deepEqual(problems, []);
  assert.deepEqual(config.statusPages, { cacheTtlMs: 120_000, publicUrl: "https://status.example.com", rateLimit: { max: 50, windowMs: 60_000 }, file: "u.yaml" });
  const off = loadText("u.yaml", `statusPages: { cacheTtl: 0, rateLimit: false }\n`, { env: {} }).config.statusPages;
  assert.deepEqual([off?.cacheTtlMs, off?.rateLimit], [0, false]);
  assert.equal(loadText("u.yaml", "monitors: []\n", { env: {} }).config.statusPages, undefined, "absent: serve uses the defaults");
});

test("bad values are reported with their path", () => {
  const { problems } = loadText("u.yaml", `statusPages: { cacheTtl: soon, publicUrl: "ftp://x", rateLimit: { max: 0 }, other: 1 }\n`, { env: {} });
  const paths = problems.filter((p) => p.severity === "error").map((p) => p.path).sort();
  assert.deepEqual(paths, ["statusPages.cacheTtl", "statusPages.other", "statusPages.publicUrl", "statusPages.rateLimit.max"], JSON.stringify(problems));
});

test("statusPages may be set in one file only", async () => {
  const dir = mkdtempSync(join(tmpdir(), "upbeat-sp-"));
  try {
    writeFileSync(join(dir, "a.yaml"), "statusPages: { cacheTtl: 10s }\n");
    writeFileSync(join(dir, "b.yaml"), "statusPages: { cacheTtl: 20s }\n");
    const { problems } = await loadFiles([join(dir, "a.yaml"), join(dir, "b.yaml")], { env: {} });
    assert.ok(problems.some((p) => p.path === "statusPages" && /also set in .*a\.yaml/.test(p.message)), JSON.stringify(problems));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
