import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { locateTomlKey } from "./config-locate.ts";

const text = [
  'public_url = "x"', // 1
  "alarms2 = []", // 2
  "[database]", // 3
  "  interval = 5", // 4
  "[[alarms]]", // 5
  'name = "a"', // 6
  "[[alarms]]", // 7
  '"name" = "b"', // 8
  "[ alerts.\"hook\" ]", // 9
  "Mail = 'm'", // 10
].join("\n");

describe("TOML key positions", () => {
  test("keys in tables, arrays of tables, quoted names and any case", () => {
    assert.deepEqual(locateTomlKey(text, ["public_url"]), { line: 1, column: 1 });
    assert.deepEqual(locateTomlKey(text, ["database", "interval"]), { line: 4, column: 3 });
    assert.deepEqual(locateTomlKey(text, ["alarms", 1, "name"]), { line: 8, column: 1 });
    assert.deepEqual(locateTomlKey(text, ["alarms", 0]), { line: 5, column: 1 });
    assert.deepEqual(locateTomlKey(text, ["alerts", "hook", "mail"]), { line: 10, column: 1 });
    assert.deepEqual(locateTomlKey(text, ["alerts", "hook"]), { line: 9, column: 1 });
  });

  test("falls back to the table header, else undefined", () => {
    assert.deepEqual(locateTomlKey(text, ["database", "filename"]), { line: 3, column: 1 });
    assert.equal(locateTomlKey(text, ["nothing", "here"]), undefined);
    assert.deepEqual(locateTomlKey(text, ["alarms", 5, "name"]), { line: 5, column: 1 });
    assert.deepEqual(locateTomlKey("alarms = [{ name = 1 }]\n", ["alarms", 0, "name"]), { line: 1, column: 1 });
  });
});
