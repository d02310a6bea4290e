/** Maintenance windows and dependencies in the native file: meaning checked, mistakes named with their path. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { openSpan } from "../core/maintenance.ts";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFiles, loadText } from "./load.ts";

const load = (yaml: string) => loadText("upbeat.yaml", `monitors:\n  - { id: a, name: a, type: heartbeat, period: 1h }\n  - { id: b, name: b, type: heartbeat, period: 1h, dependsOn: [a] }\n${yaml}`, { env: {} });
const errors = (yaml: string) => load(yaml).problems.filter((p) => p.severity === "error").map((p) => `${p.path}: ${p.message}`);

describe("maintenance windows", () => {
  test("a recurring window in a time zone opens at its local time, across a DST change", () => {
    const { config, problems } = load(`maintenance:\n  - { name: sunday, matchers: ["monitor=a"], cron: "0 2 * * 0", duration: 2h, timezone: Europe/Berlin }\n`);
    assert.deepEqual(problems, []);
    const w = config.maintenance?.[0];
    assert.ok(w);
    // Sunday 2026-03-22 02:00 in Berlin is 01:00 UTC (winter time); a week later, after the change, 00:00 UTC.
    assert.deepEqual(openSpan(w, Date.parse("2026-03-22T01:30:00Z")), { from: Date.parse("2026-03-22T01:00:00Z"), to: Date.parse("2026-03-22T03:00:00Z") });
    assert.equal(openSpan(w, Date.parse("2026-03-22T03:00:00Z")), undefined, "the end is not inside");
    assert.equal(openSpan(w, Date.parse("2026-03-22T00:59:59Z")), undefined);
    // 2026-03-29 02:00 does not exist in Berlin (clocks jump to 03:00): the window opens at the jump, 01:00 UTC.
    assert.equal(openSpan(w, Date.parse("2026-03-29T00:30:00Z")), undefined);
    assert.equal(openSpan(w, Date.parse("2026-03-29T01:10:00Z"))?.from, Date.parse("2026-03-29T01:00:00Z"));
    // A week later, summer time: 02:00 in Berlin is 00:00 UTC.
    assert.equal(openSpan(w, Date.parse("2026-04-05T00:10:00Z"))?.from, Date.parse("2026-04-05T00:00:00Z"));
  });

  test("a one-off window with offsets", () => {
    const { config } = load(`maintenance:\n  - { name: upgrade, matchers: ["group=~.*"], start: "2026-12-01T22:00:00+01:00", end: "2026-12-02T02:00:00+01:00", comment: "db upgrade" }\n`);
    const w = config.maintenance?.[0];
    assert.ok(w);
    assert.equal(w.comment, "db upgrade");
    assert.ok(openSpan(w, Date.parse("2026-12-01T21:00:00Z")));
    assert.equal(openSpan(w, Date.parse("2026-12-02T01:00:00Z")), undefined);
  });

  test("every mistake is named with its path", () => {
    assert.deepEqual(
      errors(`maintenance:
  - { name: x, matchers: ["monitor=a"], start: "2026-12-01 22:00", end: "2026-12-01T21:00:00Z" }
  - { name: y, matchers: ["monitor=a"], start: "2026-12-01T22:00:00Z", end: "2026-12-01T21:00:00Z" }
  - { name: z, matchers: ["monitor=~("], cron: "0 2 * * 0", duration: 1h, timezone: Mars/Olympus }
  - { name: w, matchers: ["monitor=a"], cron: "0 2 * * 0" }
  - { name: v, matchers: ["monitor=a"], cron: "0 2 * * 0", duration: 1h, start: "2026-12-01T22:00:00Z" }
  - { name: u, matchers: ["monitor=a"] }
  - { name: u, matchers: ["monitor=a"], cron: "61 * * * *", duration: 1h }
`),
      [
        'maintenance[0].start: start "2026-12-01 22:00" is not an ISO 8601 time with a zone, e.g. 2026-12-01T22:00:00+01:00',
        "maintenance[1].end: end must be after start",
        'maintenance[2].matchers[0]: matcher "monitor=~(": invalid regular expression: Invalid regular expression: /^(?:()$/: Unterminated group',
        'maintenance[2].timezone: unknown time zone "Mars/Olympus" (expected an IANA name such as Europe/Berlin)',
        "maintenance[3].duration: a recurring window needs a duration longer than zero",
        "maintenance[4]: a maintenance window is either one-off (start and end) or recurring (cron and duration), not both",
        "maintenance[5]: a maintenance window needs start and end, or cron and duration",
        'maintenance[6].name: maintenance window "u" is defined twice',
        'maintenance[6].cron: invalid cron expression "61 * * * *": Invalid value for minute: 61',
      ],
    );
  });
});

describe("dependencies", () => {
  test("dependsOn must name a monitor, and must not lead back to itself", async () => {
    assert.deepEqual(errors(""), []);
    const dir = await mkdtemp(join(tmpdir(), "upbeat-deps-"));
    const file = join(dir, "upbeat.yaml");
    await writeFile(file, "monitors:\n  - { id: a, name: a, type: heartbeat, period: 1h, dependsOn: [b] }\n  - { id: b, name: b, type: heartbeat, period: 1h, dependsOn: [a, nope] }\n");
    const cyc = await loadFiles([file], { env: {} });
    await rm(dir, { recursive: true });
    assert.deepEqual(
      cyc.problems.map((p) => `${p.path}: ${p.message}`),
      ['monitors[0].dependsOn: monitor "a" depends on itself through dependsOn', 'monitors[1].dependsOn: monitor "b" depends on "nope", which is not a monitor id', 'monitors[1].dependsOn: monitor "b" depends on itself through dependsOn'],
    );
  });
});
