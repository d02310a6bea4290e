import assert from "node:assert/strict";
import { test } from "node:test";
import { pythonJsonDumps } from "../notifiers/sns.ts";
import { cupcakeSummaryText, cupcakeTime, summaryLines, summaryNotification } from "./cupcake-summary.ts";

const row = (ep: string, timestamp: number) => ({ key: ["g", "e", "p", ep] as [string, string, string, string], timestamp, message: `M-${ep}`, url: "" });

test("Cupcake's summary wording: plural rule, UTC time cut to the second, one line per row in table order", () => {
  assert.equal(cupcakeSummaryText(0, []), "Cupcake is alive and currently monitoring 0 endpoints.\n\nCupcake is not currently aware of any alerts.");
  assert.equal(cupcakeTime(1704164645.999), "2024-01-02 03:04:05");
  const lines = summaryLines([row("b", 1704164645.999), row("a", 0)], new Map([["g\u0000e\u0000p\u0000b", "id"]]), true);
  assert.deepEqual(lines.map((l) => l.removing), [false, true]);
  assert.equal(cupcakeSummaryText(1, lines), "Cupcake is alive and currently monitoring 1 endpoint.\n\nCupcake is aware of the following alerts:\nM-b since 2024-01-02 03:04:05\nremoving alert: M-a since 1970-01-01 00:00:00\n");
  assert.deepEqual(summaryLines([row("a", 0)], new Map(), false).map((l) => l.removing), [false], "without REMOVE_UNKNOWN_ACTIVES every row stays");
});

test("the summary's SNS message is Cupcake's summary incident: empty strings, result {}, the time as epoch seconds", () => {
  const n = summaryNotification("T", 2, 0, 1704164645250);
  assert.equal(n.kind, "digest");
  assert.equal(n.compat?.tool, "cupcake");
  assert.equal(
    pythonJsonDumps(n.compat?.tool === "cupcake" ? n.compat.incident : {}),
    '{\n    "endpoint": "",\n    "endpoint_group": "",\n    "environment": "",\n    "environment_group": "",\n    "expected": "",\n    "message": "T",\n    "presentation_message": "",\n    "result": {},\n    "timestamp": 1704164645.25,\n    "url": ""\n}',
  );
});
