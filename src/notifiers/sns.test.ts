import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { closedPort, startHttpServer, type TestServer } from "../../test/helpers/http-server.ts";
import { classifySnsError, publishInput, pythonJsonDumps, type SnsSettingsInput, snsNotifier, snsSubject } from "./sns.ts";
import type { ChannelContext, Notification } from "./types.ts";

const sample = (over: Partial<Notification> = {}): Notification => ({
  kind: "incident.opened",
  severity: "critical",
  title: "DOWN: shop / checkout (HTTP 503)",
  text: "checkout is down.",
  monitors: [{ id: "shop/checkout", name: "checkout", status: "down", group: ["shop"], cause: "HTTP 503", incident: 4, labels: {} }],
  at: Date.UTC(2026, 0, 2, 3, 4, 5),
  dedupKey: "upbeat:shop/checkout:4",
  idempotencyKey: "upbeat:shop/checkout:4:opened:sns",
  ...over,
});

// Cupcake's incident dict (compat §1.6), as its models.py fills it for a new incident.
const cupcakeIncident = {
  url: "https://shop.example/health?trace=1",
  timestamp: 1767323045.25,
  message: "prod eu shop health https://shop.example/health?trace=1 expected 200, actual: 503",
  presentation_message: "result was BAD, actual: 503",
  result: { result: false, message: "BAD", actual: "503" },
  expected: "200",
  environment_group: "prod",
  environment: "eu",
  endpoint_group: "shop",
  endpoint: "health",
};
// Written by CPython 3: json.dumps(incident, indent=4, sort_keys=True).
const cupcakeExpected =
  '{\n    "endpoint": "health",\n    "endpoint_group": "shop",\n    "environment": "eu",\n    "environment_group": "prod",\n    "expected": "200",\n    "message": "prod eu shop health https://shop.example/health?trace=1 expected 200, actual: 503",\n    "presentation_message": "result was BAD, actual: 503",\n    "result": {\n        "actual": "503",\n        "message": "BAD",\n        "result": false\n    },\n    "timestamp": 1767323045.25,\n    "url": "https://shop.example/health?trace=1"\n}';

const ctx = (): ChannelContext => ({ signal: AbortSignal.timeout(10_000), now: () => Date.now() });

describe("pythonJsonDumps", () => {
  test("matches CPython's json.dumps(indent=4, sort_keys=True) byte for byte", () => {
    assert.equal(pythonJsonDumps(cupcakeIncident), cupcakeExpected);
    const recovery = { ...cupcakeIncident, timestamp: "2026-01-02T03:04:05.250000", message: "prod eu shop health https://shop.example/health?trace=1 now OK after 1 minute, 5 seconds\n", presentation_message: "result was OK" };
    assert.equal(
      pythonJsonDumps(recovery),
      '{\n    "endpoint": "health",\n    "endpoint_group": "shop",\n    "environment": "eu",\n    "environment_group": "prod",\n    "expected": "200",\n    "message": "prod eu shop health https://shop.example/health?trace=1 now OK after 1 minute, 5 seconds\\n",\n    "presentation_message": "result was OK",\n    "result": {\n        "actual": "503",\n        "message": "BAD",\n        "result": false\n    },\n    "timestamp": "2026-01-02T03:04:05.250000",\n    "url": "https://shop.example/health?trace=1"\n}',
    );
  });

  test("empty containers, literals, escapes (ensure_ascii), keys sorted by code point", () => {
    const v = { z: 1, a: [true, false, null, [], {}], "\ufb01": "x", "\u{1f600}": "y", é: '\u007f"\\/\b\f\n\r\t\u0000\u001f' };
    assert.equal(
      pythonJsonDumps(v),
      '{\n    "a": [\n        true,\n        false,\n        null,\n        [],\n        {}\n    ],\n    "z": 1,\n    "\\u00e9": "\\u007f\\"\\\\/\\b\\f\\n\\r\\t\\u0000\\u001f",\n    "\\ufb01": "x",\n    "\\ud83d\\ude00": "y"\n}',
    );
    assert.equal(pythonJsonDumps({}), "{}");
    assert.equal(pythonJsonDumps([]), "[]");
    assert.equal(pythonJsonDumps({ a: undefined, b: [undefined] }), '{\n    "b": [\n        null\n    ]\n}');
  });

  test("floats as Python's repr writes them", () => {
    const cases: [number, string][] = [
      [0.1, "0.1"],
      [1 / 3, "0.3333333333333333"],
      [1e-5, "1e-05"],
      [0.0001, "0.0001"],
      [1.2345678901234568e17, "1.2345678901234568e+17"],
      [1e16, "1e+16"],
      [2.5e-300, "2.5e-300"],
      [1.7976931348623157e308, "1.7976931348623157e+308"],
      [5e-324, "5e-324"],
      [-1.5e-7, "-1.5e-07"],
      [1767323045.25, "1767323045.25"],
      [0.3 + 0.6, "0.8999999999999999"],
      [NaN, "NaN"],
      [-Infinity, "-Infinity"],
      [42, "42"],
    ];
    for (const [v, py] of cases) assert.equal(pythonJsonDumps(v), py, String(v));
  });
});

describe("sns channel", () => {
  let sns: TestServer;
  let reply: { status: number; body: string } = { status: 200, body: "" };
  const ok = '<PublishResponse xmlns="https://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>567910cd-659e-55d4-8ccb-5aaf14679dc0</MessageId></PublishResult><ResponseMetadata><RequestId>d74b8436-ae13-5ab4-a9ff-ce54dfea72a0</RequestId></ResponseMetadata></PublishResponse>';
  const error = (type: string, code: string, message: string) =>
    `<ErrorResponse xmlns="https://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>9a1b2c3d</RequestId></ErrorResponse>`;
  before(async () => {
    sns = await startHttpServer((_req, res) => res.writeHead(reply.status, { "content-type": "text/xml" }).end(reply.body));
  });
  after(() => sns.close());
  const settings = (over: Partial<SnsSettingsInput> = {}): SnsSettingsInput => ({
    topicArn: "arn:aws:sns:eu-west-1:123456789012:alerts",
    endpoint: sns.url,
    accessKeyId: "AKIDUPBEATTEST",
    secretAccessKey: "test-secret-key",
    ...over,
  });

  test("C-sns-shape: a Cupcake incident is the documented Publish call with Cupcake's JSON, signed with SigV4", async () => {
    reply = { status: 200, body: ok };
    const r = await snsNotifier.send(settings(), sample({ compat: { tool: "cupcake", message: cupcakeIncident.message, incident: cupcakeIncident } }), ctx());
    assert.deepEqual(r, { ok: true, detail: "published as 567910cd-659e-55d4-8ccb-5aaf14679dc0" });
    const req = sns.requests.at(-1);
    assert.equal(req?.method, "POST");
    assert.equal(req?.url, "/");
    assert.match(String(req?.headers["content-type"]), /^application\/x-www-form-urlencoded/);
    const form = new URLSearchParams(req?.body);
    assert.equal(form.get("Action"), "Publish");
    assert.equal(form.get("Version"), "2010-03-31");
    assert.equal(form.get("TopicArn"), "arn:aws:sns:eu-west-1:123456789012:alerts");
    assert.equal(form.get("Message"), cupcakeExpected);
    assert.equal(form.has("Subject"), false);
    assert.match(String(req?.headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKIDUPBEATTEST\/\d{8}\/eu-west-1\/sns\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/);
    assert.match(String(req?.headers["x-amz-date"]), /^\d{8}T\d{6}Z$/);
  });

  test("a native notification is published as JSON with a subject", async () => {
    reply = { status: 200, body: ok };
    const n = sample();
    const r = await snsNotifier.send(settings({ region: "eu-west-1" }), n, ctx());
    assert.equal(r.ok, true);
    const form = new URLSearchParams(sns.requests.at(-1)?.body);
    assert.deepEqual(JSON.parse(form.get("Message") ?? ""), n);
    assert.equal(form.get("Subject"), "DOWN: shop / checkout (HTTP 503)");
  });

  test("500 is retryable (the SDK does not retry by itself); a missing topic is final", async () => {
    reply = { status: 500, body: error("Receiver", "InternalError", "We encountered an internal error.") };
    const before = sns.requests.length;
    const busy = await snsNotifier.send(settings(), sample(), ctx());
    assert.equal(sns.requests.length - before, 1, "one attempt only");
    assert.equal(busy.ok, false);
    assert.equal(!busy.ok && busy.retryable, true);
    assert.match(!busy.ok ? busy.error : "", /^SNS HTTP 500 InternalError/);
    reply = { status: 404, body: error("Sender", "NotFound", "Topic does not exist") };
    const missing = await snsNotifier.send(settings(), sample(), ctx());
    assert.equal(!missing.ok && missing.retryable, false);
    assert.match(!missing.ok ? missing.error : "", /HTTP 404 NotFound(Exception)?: Topic does not exist/);
    assert.doesNotMatch(!missing.ok ? missing.error : "", /test-secret-key/);
    reply = { status: 400, body: error("Sender", "Throttling", "Rate exceeded") };
    const throttled = await snsNotifier.send(settings(), sample(), ctx());
    assert.equal(!throttled.ok && throttled.retryable, true);
  });

  test("an unreachable endpoint is retryable; half credentials are a final error", async () => {
    const down = await snsNotifier.send(settings({ endpoint: `http://127.0.0.1:${await closedPort()}` }), sample(), ctx());
    assert.equal(!down.ok && down.retryable, true);
    const half = await snsNotifier.send(settings({ secretAccessKey: undefined }), sample(), ctx());
    assert.deepEqual(half, { ok: false, retryable: false, error: "accessKeyId and secretAccessKey must be given together" });
  });

  test("subjects, FIFO ids and error classification", () => {
    assert.equal(snsSubject("a\nb\tc  d"), "a b c d");
    assert.equal(snsSubject(" \n "), undefined);
    const long = snsSubject("x".repeat(150)) ?? "";
    assert.equal(Array.from(long).length, 99);
    const fifo = publishInput(settings({ topicArn: "arn:aws:sns:eu-west-1:123456789012:alerts.fifo" }), sample({ idempotencyKey: "k".repeat(200) }));
    assert.equal(fifo.MessageGroupId, "upbeat:shop/checkout:4");
    assert.match(fifo.MessageDeduplicationId ?? "", /^[0-9a-f]{64}$/);
    assert.equal(classifySnsError(new Error("x"), true).ok, false);
    assert.deepEqual(classifySnsError(Object.assign(new Error("denied"), { name: "AuthorizationError", $metadata: { httpStatusCode: 403 } }), false), {
      ok: false,
      retryable: false,
      error: "SNS HTTP 403 AuthorizationError: denied",
    });
  });
});
