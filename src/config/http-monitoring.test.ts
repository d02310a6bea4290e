import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { DEFAULT_HTTP_MONITORING, httpMonitoringChannelProblems } from "./http-monitoring.ts";
import { loadFiles, loadText } from "./load.ts";

const load = (text: string) => loadText("upbeat.yaml", text, { env: {} });
const messages = (text: string) => load(text).problems.map((p) => `${p.path}: ${p.message}`);

test("the metrics and httpMonitoring sections in base units", () => {
  const { config, problems } = load(`
metrics: { enabled: false, token: "a-long-token" }
httpMonitoring: { basePath: /hm/, access: authenticated, emailChannels: [mail], interval: 2m, timeout: 3s, expectedStatus: 204, retries: 2, backoffFactor: 0.5, retryStatuses: [502, 503], workerThreads: 2, queueSize: 9, maxTargets: 50 }
`);
  assert.deepEqual(problems, []);
  assert.deepEqual(config.metrics, { enabled: false, token: "a-long-token", file: "upbeat.yaml" });
  assert.deepEqual(config.httpMonitoring, { enabled: true, basePath: "/hm", access: "authenticated", emailChannels: ["mail"], intervalMs: 120_000, timeoutMs: 3000, expectedStatus: 204, retries: 2, backoffFactor: 0.5, retryStatuses: [502, 503], workerThreads: 2, queueSize: 9, maxTargets: 50, file: "upbeat.yaml" });
  assert.deepEqual({ ...load("httpMonitoring: {}").config.httpMonitoring, file: "" }, DEFAULT_HTTP_MONITORING, "an empty section is the seed's defaults");
  assert.equal(load("monitors: []").config.metrics, undefined);
});

test("mistakes in the sections are reported with their path", () => {
  const cases: Array<[string, RegExp]> = [
    ["metrics: { token: short }", /^metrics\.token/],
    ["metrics: { public: true }", /^metrics/],
    ["httpMonitoring: { retryStatuses: [500] }", /^httpMonitoring\.retryStatuses\[0\]/],
    ["httpMonitoring: { retries: 4 }", /^httpMonitoring\.retries/],
    ["httpMonitoring: { basePath: /api/compat }", /^httpMonitoring\.basePath: .*\/api/],
    ["httpMonitoring: { basePath: no-slash }", /^httpMonitoring\.basePath/],
    ["httpMonitoring: { access: anyone }", /^httpMonitoring\.access/],
    ["httpMonitoring: { interval: 500ms }", /^httpMonitoring\.interval: .*at least 1s/],
  ];
  for (const [text, why] of cases) assert.ok(messages(text).some((m) => why.test(m)), `${text}: ${messages(text).join(" | ")}`);
});

test("each section is set in one file only; emailChannels must name channels", async () => {
  const dir = mkdtempSync(join(tmpdir(), "upbeat-cfg-"));
  try {
    writeFileSync(join(dir, "a.yaml"), "metrics: { enabled: true }\nhttpMonitoring: {}\n");
    writeFileSync(join(dir, "b.yaml"), "metrics: { enabled: false }\n");
    const { problems } = await loadFiles([join(dir, "a.yaml"), join(dir, "b.yaml")], { env: {} });
    assert.ok(problems.some((p) => p.path === "metrics" && /also set in/.test(p.message)), JSON.stringify(problems));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const c = { ...DEFAULT_HTTP_MONITORING, emailChannels: ["mail", "nope"], file: "x.yaml" };
  assert.deepEqual(httpMonitoringChannelProblems(c, new Set(["mail"])).map((p) => `${p.path}: ${p.message}`), ['httpMonitoring.emailChannels[1]: no channel named "nope"']);
});
