import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, test } from "node:test";
import { NODE_FLAGS } from "./heap.ts";

const root = (rel: string) => fileURLToPath(new URL(`../../${rel}`, import.meta.url));
const BIN = root("bin/upbeat.js");

describe("node flags of the upbeat process", () => {
  test("npm start and bin/upbeat.js's first line pass every one of them", () => {
    const start = (JSON.parse(readFileSync(root("package.json"), "utf8")) as { scripts: { start: string } }).scripts.start;
    const shebang = readFileSync(BIN, "utf8").split("\n")[0] ?? "";
    assert.ok(NODE_FLAGS.length > 0);
    for (const flag of NODE_FLAGS) {
      assert.match(start, new RegExp(`^node (\\S+ )*${flag} .*bin/upbeat\\.js serve$`), `npm start passes ${flag}`);
      assert.ok(shebang.startsWith("#!/usr/bin/env -S node ") && shebang.split(" ").includes(flag), `bin/upbeat.js's first line passes ${flag}`);
    }
  });

  // dist/ is built by `npm install` (prepare), as for any user of the command.
  test("bin/upbeat.js runs through its first line: env -S and node accept the flags", async () => {
    const { stdout } = await promisify(execFile)(BIN, ["--version"]);
    const pkg = JSON.parse(readFileSync(root("package.json"), "utf8")) as { version: string };
    assert.equal(stdout.trim(), pkg.version);
  });
});
