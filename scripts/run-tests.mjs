#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with Node's own test runner through tsx.
// Node 20's --test takes no globs, so the files are listed here. Extra arguments are passed on
// (e.g. a file path or --test-name-pattern).
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function collect(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
const files = args.some((a) => a.endsWith(".ts")) ? [] : [...collect("src", []), ...collect("test", [])].sort();
const res = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=2", "--test-reporter=spec", ...args, ...files],
  { stdio: "inherit" },
);
process.exit(res.status ?? 1);
