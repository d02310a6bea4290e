/** Badge arithmetic: text widths, colours by value, and the SVG's geometry. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { assertWellFormedXml } from "../../test/helpers/status-pages.ts";
import { latencyBadge, renderBadge, shieldsJson, statusBadge, textWidth, uptimeBadge } from "./badges.ts";

test("text widths grow with the text and differ by glyph", () => {
  assert.equal(textWidth(""), 0);
  assert.ok(textWidth("W") > textWidth("w") && textWidth("w") > textWidth("i"));
  assert.equal(textWidth("100"), 21, "digits are tabular");
  assert.equal(textWidth("ab"), Math.round((textWidth("a") + textWidth("b")) * 10) / 10);
  // Verdana 11px renders "uptime 30d" about 61 px wide; the estimate must be close, not exact.
  assert.ok(Math.abs(textWidth("uptime 30d") - 61) < 5, String(textWidth("uptime 30d")));
  assert.ok(textWidth("日本") >= 22, "wide scripts are not underestimated");
});

test("values pick their colours by thresholds", () => {
  assert.deepEqual(statusBadge("up"), { message: "up", color: "brightgreen" });
  assert.deepEqual(statusBadge("maintenance"), { message: "maintenance", color: "blue" });
  assert.deepEqual([99.95, 99.5, 98, 96, 91, 50].map((v) => uptimeBadge(v).color), ["brightgreen", "green", "yellowgreen", "yellow", "orange", "red"]);
  assert.equal(uptimeBadge(99.999).message, "99.99%", "never rounded up to 100");
  assert.equal(uptimeBadge(100).message, "100%");
  assert.deepEqual(latencyBadge(1234.6), { message: "1235 ms", color: "orange" });
  assert.deepEqual(latencyBadge(null), { message: "no data", color: "lightgrey" });
});

test("the SVG is well-formed, its parts as wide as their text plus padding, dark text on light colours", () => {
  const svg = renderBadge({ label: "status", message: "degraded", color: "yellow" });
  assertWellFormedXml(svg);
  const lw = Math.ceil(textWidth("status") + 10);
  const mw = Math.ceil(textWidth("degraded") + 10);
  assert.match(svg, new RegExp(`width="${lw + mw}" height="20"`));
  assert.match(svg, new RegExp(`<text x="${lw + mw / 2}" y="14" fill="#333" textLength="${textWidth("degraded")}">degraded</text>`));
  assert.match(svg, /rx="3"/);
  assert.deepEqual(shieldsJson({ label: "a", message: "b", color: "red" }), { schemaVersion: 1, label: "a", message: "b", color: "red" });
});
