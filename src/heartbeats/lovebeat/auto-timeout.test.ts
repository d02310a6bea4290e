import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { autoTimeoutMs, beatAnalysis, ewma, ewmStdLast } from "./auto-timeout.ts";

const times = (n: number, v: number) => Array.from({ length: n }, () => v);

describe("auto timeout (compat §2.8)", () => {
  test("L-auto-vectors: the nine reference values", () => {
    const table: [number[], number][] = [
      [[], 1000],
      [[10000], 11000],
      [[60000, 60000], 61000],
      [times(6, 60000), 61000],
      [[1000, 2000, 3000], 5568],
      [[10000, 20000], 31591],
      [[30000, 31000, 29000, 30500, 29500], 33127],
      [[...times(19, 60000), 120000], 61000],
      [[5000, 5000, 5000, 60000], 98240],
    ];
    for (const [history, expected] of table) assert.equal(autoTimeoutMs(history), expected, JSON.stringify(history));
  });

  test("uses the chronological last 20 intervals", () => {
    const old = times(30, 300000);
    assert.equal(autoTimeoutMs([...old, ...times(20, 60000)]), 61000);
    // The 21st-newest value no longer counts: same as the last 20 alone.
    const history = [999999, ...Array.from({ length: 20 }, (_, i) => 10000 + i * 100)];
    assert.equal(autoTimeoutMs(history), autoTimeoutMs(history.slice(1)));
  });

  test("does not modify the history", () => {
    const history = [5000, 1000, 3000, 2000];
    autoTimeoutMs(history);
    assert.deepEqual(history, [5000, 1000, 3000, 2000]);
  });

  test("EWMA is bias-corrected per element and carries over NaN inputs", () => {
    const m = ewma([1000, 2000, 3000], 10);
    assert.ok(Math.abs((m[0] as number) - 1000) < 1e-9);
    const r1 = (10 * (1000 / 11) + 2000) / 11;
    assert.ok(Math.abs((m[1] as number) - r1 / (1 - (10 / 11) ** 2)) < 1e-9);
    assert.deepEqual(ewma([], 10), []);
    const withNaN = ewma([1000, Number.NaN, 1000], 10);
    assert.equal(withNaN.every((v) => Number.isFinite(v)), true);
    assert.ok(ewmStdLast([5, 5, 5], 10) < 1e-3);
    assert.ok(ewmStdLast([5], 10) < 1e-3);
    assert.equal(ewmStdLast([10, 0], 10) > 0, true);
  });
});

describe("beat analysis (compat §2.5)", () => {
  test("needs at least 10 intervals", () => {
    assert.equal(beatAnalysis(times(9, 1000)), undefined);
    assert.deepEqual(beatAnalysis(times(10, 1000)), { lower: 1, upper: 1, percentage: 90 });
    assert.deepEqual(beatAnalysis(times(10, 0)), { unstable: true, lower: 0, upper: 0, percentage: 90 });
  });

  test("10th/90th percentile by index int(n*0.1)/int(n*0.9) of the ascending sort, seconds rounded half up", () => {
    // n = 10: indexes 1 and 9.
    const h = [9000, 1000, 2500, 3000, 4000, 5000, 6000, 7000, 8000, 14400];
    assert.deepEqual(beatAnalysis(h), { lower: 3, upper: 14, percentage: 90 });
    assert.deepEqual(beatAnalysis([...h.slice(0, 9), 60400]), { unstable: true, lower: 3, upper: 60, percentage: 90 });
    const h2 = [1499, 1500, 1500, 1500, 1500, 1500, 1500, 1500, 1500, 7499];
    assert.deepEqual(beatAnalysis(h2), { lower: 2, upper: 7, percentage: 90 });
  });

  test("unstable when upper >= 5 * lower (on the rounded seconds)", () => {
    const stable = [...times(10, 10000), ...times(9, 20000), 49000];
    assert.deepEqual(beatAnalysis(stable), { lower: 10, upper: 20, percentage: 90 });
    const h = [...times(5, 10000), ...times(15, 50000)];
    assert.deepEqual(beatAnalysis(h), { unstable: true, lower: 10, upper: 50, percentage: 90 });
    // Key order matches Go's struct: unstable, lower, upper, percentage.
    assert.deepEqual(Object.keys(beatAnalysis(h) ?? {}), ["unstable", "lower", "upper", "percentage"]);
  });

  test("L-analysis: integer bounds, and the history is not sorted in place (compat §2.8 QUIRK not copied)", () => {
    const history = [3000, 1000, 2000, 1500, 1200, 1100, 1050, 5000, 4000, 2500, 1800];
    const copy = [...history];
    const a = beatAnalysis(history);
    assert.ok(a && Number.isInteger(a.lower) && Number.isInteger(a.upper) && a.percentage === 90);
    assert.deepEqual(history, copy);
  });
});
