import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compare, parseJsonPath, resolveJsonPath, statusMatches, statusRegexMatches } from "./assertions.ts";
import { cupcakeActual, cupcakeThresholdText } from "./cupcake.ts";
import type { ProbeOutcome } from "./types.ts";
import { responseTimeAssertions, verdict } from "./verdict.ts";

describe("status specs", () => {
  test("codes, classes and ranges", () => {
    const table: [number, number | string, boolean][] = [
      [200, 200, true], [201, 200, false], [204, "2xx", true], [301, "2xx", false], [299, "200-299", true], [300, "200-299", false], [404, "4xx", true],
    ];
    for (const [code, spec, ok] of table) assert.equal(statusMatches(code, spec), ok, `${code} vs ${spec}`);
  });
  test("Cupcake's regex is anchored at the start only (Python re.match)", () => {
    assert.equal(statusRegexMatches(204, "2"), true);
    assert.equal(statusRegexMatches(120, "2"), false);
    assert.equal(statusRegexMatches(500, ""), true);
    assert.equal(statusRegexMatches(200, "^[2]\\d\\d$"), true);
    assert.equal(statusRegexMatches(200, "200|404"), true);
    assert.equal(statusRegexMatches(404, "200|404"), true);
  });
});

describe("JSON paths and operators", () => {
  const doc = { a: { b: [{ c: 1 }, { c: "x y" }] }, "with space": true, list: [1, 2, 3], s: "hello" };
  test("paths", () => {
    assert.deepEqual(parseJsonPath("$.a.b[1].c"), ["a", "b", 1, "c"]);
    assert.equal(resolveJsonPath(doc, "$.a.b[1].c"), "x y");
    assert.equal(resolveJsonPath(doc, "a.b[0].c"), 1);
    assert.equal(resolveJsonPath(doc, `$["with space"]`), true);
    assert.equal(resolveJsonPath(doc, "$.list.length"), 3);
    assert.equal(resolveJsonPath(doc, "$.s.length"), 5);
    assert.equal(resolveJsonPath(doc, "$.a.zz.y"), undefined);
  });
  test("operators", () => {
    const table: [unknown, Parameters<typeof compare>[1], unknown, boolean][] = [
      [1, "==", 1, true], [1, "==", "1", true], ["a", "!=", "b", true], [[1, 2], "==", [1, 2], true],
      [3, "<", 5, true], [5, "<=", 5, true], [6, ">", 5, true], ["7", ">=", 7, true], [undefined, "<", 5, false], ["x", ">", 1, false],
      ["hello", "contains", "ell", true], [[1, 2], "contains", 2, true], [[1, 2], "not-contains", 3, true], [undefined, "not-contains", 3, false],
      ["v1.2.3", "matches", "^v\\d+", true], ["v1", "not-matches", "^x", true], [0, "exists", undefined, true], [undefined, "not-exists", undefined, true],
    ];
    for (const [a, op, b, ok] of table) assert.equal(compare(a, op, b), ok, `${JSON.stringify(a)} ${op} ${JSON.stringify(b)}`);
  });
});

describe("verdict", () => {
  test("down beats degraded beats up; the reason names the first failure", () => {
    assert.deepEqual(verdict([]), { ok: true, health: "up" });
    const slow = responseTimeAssertions(250, { degradedAboveMs: 200, maxMs: 300 });
    assert.equal(verdict(slow).health, "degraded");
    const tooSlow = responseTimeAssertions(350, { degradedAboveMs: 200, maxMs: 300 });
    assert.deepEqual(verdict(tooSlow), { ok: false, health: "down", reason: "response time max: expected <= 300ms, got 350ms" });
  });
  test("time bounds are strict, as Cupcake's", () => {
    assert.equal(verdict(responseTimeAssertions(200, { maxMs: 200, minMs: 200 })).health, "up");
    assert.equal(verdict(responseTimeAssertions(199.4, { minMs: 200 })).health, "down");
  });
});

describe("Cupcake's words for a result", () => {
  const base: ProbeOutcome = { ok: false, health: "down", timings: { totalMs: 1 }, assertions: [], facts: {} };
  test("HTTP: no status is TIMEOUT, a wrong status is the status, a time bound is BAD", () => {
    assert.equal(cupcakeActual("http", { ...base, failure: "refused" }), "TIMEOUT");
    assert.equal(cupcakeActual("http", { ...base, facts: { statusCode: 503 }, assertions: [{ name: "status", ok: false, severity: "down", expected: "x", actual: "503" }] }), "503");
    const slow = { ...base, facts: { statusCode: 200 }, assertions: [{ name: "status", ok: true, severity: "down" as const, expected: "x", actual: "200" }, ...responseTimeAssertions(250, { maxMs: 200 })] };
    assert.equal(cupcakeActual("http", slow), "BAD");
    assert.equal(cupcakeThresholdText(slow), "time 250ms greater than maximum 200ms");
    assert.equal(cupcakeThresholdText({ ...base, assertions: responseTimeAssertions(5, { minMs: 10 }) }), "time 5ms less than minimum 10ms");
  });
  test("TCP: only a timeout is TIMEOUT", () => {
    assert.equal(cupcakeActual("tcp", { ...base, failure: "timeout" }), "TIMEOUT");
    assert.equal(cupcakeActual("tcp", { ...base, failure: "refused" }), "BAD");
    assert.equal(cupcakeActual("tcp", { ...base, ok: true, health: "up" }), "OK");
  });
});
