import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, test } from "node:test";

const root = (rel: string) => fileURLToPath(new URL(`../../${rel}`, import.meta.url));
const BIN = root("bin/upbeat.js");

describe("the upbeat process", () => {
  // dist/ is built by `npm install` (prepare), as for any user of the command.
  test("bin/upbeat.js runs through its first line", async () => {
    const { stdout } = await promisify(execFile)(BIN, ["--version"]);
    const pkg = JSON.parse(readFileSync(root("package.json"), "utf8")) as { version: string };
    assert.equal(stdout.trim(), pkg.version);
  });

  test("npm start runs the serve command with no node flags to remember", () => {
    const start = (JSON.parse(readFileSync(root("package.json"), "utf8")) as { scripts: { start: string } }).scripts.start;
    assert.equal(start, "node bin/upbeat.js serve");
  });
});
