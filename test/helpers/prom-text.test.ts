import assert from "node:assert/strict";
import { test } from "node:test";
import { parsePromText, sampleValue } from "./prom-text.ts";

const ok = `# HELP a_seconds Help with \\\\ and \\n.
# TYPE a_seconds histogram
a_seconds_bucket{kind="http",le="0.1"} 1
a_seconds_bucket{kind="http",le="+Inf"} 2
a_seconds_sum{kind="http"} 0.3
a_seconds_count{kind="http"} 2
# TYPE b gauge
b{monitor="x\\"y\\\\z\\nw"} NaN
b{monitor="q"} 1e+21
`;

test("the test parser reads a valid exposition, escapes included", () => {
  const f = parsePromText(ok);
  assert.equal(f.get("a_seconds")?.help, "Help with \\ and \n.");
  assert.equal(sampleValue(f, "a_seconds_count", { kind: "http" }), 2);
  assert.ok(Number.isNaN(sampleValue(f, "b", { monitor: 'x"y\\z\nw' }) as number));
  assert.equal(sampleValue(f, "b", { monitor: "q" }), 1e21);
});

test("the test parser refuses what Prometheus refuses", () => {
  const bad: Array<[string, RegExp]> = [
    ['b{monitor="x"} one\n', /not a number/],
    ['b{monitor="x} 1\n', /unterminated|expected/],
    ['b{monitor="a\\tb"} 1\n', /bad escape/],
    ['b{9x="a"} 1\n', /bad label name/],
    ['b{m="a"} 1\nb{m="a"} 2\n', /twice/],
    ["# TYPE b gauge\nb 1\n# TYPE c gauge\nc 1\nb 2\n", /not together/],
    ["b 1\n# TYPE b gauge\n", /after its samples/],
    ['# TYPE h histogram\nh_bucket{le="1"} 3\nh_bucket{le="+Inf"} 2\nh_count 2\n', /not increasing/],
    ['# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_count 3\n', /_count/],
    ["b 1", /line feed/],
  ];
  for (const [text, why] of bad) assert.throws(() => parsePromText(text), why, text);
});
