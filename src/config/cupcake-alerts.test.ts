import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { resolveAlerting } from "../alerting/config.ts";
import { NOTIFIERS } from "../notifiers/registry.ts";
import { loadFiles, loadText } from "./load.ts";
import type { ConfigProblem } from "./problems.ts";

const fixture = (name: string) => fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url));
const ENDPOINTS = fixture("cupcake-endpoints.json");
const ALERTS = fixture("cupcake-alerts.json");
const errors = (ps: ConfigProblem[]) => ps.filter((p) => p.severity === "error");
const warnings = (ps: ConfigProblem[]) => ps.filter((p) => p.severity === "warning");

const dir = mkdtempSync(join(tmpdir(), "upbeat-cupcake-alerts-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(value: unknown): string {
  const f = join(dir, `f${n++}.json`);
  writeFileSync(f, typeof value === "string" ? value : JSON.stringify(value, null, 2));
  return f;
}

/** An endpoints file with one endpoint per entry of `groups` (its `alert-groups`, or none). */
function endpoints(groups: Array<string[] | undefined>): unknown {
  const eps = groups.map((g, i) => ({ id: `e${i}`, url: `http://127.0.0.1:9/${i}`, ...(g ? { "alert-groups": g } : {}) }));
  return { "@type": "endpoint-definitions", groups: [{ id: "g", environments: [{ id: "env", "endpoint-groups": [{ id: "p", enabled: "true", endpoints: eps }] }] }] };
}

describe("Cupcake alert definitions", () => {
  test("ALERT_DEFINITIONS_FILE: the README's alerts become channels; endpoints without alert-groups alert the group default", async () => {
    const r = await loadFiles([ENDPOINTS], { env: { ALERT_DEFINITIONS_FILE: ALERTS } });
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.config.files, [ENDPOINTS, ALERTS]);
    assert.deepEqual(
      r.config.channels?.map((c) => [c.name, c.type, c.settings, c.file, c.path]),
      [
        ["cupcake-my-slack-channel", "slack", { url: "https://hooks.slack.com/services/xxx/yyy/zzz" }, ALERTS, "alerts[0]"],
        ["cupcake-my-aws-list", "sns", { topicArn: "arn:aws:sns:eu-west-1:123456789012:cupcake-alerts", region: "eu-west-1" }, ALERTS, "alerts[1]"],
      ],
    );
    assert.deepEqual([...(r.config.cupcakeAlerts?.groups ?? [])], [
      ["default", ["cupcake-my-slack-channel", "cupcake-my-aws-list"]],
      ["summary", ["cupcake-my-slack-channel"]],
      ["mysite", ["cupcake-my-slack-channel"]],
    ]);
    for (const m of r.config.monitors) {
      assert.deepEqual(m.source.cupcakeAlertGroups, ["default"]);
      assert.deepEqual(m.settings.alerts, ["cupcake-my-slack-channel", "cupcake-my-aws-list"]);
    }
    const alerting = resolveAlerting(r.config, NOTIFIERS);
    assert.deepEqual(alerting.problems, []);
    assert.deepEqual([...alerting.alerting.channels.keys()], ["cupcake-my-slack-channel", "cupcake-my-aws-list"]);
  });

  test("a file passed among the config files is told by its @type; alert-slack-webhook is Slack too; a second alerts file is an error", async () => {
    const alerts = file({ "@type": "alert-definitions", groups: [{ id: "ops", alerts: ["hook"] }], alerts: [{ "@type": "alert-slack-webhook", id: "hook", url: "http://127.0.0.1:9/hook" }] });
    const r = await loadFiles([alerts, file(endpoints([["ops"], ["ops", "ops"]]))], { env: {} });
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.config.channels?.map((c) => [c.name, c.type]), [["cupcake-hook", "slack"]]);
    assert.deepEqual(r.config.monitors.map((m) => m.settings.alerts), [["cupcake-hook"], ["cupcake-hook"]]);
    const twice = await loadFiles([alerts, file({ "@type": "alert-definitions", groups: [], alerts: [] })], { env: {} });
    assert.match(errors(twice.problems)[0]?.message ?? "", /alert definitions are also given in .*f\d+\.json; give one file/);
  });

  test("bad shapes are errors with file, path and line; an unknown @type is a warning naming where it is", async () => {
    const text = `{
  "@type": "alert-definitions",
  "groups": [
    { "id": "default", "alerts": "hook" },
    { "alerts": ["hook"] }
  ],
  "alerts": [
    { "@type": "alert-slack-webhook", "id": "hook" },
    { "@type": "alert-sns", "id": "aws", "arn": "xxx" },
    { "@type": "alert-email", "id": "mail", "to": "ops@example.test" },
    { "id": "typeless", "url": "http://127.0.0.1:9/" },
    { "@type": "alert-slack", "id": "hook", "url": "http://127.0.0.1:9/" },
    { "@type": "alert-slack", "id": "ok", "url": "ftp://127.0.0.1/" , "channel": "#ops" }
  ]
}`;
    const f = file(text);
    const r = await loadFiles([f], { env: {} });
    assert.deepEqual(errors(r.problems).map((p) => `${p.file}:${p.line} ${p.path}: ${p.message}`), [
      `${f}:4 groups[0].alerts: expected array, got "hook"`,
      `${f}:5 groups[1].id: is required`,
      `${f}:8 alerts[0].url: is required`,
      `${f}:9 alerts[1].arn: arn must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>), got "xxx"`,
      `${f}:11 alerts[3].@type: is required`,
      `${f}:12 alerts[4].id: alert id "hook" is already used at alerts[0]`,
      `${f}:13 alerts[5].url: url must be an http:// or https:// webhook URL, got "ftp://127.0.0.1/"`,
    ]);
    assert.deepEqual(warnings(r.problems).map((p) => `${p.line} ${p.path}: ${p.message}`), [
      `10 alerts[2].@type: alert type "alert-email" is ignored (Cupcake sends alert-slack-webhook, alert-slack and alert-sns)`,
      `13 alerts[5].channel: unknown key "channel"; expected one of: @type, id, url`,
    ]);
  });

  test("a group naming an alert the file lacks, and endpoints naming a group it lacks, are warnings; they send nowhere", async () => {
    const alerts = file({ "@type": "alert-definitions", groups: [{ id: "default", alerts: ["hook", "gone"] }], alerts: [{ "@type": "alert-slack", id: "hook", url: "http://127.0.0.1:9/" }] });
    const eps = file(endpoints([undefined, ["nope"], ["nope", "default"]]));
    const r = await loadFiles([eps], { env: { ALERT_DEFINITIONS_FILE: alerts } });
    assert.deepEqual(errors(r.problems), []);
    assert.deepEqual(warnings(r.problems).map((p) => `${p.file} ${p.path}: ${p.message}`), [
      `${alerts} groups[0].alerts[1]: no alert with id "gone" in this file; Cupcake skipped it`,
      `${eps} groups[0].environments[0].endpoint-groups[0].endpoints[1]: alert group "nope" is not defined in ${alerts} (2 endpoints name it); Cupcake sent their alerts nowhere, Upbeat sends them through routes (nowhere when there are none)`,
    ]);
    assert.deepEqual(r.config.monitors.map((m) => m.settings.alerts), [["cupcake-hook"], [], ["cupcake-hook"]]);
  });

  test("without an alerts file, group ids that name a configured channel are kept and the others dropped (routes decide)", async () => {
    const native = file("channels:\n  - { name: ops, type: webhook, url: 'http://127.0.0.1:9/' }\n");
    const r = await loadFiles([native, file(endpoints([undefined, ["ops", "other"]]))], { env: {} });
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.config.monitors.map((m) => [m.source.cupcakeAlertGroups, m.settings.alerts]), [[["default"], []], [["ops", "other"], ["ops"]]]);
  });

  test("SNS alerts take the endpoint and keys from the standard AWS variables; a missing ALERT_DEFINITIONS_FILE is an error naming it", async () => {
    const env = { AWS_ENDPOINT_URL_SNS: "http://127.0.0.1:4566", AWS_ACCESS_KEY_ID: "AKIDTEST", AWS_SECRET_ACCESS_KEY: "secret" };
    const r = loadText("alerts.json", JSON.stringify({ "@type": "alert-definitions", groups: [], alerts: [{ "@type": "alert-sns", id: "aws", arn: "arn:aws:sns:eu-west-1:1:t" }] }), { env });
    assert.deepEqual(r.config.channels?.[0]?.settings, { topicArn: "arn:aws:sns:eu-west-1:1:t", endpoint: "http://127.0.0.1:4566", accessKeyId: "AKIDTEST", secretAccessKey: "secret" });
    const missing = join(dir, "nowhere.json");
    const m = await loadFiles([ENDPOINTS], { env: { ALERT_DEFINITIONS_FILE: missing } });
    assert.equal(errors(m.problems)[0]?.file, missing);
    assert.match(errors(m.problems)[0]?.message ?? "", /cannot read the file: .*ENOENT/);
  });
});
