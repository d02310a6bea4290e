import assert from "node:assert/strict";
import { resolveAlerting } from "../alerting/config.ts";
import { digestChannelProblems } from "../alerting/digests.ts";
import { NOTIFIERS } from "../notifiers/registry.ts";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadFiles, loadText } from "./load.ts";
import type { Monitor } from "./model.ts";
import { type ConfigProblem, formatProblem } from "./problems.ts";

const fixture = (name: string) => fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url));
const errors = (r: { problems: ConfigProblem[] }) => r.problems.filter((p) => p.severity === "error");
const byId = (ms: Monitor[], id: string) => {
  const m = ms.find((x) => x.id === id);
  assert.ok(m, `monitor ${id} among ${ms.map((x) => x.id).join(", ")}`);
  return m;
};

const NATIVE = `
defaults:
  interval: 30s
  timeout: 5s
  labels: { team: core }
  alerts: [ops]
monitors:
  - name: Home page
    url: https://example.test/
groups:
  - name: Production
    interval: 10s
    labels: { env: prod }
    thresholds: { maxMs: 800 }
    groups:
      - name: EU West
        id: eu
        retries: 2
        thresholds: { degradedAboveMs: 300 }
        monitors:
          - name: API health
            type: http
            url: https://api.example.test/health
            labels: { team: api }
            alerts: [api-oncall]
          - id: custom-db
            name: Database
            url: tcp://db.example.test:5432
            interval: 2m
            paused: true
`;

describe("native configuration", () => {
  test("settings are inherited down nested groups and overridden below; ids derive from the path", () => {
    const r = loadText("upbeat.yaml", NATIVE, { env: {} });
    assert.deepEqual(r.problems, []);
    const home = byId(r.config.monitors, "home-page");
    assert.equal(home.settings.intervalMs, 30_000);
    assert.equal(home.settings.timeoutMs, 5_000);
    assert.equal(home.kind, "http");
    const api = byId(r.config.monitors, "production/eu/api-health");
    assert.equal(api.settings.intervalMs, 10_000);
    assert.equal(api.settings.timeoutMs, 5_000);
    assert.equal(api.settings.retries, 2);
    assert.deepEqual(api.settings.labels, { team: "api", env: "prod" });
    assert.deepEqual(api.settings.alerts, ["api-oncall"]);
    assert.deepEqual(api.settings.thresholds, { maxMs: 800, degradedAboveMs: 300 });
    assert.deepEqual(api.groupPath, ["Production", "EU West"]);
    const db = byId(r.config.monitors, "custom-db");
    assert.equal(db.kind, "tcp");
    assert.equal(db.settings.intervalMs, 120_000);
    assert.equal(db.settings.paused, true);
    assert.deepEqual(db.settings.alerts, ["ops"]);
    assert.equal(r.config.groups[0]?.groups[0]?.id, "production/eu");
  });

  test("defaults of the schema are applied to checks", () => {
    const r = loadText("u.yaml", "monitors: [{ name: a, url: 'http://x.test/' }]", { env: {} });
    const m = r.config.monitors[0];
    assert.ok(m && m.kind === "http");
    assert.equal(m.check.method, "GET");
    assert.equal(m.check.followRedirects, true);
    assert.equal(m.settings.intervalMs, 60_000);
    assert.equal(m.settings.failureThreshold, 1);
  });

  test("${VAR} and ${VAR:-default} come from the environment; an unset one is an error at its line", () => {
    const text = "monitors:\n  - name: a\n    url: https://x.test/?k=${API_KEY}\n    headers: { x-region: '${REGION:-eu}' }\n  - name: b\n    url: https://${MISSING_HOST}/\n";
    const r = loadText("u.yaml", text, { env: { API_KEY: "s3cret" } });
    const a = byId(r.config.monitors, "a");
    assert.ok(a.kind === "http");
    assert.equal(a.check.url, "https://x.test/?k=s3cret");
    assert.deepEqual(a.check.headers, { "x-region": "eu" });
    const e = errors(r);
    assert.equal(e.length, 1);
    assert.equal(e[0]?.line, 6);
    assert.match(e[0]?.message ?? "", /MISSING_HOST is not set/);
  });

  test("every problem is reported at once, each with path, line and column", () => {
    const text = [
      "defaults:",
      "  intervall: 30s", // 2: typo
      "monitors:",
      "  - name: a",
      "    url: https://x.test/",
      "    timeout: soon", // 6: bad duration
      "    expect:",
      "      status: [200, 2xy]", // 8: bad status
      "      bodyMatches: '(unclosed'", // 9: bad regex
      "  - name: b", // 10: no url or type
      "  - name: c",
      "    type: htp", // 12: unknown type
      "    url: http://x.test/",
      "groups:",
      "  - name: g",
      "    monitors:",
      "      - name: d",
      "        url: tcp://db.test", // 18: no port
      "        followRedirects: true", // 19: not a tcp key
    ].join("\n");
    const r = loadText("bad.yaml", text, { env: {} });
    const lines = errors(r).map((p) => `${p.line}:${p.path}`);
    assert.deepEqual(
      new Set(lines),
      new Set(["2:defaults.intervall", "6:monitors[0].timeout", "8:monitors[0].expect.status[1]", "9:monitors[0].expect.bodyMatches", "10:monitors[1]", "12:monitors[2].type", "18:groups[0].monitors[0].url", "19:groups[0].monitors[0].followRedirects"]),
      lines.join("\n"),
    );
    const typo = errors(r).find((p) => p.path === "defaults.intervall");
    assert.match(typo?.message ?? "", /did you mean "interval"\?/);
    assert.equal(typo?.column, 3);
    assert.match(formatProblem(typo as ConfigProblem), /^bad\.yaml:2:3 defaults\.intervall: unknown key/);
  });

  test("a tcp url without a port is refused once the rest of its monitor is valid", () => {
    const r = loadText("u.yaml", "monitors: [{ name: d, url: 'tcp://db.test' }]", { env: {} });
    assert.match(errors(r)[0]?.message ?? "", /needs a port/);
  });

  test("duplicate ids are refused, naming the first", () => {
    const r = loadText("u.yaml", "monitors:\n  - { name: A b, url: 'http://x.test/' }\n  - { name: a-b, url: 'http://y.test/' }\n", { env: {} });
    assert.match(errors(r)[0]?.message ?? "", /id "a-b" is already used at u\.yaml:2/);
  });

  test("JSON files are native too, with line numbers", () => {
    const r = loadText("u.json", '{\n  "monitors": [\n    { "name": "a", "url": "http://x.test/", "retries": -1 }\n  ]\n}\n', { env: {} });
    assert.equal(errors(r)[0]?.line, 3);
    assert.equal(errors(r)[0]?.path, "monitors[0].retries");
  });

  test("a syntax error is reported with its line", () => {
    const r = loadText("u.yaml", "monitors:\n  - name: a\n   url: x\n", { env: {} });
    assert.equal(errors(r).length, 1);
    assert.equal(errors(r)[0]?.line, 3);
  });

  test("the README's examples load without a problem", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);
    assert.ok(blocks.length >= 2, "README has yaml examples");
    const kinds: string[][] = [];
    for (const yaml of blocks) {
      const r = loadText("README.md", yaml, { env: { API_TOKEN: "t", PD_ROUTING_KEY: "k".repeat(32), SLACK_WEBHOOK_URL: "https://hooks.slack.invalid/services/T/B/X" } });
      assert.deepEqual(r.problems, [], yaml);
      assert.deepEqual(resolveAlerting(r.config, NOTIFIERS).problems, [], "channels and routes are valid");
      assert.deepEqual(digestChannelProblems(r.config, new Set((r.config.channels ?? []).map((c) => c.name))), [], "digests name channels that exist");
      kinds.push(r.config.monitors.map((m) => m.kind));
    }
    assert.deepEqual(kinds, [["heartbeat", "heartbeat", "heartbeat"], ["http", "tcp", "tls", "dns"], [], []], "the last two are maintenance windows and a digest");
  });

  test("an interval under 1s is refused", () => {
    const r = loadText("u.yaml", "monitors: [{ name: a, url: 'http://x.test/', interval: 500ms }]", { env: {} });
    assert.match(errors(r)[0]?.message ?? "", /at least 1s/);
  });
});

describe("Cupcake endpoint definitions", () => {
  test("the README example loads as-is: hierarchy as groups, every field kept", async () => {
    const r = await loadFiles([fixture("cupcake-endpoints.json")], { env: {} });
    assert.deepEqual(errors(r), []);
    assert.equal(r.config.monitors.length, 2);
    const web = byId(r.config.monitors, "customer-abc/production/external/website");
    assert.ok(web.kind === "http");
    assert.deepEqual(web.source.cupcakeKey, ["customer ABC", "production", "external", "website"]);
    assert.equal(web.check.expect?.statusRegex, "^[2]\\d\\d$");
    assert.equal(web.check.followRedirects, false);
    assert.equal(web.check.userAgent, "cupcake/1.0.0");
    assert.equal(web.check.traceId, "cupcake_trace_id");
    assert.equal(web.check.attemptArg, "cupcake_attempt");
    assert.equal(web.settings.retries, 3);
    assert.equal(web.settings.retryMode, "cupcake");
    assert.equal(web.settings.timeoutMs, 30_000);
    assert.deepEqual(web.settings.thresholds, { minMs: 0, maxMs: 200 });
    assert.deepEqual(web.source.cupcakeAlertGroups, ["default"]);
    assert.deepEqual(web.settings.alerts, [], "no alert definitions and no channel named default: routes decide");
    assert.deepEqual(web.groupPath, ["customer ABC", "production", "external"]);
    const redis = byId(r.config.monitors, "customer-abc/production/internal/redis");
    assert.equal(redis.kind, "tcp");
    assert.equal(redis.settings.timeoutMs, 10_000);
    assert.deepEqual(r.config.groups.map((g) => g.name), ["customer ABC"]);
    assert.deepEqual(r.config.groups[0]?.groups[0]?.groups.map((g) => g.id), ["customer-abc/production/external", "customer-abc/production/internal"]);
  });

  test("Cupcake's environment variables set timeout and interval; bad values are named", async () => {
    const r = await loadFiles([fixture("cupcake-endpoints.json")], { env: { CONNECTION_TIMEOUT_SECONDS: "4", SLEEP_SECONDS: "15" } });
    const redis = byId(r.config.monitors, "customer-abc/production/internal/redis");
    assert.equal(redis.settings.timeoutMs, 4000);
    assert.equal(redis.settings.intervalMs, 15_000);
    const bad = await loadFiles([fixture("cupcake-endpoints.json")], { env: { SUMMARY_ENABLED: "maybe", SLEEP_SECONDS: "x" } });
    assert.deepEqual(errors(bad).map((p) => p.path).sort(), ["SLEEP_SECONDS", "SUMMARY_ENABLED"]);
  });

  test("a file with five different mistakes reports all five with paths and lines", async () => {
    const r = await loadFiles([fixture("cupcake-five-mistakes.json")], { env: {} });
    const found = errors(r).map((p) => `${p.line} ${p.path}`);
    const base = "groups[0].environments[0].endpoint-groups[0]";
    assert.deepEqual(found, [
      `15 ${base}.enabled`,
      `17 ${base}.endpoints[0].expected`,
      `18 ${base}.endpoints[1].url`,
      `19 ${base}.endpoints[2].threshold.max`,
      `20 ${base}.endpoints[3].retry`,
    ]);
    const warning = r.problems.find((p) => p.severity === "warning");
    assert.match(warning?.message ?? "", /unknown key "expect"; did you mean "expected"\?/);
  });

  const oneGroup = (enabled: unknown, extra = "") =>
    JSON.stringify({
      "@type": "endpoint-definitions",
      groups: [{ id: "g", "alert-groups": ["a"], environments: [{ id: "e", "endpoint-groups": [{ id: "p", ...(enabled === undefined ? {} : { enabled }), endpoints: [{ id: "x", url: "http://127.0.0.1:9/", ...(extra ? { "alert-groups": [extra] } : {}) }] }] }] }],
    });

  test('enabled: "true", true and absent enable; "false" and false pause', () => {
    for (const [flag, paused] of [["true", false], [true, false], [undefined, false], ["false", true], [false, true]] as const) {
      const r = loadText("c.json", oneGroup(flag), { env: {} });
      assert.equal(r.config.monitors[0]?.settings.paused, paused, `enabled ${String(flag)}`);
    }
  });

  test("alert-groups: the most specific level wins", () => {
    assert.deepEqual(loadText("c.json", oneGroup("true"), { env: {} }).config.monitors[0]?.settings.alerts, ["a"]);
    assert.deepEqual(loadText("c.json", oneGroup("true", "b"), { env: {} }).config.monitors[0]?.settings.alerts, ["b"]);
  });

  test("a scheme Cupcake never probes is a warning, not a monitor", () => {
    const text = oneGroup("true").replace("http://127.0.0.1:9/", "ftp://files.test/");
    const r = loadText("c.json", text, { env: {} });
    assert.equal(r.config.monitors.length, 0);
    assert.match(r.problems[0]?.message ?? "", /never probed/);
    assert.equal(r.problems[0]?.severity, "warning");
  });
});
