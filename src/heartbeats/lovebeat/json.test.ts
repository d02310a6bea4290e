import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { alarmJson, alarmsJson, apiService, goJson, goJsonCompact, goString, serviceJson, servicesJson, statusJson, statusText, versionJson, versionText } from "./json.ts";
import type { LovebeatServiceRecord } from "./model.ts";

const svc = (over: Partial<LovebeatServiceRecord> = {}): LovebeatServiceRecord => ({
  name: "a.b",
  last_beat: 1700000000000,
  timeout: -1,
  state: "ok",
  muted_since: 0,
  last_state_change: 1700000000000,
  ...over,
});

describe("Go JSON encoding (compat §6)", () => {
  test("MarshalIndent layout with two spaces and a final newline", () => {
    assert.equal(goJson({ a: 1, b: [1, 2], c: {}, d: [], e: { f: "x" } }), '{\n  "a": 1,\n  "b": [\n    1,\n    2\n  ],\n  "c": {},\n  "d": [],\n  "e": {\n    "f": "x"\n  }\n}\n');
    assert.equal(goJson([]), "[]\n");
    assert.equal(goJson({ skip: undefined, n: null }), '{\n  "n": null\n}\n');
    assert.equal(goJsonCompact({ a: [1, { b: true }], c: "x" }), '{"a":[1,{"b":true}],"c":"x"}');
  });

  test("Go's escaping: <, >, & as \\u003c \\u003e \\u0026, control characters as \\u00xx", () => {
    assert.equal(goString("<a>&b"), '"\\u003ca\\u003e\\u0026b"');
    assert.equal(goString('q"\\'), '"q\\"\\\\"');
    assert.equal(goString("\n\r\t\b\f\u0001\u001f\u007f"), '"\\n\\r\\t\\u0008\\u000c\\u0001\\u001f\u007f"');
    assert.equal(goString("\u2028\u2029é😀"), '"\\u2028\\u2029é😀"');
    assert.equal(goString("x\ud800y\udc00"), '"x\\ufffdy\\ufffd"');
    assert.equal(goJsonCompact({ "<k>": "v" }), '{"\\u003ck\\u003e":"v"}');
    assert.deepEqual(JSON.parse(goString("<a>&b\u2028\b")), "<a>&b\u2028\b");
  });

  test("numbers as Go prints integers and floats", () => {
    assert.equal(goJsonCompact([0, -1, -2, 1700000000000, 1.5, 1e21, 1e-7, Number.NaN]), "[0,-1,-2,1700000000000,1.5,1e+21,1e-7,null]");
  });
});

describe("API replies (compat §2.5)", () => {
  test("service: beat_history removed, in_alarms omitted when empty, Go field order", () => {
    const body = serviceJson(svc({ beat_history: [1000, 2000], in_alarms: [] }), 1700000001000);
    assert.equal(
      body,
      '{\n  "service": {\n    "name": "a.b",\n    "last_beat": 1700000000000,\n    "timeout": -1,\n    "state": "ok",\n    "muted_since": 0,\n    "last_state_change": 1700000000000\n  },\n  "now": 1700000001000\n}\n',
    );
    const withAlarms = JSON.parse(serviceJson(svc({ in_alarms: ["server-alpha"] }), 1)) as { service: Record<string, unknown> };
    assert.deepEqual(withAlarms.service.in_alarms, ["server-alpha"]);
  });

  test("L-analysis: analysis added with ≥ 10 intervals, after the service fields", () => {
    const history = Array.from({ length: 10 }, () => 2000);
    const s = apiService(svc({ beat_history: history }));
    assert.deepEqual(s.analysis, { lower: 2, upper: 2, percentage: 90 });
    assert.deepEqual(Object.keys(s), ["name", "last_beat", "timeout", "state", "muted_since", "last_state_change", "analysis"]);
    assert.deepEqual(Object.keys(apiService(svc({ in_alarms: ["a"] }))), ["name", "last_beat", "timeout", "state", "muted_since", "last_state_change", "in_alarms"]);
    assert.equal("beat_history" in JSON.parse(serviceJson(svc({ beat_history: history }), 0)).service, false);
    assert.equal(apiService(svc({ beat_history: history.slice(1) })).analysis, undefined);
  });

  test("lists and alarms", () => {
    assert.equal(servicesJson([], 5), '{\n  "services": [],\n  "now": 5\n}\n');
    const alarm = { name: "server-alpha", state: "error" as const, incident_nbr: 1, failed_services: null, last_state_change: 9 };
    assert.equal(alarmsJson([alarm], 5), '{\n  "alarms": [\n    {\n      "name": "server-alpha",\n      "state": "error",\n      "incident_nbr": 1,\n      "failed_services": [],\n      "last_state_change": 9\n    }\n  ],\n  "now": 5\n}\n');
    const one = JSON.parse(alarmJson({ ...alarm, failed_services: ["app.alpha.health"] }, [svc({ name: "app.alpha.health", state: "error" })], 7)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(one), ["alarm", "services", "now"]);
    assert.deepEqual((one.alarm as Record<string, unknown>).failed_services, ["app.alpha.health"]);
  });

  test("L-timeout-expiry / L-status-json: status bodies", () => {
    assert.equal(statusText(0, 1), "num_ok 0\nnum_error 1\nhas_error true\ngood false\n");
    assert.equal(statusText(3, 0), "num_ok 3\nnum_error 0\nhas_error false\ngood true\n");
    assert.equal(statusJson(0, 1), '{\n  "num_ok": 0,\n  "num_error": 1,\n  "has_error": true,\n  "good": false\n}\n');
  });

  test("L-version", () => {
    assert.equal(versionText("1.0.3"), "1.0.3\n");
    assert.equal(versionJson("1.0.3"), '{\n  "version": "1.0.3"\n}\n');
  });
});
