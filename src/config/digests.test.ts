import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { digestChannelProblems } from "../alerting/digests.ts";
import { loadFiles, loadText } from "./load.ts";

const dir = mkdtempSync(join(tmpdir(), "upbeat-digests-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("digests in the native configuration", () => {
  test("defaults: daily at 09:00 UTC, the 10 lowest monitors; each digest keeps its file and path", () => {
    const r = loadText("u.yaml", "digests:\n  - { name: daily, channels: [ops] }\n  - { name: weekly, channels: [ops, mail], cron: '0 8 * * 1', timezone: Europe/Berlin, matchers: ['team=shop'], worst: 3 }\n", { env: {} });
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.config.digests, [
      { name: "daily", channels: ["ops"], cron: "0 9 * * *", timezone: "UTC", matchers: [], worst: 10, file: "u.yaml", path: "digests[0]" },
      { name: "weekly", channels: ["ops", "mail"], cron: "0 8 * * 1", timezone: "Europe/Berlin", matchers: ["team=shop"], worst: 3, file: "u.yaml", path: "digests[1]" },
    ]);
  });

  test("a bad cron, time zone or matcher, a missing channel list and a name used twice are errors at their lines", async () => {
    const text = `digests:
  - { name: a, channels: [ops], cron: "61 * * * *" }
  - { name: b, channels: [ops], timezone: Mars/Olympus }
  - { name: c, channels: [ops], matchers: ["team=~("] }
  - { name: d }
  - { name: a, channels: [ops] }
  - { name: e, channels: [ops], every: 1d }
`;
    const r = loadText("u.yaml", text, { env: {} });
    assert.deepEqual(r.problems.map((p) => `${p.line} ${p.path}: ${p.message}`), [
      "5 digests[3].channels: is required",
      '7 digests[5].every: unknown key "every"; expected one of: name, channels, cron, timezone, matchers, worst',
      '2 digests[0].cron: invalid cron expression "61 * * * *": Invalid value for minute: 61',
      '3 digests[1].timezone: unknown time zone "Mars/Olympus" (expected an IANA name such as Europe/Berlin)',
      '4 digests[2].matchers[0]: matcher "team=~(": invalid regular expression: Invalid regular expression: /^(?:()$/: Unterminated group',
      '6 digests[4].name: digest "a" is already defined at digests[0]',
    ]);
  });

  test("one name in two files is an error; a channel no file defines is named", async () => {
    const a = join(dir, "a.yaml");
    const b = join(dir, "b.yaml");
    writeFileSync(a, "channels: [{ name: ops, type: webhook, url: 'http://127.0.0.1:9/' }]\ndigests: [{ name: daily, channels: [ops, pager] }]\n");
    writeFileSync(b, "digests: [{ name: daily, channels: [ops] }]\n");
    const r = await loadFiles([a, b], { env: {} });
    assert.deepEqual(r.problems.map((p) => `${p.file} ${p.path}: ${p.message}`), [`${b} digests[0].name: digest "daily" is also defined in ${a}`]);
    assert.deepEqual(digestChannelProblems(r.config, new Set(["ops"])), [{ severity: "error", file: a, path: "digests[0].channels[1]", message: 'no channel named "pager"' }]);
  });
});
