import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { defaultConcurrency, MAX_DEFAULT_CONCURRENCY, openFileLimit } from "./concurrency.ts";

const limits = (soft: string, hard = soft) => `Limit                     Soft Limit           Hard Limit           Units     \nMax processes             95000                95000                processes \nMax open files            ${soft.padEnd(21)}${hard.padEnd(21)}files     \n`;

describe("default concurrency", () => {
  test("reads the soft limit of open files, unlimited included; unknown text gives undefined", () => {
    assert.equal(openFileLimit(limits("1024", "524288")), 1024);
    assert.equal(openFileLimit(limits("unlimited")), Infinity);
    assert.equal(openFileLimit("Max processes 10 10 processes\n"), undefined);
  });

  test("this process's limit is the one /proc reports", () => {
    const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max open files")) ?? "";
    assert.equal(openFileLimit(), Number(line.split(/\s+/)[3]));
  });

  test("a quarter of the limit, between 16 and 512; 256 when the limit is unknown", () => {
    assert.equal(MAX_DEFAULT_CONCURRENCY, 512);
    assert.equal(defaultConcurrency(524_288), 512);
    assert.equal(defaultConcurrency(Infinity), 512);
    assert.equal(defaultConcurrency(1024), 256);
    assert.equal(defaultConcurrency(800), 200);
    assert.equal(defaultConcurrency(40), 16);
    assert.equal(defaultConcurrency(undefined), 256);
  });
});
