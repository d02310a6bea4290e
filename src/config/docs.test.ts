import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { configReference } from "./docs.ts";
import { CHECK_SCHEMAS } from "./schema/checks.ts";

test("docs/config.md is generated from the current schema (run `npm run docs` after a schema change)", () => {
  const committed = readFileSync(new URL("../../docs/config.md", import.meta.url), "utf8");
  assert.equal(committed, configReference());
});

test("every schema field has a description, so the reference is complete", () => {
  const missing: string[] = [];
  const walk = (s: Record<string, unknown>, path: string) => {
    for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, Record<string, unknown>>)) {
      if (!v.description && !["type"].includes(k)) missing.push(`${path}.${k}`);
      if (v.properties) walk(v, `${path}.${k}`);
    }
  };
  for (const [kind, s] of Object.entries(CHECK_SCHEMAS)) walk(s as unknown as Record<string, unknown>, kind);
  assert.deepEqual(missing, []);
});
