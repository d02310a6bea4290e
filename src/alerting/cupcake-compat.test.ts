/**
 * Cupcake's compatibility cases (compat §7, cases 1–18) through the real parts: Cupcake's files
 * read from the environment, the engine on a real SQLite store probing a real HTTP server on
 * loopback, the alert definitions' channels posting to a real webhook capture (or publishing to
 * a local SNS endpoint), and Cupcake's summary. Cycles are SLEEP_SECONDS on a fake clock.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:net";
import { after, before, describe, test } from "node:test";
import BetterSqlite3 from "better-sqlite3";
import { cupcakeDir, type CupcakeUnderTest, firstRunAt, startCupcakeUnderTest } from "../../test/helpers/cupcake.ts";
import { FakeClock } from "../../test/helpers/fake-clock.ts";
import { closedPort, startHttpServer, type TestServer } from "../../test/helpers/http-server.ts";
import { sqliteStore } from "../../test/helpers/stores.ts";
import { emptyBatch, type Store } from "../store/types.ts";

const REPR = "customer ABC production external";
const WEB = "customer-abc/production/external/web";
const EXPECTED = "^[2]\\d\\d$";
type Obj = Record<string, unknown>;

/** Cupcake's endpoint file: `customer ABC` / `production` / `external` holding `eps`. */
function endpointDefs(eps: Obj[], o: { enabled?: unknown; envAlertGroups?: string[]; more?: Obj[] } = {}): Obj {
  const group = { "@type": "endpoint-group", id: "external", ...(o.enabled === undefined ? { enabled: "true" } : { enabled: o.enabled }), endpoints: eps };
  const env = { "@type": "environment", id: "production", ...(o.envAlertGroups ? { "alert-groups": o.envAlertGroups } : {}), "endpoint-groups": [group, ...(o.more ?? [])] };
  return { "@type": "endpoint-definitions", groups: [{ "@type": "environment-group", id: "customer ABC", environments: [env] }] };
}

/** Cupcake's alert file: each group's alerts are Slack webhooks posting to the given URLs. */
function alertDefs(groups: Record<string, string[]>, hooks: Record<string, string>): Obj {
  return {
    "@type": "alert-definitions",
    groups: Object.entries(groups).map(([id, alerts]) => ({ "@type": "alert-group", id, alerts })),
    alerts: Object.entries(hooks).map(([id, url]) => ({ "@type": "alert-slack-webhook", id, url })),
  };
}

/** Cupcake's Slack body, as python-requests sends `json={"text": …, "link_names": 1}`. */
const slackBody = (text: string) => `{"text": ${JSON.stringify(text)}, "link_names": 1}`;
const texts = (hook: TestServer) => hook.requests.map((r) => (JSON.parse(r.body) as { text: string }).text);

const activeRows = (store: Store) => store.cupcakeActives();

describe("Cupcake compatibility (compat §7)", () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  /** The probed endpoint: `/ok` answers `status`; `/hang` never answers; `/slow` answers 200 after 300 ms; `/s/<code>` answers that code. */
  let status = 200;
  let target: TestServer;
  let hook: TestServer;
  before(async () => {
    target = await startHttpServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (path === "/hang") return;
      if (path === "/slow") return void setTimeout(() => res.writeHead(200).end("ok"), 300);
      const code = /^\/s\/(\d{3})$/.exec(path)?.[1];
      res.writeHead(code ? Number(code) : status).end();
    });
    hook = await startHttpServer((_q, res) => res.writeHead(200).end("ok"));
    cleanups.push(target.close, hook.close);
  });

  /** Starts an instance on a fresh store; `before` may fill the store first. */
  async function start(o: { endpoints: Obj; alerts?: Obj; env?: Record<string, string>; before?: (s: Store, clock: FakeClock) => Promise<void> }): Promise<CupcakeUnderTest & { reopen(): Promise<CupcakeUnderTest> }> {
    hook.requests.length = 0;
    target.requests.length = 0;
    status = 200;
    const db = await sqliteStore();
    const { dir, cleanup } = cupcakeDir();
    const clock = new FakeClock();
    await o.before?.(db.store, clock);
    const alerts = o.alerts ?? alertDefs({ default: ["hook"] }, { hook: `${hook.url}/hook` });
    const run = await startCupcakeUnderTest({ dir, store: db.store, clock, endpoints: o.endpoints, alerts, ...(o.env ? { env: o.env } : {}) });
    const running = [run];
    cleanups.push(cleanup, db.cleanup, async () => {
      for (const r of running) await r.stop();
    });
    return Object.assign(run, {
      async reopen() {
        await run.stop();
        const again = await startCupcakeUnderTest({ dir, store: await db.reopen(), clock, endpoints: o.endpoints, alerts, ...(o.env ? { env: o.env } : {}) });
        running.push(again);
        return again;
      },
    });
  }

  const web = (over: Obj = {}): Obj => ({ "@type": "endpoint", id: "web", url: `${target.url}/ok`, expected: EXPECTED, ...over });

  test("1 C-OK: a 200 alerts nobody and leaves the active table empty", async () => {
    const t = await start({ endpoints: endpointDefs([web()]) });
    await t.cycle();
    assert.equal(target.requests.length, 1);
    assert.equal(hook.requests.length, 0);
    assert.deepEqual(await activeRows(t.store), []);
  });

  test("2 C-FAIL-status: a 503 posts Cupcake's exact Slack body once to the endpoint's alert group and writes the active row", async () => {
    const t = await start({ endpoints: endpointDefs([web({ "alert-groups": ["ops"] })]), alerts: alertDefs({ default: [], ops: ["hook"] }, { hook: `${hook.url}/hook` }) });
    status = 503;
    await t.cycle();
    const message = `${REPR} web ${target.url}/ok expected ^[2]\\d\\d$, actual: 503`;
    assert.equal(hook.requests.length, 1);
    assert.equal(hook.requests[0]?.method, "POST");
    assert.equal(hook.requests[0]?.url, "/hook");
    assert.equal(hook.requests[0]?.headers["content-type"], "application/json");
    assert.equal(hook.requests[0]?.body, slackBody(message));
    assert.equal(hook.requests[0]?.body, `{"text": "customer ABC production external web ${target.url}/ok expected ^[2]\\\\d\\\\d$, actual: 503", "link_names": 1}`);
    const rows = await activeRows(t.store);
    assert.deepEqual(rows.map((r) => [r.key, r.message, r.url]), [[["customer ABC", "production", "external", "web"], message, `${target.url}/ok`]]);
    assert.equal(rows[0]?.timestamp, firstRunAt(WEB, 60_000, 1_700_000_000_000) / 1000, "the row's time is the failing cycle's");
  });

  test("3 C-alert-once: a second failing cycle posts nothing and leaves the row as it was", async () => {
    const t = await start({ endpoints: endpointDefs([web()]) });
    status = 503;
    await t.cycle();
    const rows = await activeRows(t.store);
    assert.equal(hook.requests.length, 1);
    await t.cycle();
    assert.equal(target.requests.length, 2, "probed again");
    assert.equal(hook.requests.length, 1, "no second alert");
    assert.deepEqual(await activeRows(t.store), rows);
  });

  test("4 C-recovery: a row written 65 s before the cycle, then a 200: 'now OK after 1 minute, 5 seconds' and the row is gone", async () => {
    const t = await start({
      endpoints: endpointDefs([web()]),
      before: async (s, clock) => {
        const at = firstRunAt(WEB, 60_000, clock.t);
        const message = `${REPR} web ${target.url}/ok expected ^[2]\\d\\d$, actual: 503`;
        await s.commit({ ...emptyBatch(), activeInserts: [{ key: ["customer ABC", "production", "external", "web"], timestamp: (at - 65_000) / 1000, message, url: `${target.url}/ok` }] });
      },
    });
    await t.cycle();
    assert.deepEqual(texts(hook), [`${REPR} web ${target.url}/ok now OK after 1 minute, 5 seconds\n`]);
    assert.equal(hook.requests[0]?.body, slackBody(`${REPR} web ${target.url}/ok now OK after 1 minute, 5 seconds\n`));
    assert.deepEqual(await activeRows(t.store), []);
  });

  test("5 C-timeout-retries: an endpoint that never answers is tried 4 times with one trace id, attempts 1..4; the alert says TIMEOUT", async () => {
    const t = await start({ endpoints: endpointDefs([web({ url: `${target.url}/hang`, appendTraceID: true, appendAttempt: true })]), env: { CONNECTION_TIMEOUT_SECONDS: "1" } });
    await t.cycle();
    const seen = target.requests.map((r) => new URL(r.url, "http://x").searchParams);
    const trace = seen[0]?.get("cupcake_trace_id") ?? "";
    assert.match(trace, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(target.requests.map((r) => r.url), [1, 2, 3, 4].map((n) => `/hang?cupcake_trace_id=${trace}&cupcake_attempt=${n}`));
    assert.deepEqual(texts(hook), [`${REPR} web ${target.url}/hang?cupcake_trace_id=${trace}&cupcake_attempt=4 expected ^[2]\\d\\d$, actual: TIMEOUT`]);
  });

  test("6 C-refused-is-timeout: a closed port is 4 attempts and TIMEOUT, not BAD", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/`;
    const t = await start({ endpoints: endpointDefs([web({ url })]) });
    await t.cycle();
    assert.deepEqual(texts(hook), [`${REPR} web ${url} expected ^[2]\\d\\d$, actual: TIMEOUT`]);
    const [last] = await t.store.results(WEB, { limit: 1 });
    assert.equal((last?.detail as { attempts: unknown[] }).attempts.length, 4);
  });

  test("7 C-retry-field: retry 2 against a 500 is exactly 3 requests in the cycle (no TIMEOUT retries) and the alert says 500", async () => {
    const t = await start({ endpoints: endpointDefs([web({ url: `${target.url}/s/500`, retry: 2, appendAttempt: true })]) });
    await t.cycle();
    assert.deepEqual(target.requests.map((r) => r.url), ["/s/500?cupcake_attempt=1", "/s/500?cupcake_attempt=1", "/s/500?cupcake_attempt=1"]);
    assert.deepEqual(texts(hook), [`${REPR} web ${target.url}/s/500?cupcake_attempt=1 expected ^[2]\\d\\d$, actual: 500`]);
  });

  test("8 C-threshold: max 200 against an answer in 300 ms alerts 'response time 3xxms greater than maximum 200ms'", async () => {
    const t = await start({ endpoints: endpointDefs([web({ url: `${target.url}/slow`, threshold: { max: 200 } })]) });
    await t.cycle();
    assert.equal(hook.requests.length, 1);
    assert.match(texts(hook)[0] ?? "", new RegExp(`^${REPR} web ${target.url}/slow response time 3\\d\\dms greater than maximum 200ms$`));
  });

  test("9 C-tcp-bad: a closed TCP port alerts 'expected , actual: BAD'; an open one alerts nobody", async () => {
    const closed = `tcp://127.0.0.1:${await closedPort()}`;
    const listener = createServer((s) => s.destroy()).listen(0, "127.0.0.1");
    await once(listener, "listening");
    cleanups.push(() => void listener.close());
    const open = `tcp://127.0.0.1:${(listener.address() as { port: number }).port}`;
    const t = await start({ endpoints: endpointDefs([{ id: "db", url: closed }, { id: "cache", url: open }]) });
    await t.cycle();
    assert.deepEqual(texts(hook), [`${REPR} db ${closed} expected , actual: BAD`]);
    assert.deepEqual((await activeRows(t.store)).map((r) => r.key[3]), ["db"]);
  });

  test('10 C-expected-prefix: "expected": "2" accepts a 204; no expected accepts a 500', async () => {
    const t = await start({ endpoints: endpointDefs([web({ url: `${target.url}/s/204`, expected: "2" }), { id: "any", url: `${target.url}/s/500` }]) });
    await t.cycle();
    assert.equal(target.requests.length, 2);
    assert.equal(hook.requests.length, 0);
    assert.deepEqual(await activeRows(t.store), []);
  });

  test('11 C-enabled-bool: enabled true (JSON) is probed and counted; "false" and false are neither', async () => {
    const group = (id: string, enabled: unknown) => ({ id, enabled, endpoints: [{ id: `${id}-web`, url: `${target.url}/${id}` }] });
    const endpoints = endpointDefs([web()], { enabled: true, more: [group("off-string", "false"), group("off-bool", false), group("on-string", "true")] });
    const t = await start({ endpoints, alerts: alertDefs({ default: [], summary: ["hook"] }, { hook: `${hook.url}/hook` }), env: { SUMMARY_ENABLED: "True" } });
    await t.delivered();
    assert.deepEqual(texts(hook), ["Cupcake is alive and currently monitoring 2 endpoints.\n\nCupcake is not currently aware of any alerts."]);
    await t.cycle();
    assert.deepEqual(target.requests.map((r) => r.url).sort(), ["/ok", "/on-string"]);
  });

  test("12 C-query-append: the trace id is appended to an existing query with &; traceArgumentKey renames it", async () => {
    const t = await start({ endpoints: endpointDefs([web({ url: `${target.url}/p?x=1`, expected: "", appendTraceID: true }), { id: "tid", url: `${target.url}/q`, appendTraceID: true, traceArgumentKey: "tid" }]) });
    await t.cycle();
    const urls = target.requests.map((r) => r.url).sort();
    assert.match(urls[0] ?? "", /^\/p\?x=1&cupcake_trace_id=[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.match(urls[1] ?? "", /^\/q\?tid=[0-9a-f-]{36}$/);
  });

  test("13 C-summary-empty: SUMMARY_ENABLED=True sends the summary to the group summary at start", async () => {
    const alerts = alertDefs({ default: [], summary: ["hook"] }, { hook: `${hook.url}/summary` });
    const t = await start({ endpoints: endpointDefs([web()]), alerts, env: { SUMMARY_ENABLED: "True" } });
    await t.delivered();
    const text = "Cupcake is alive and currently monitoring 1 endpoint.\n\nCupcake is not currently aware of any alerts.";
    assert.deepEqual(hook.requests.map((r) => [r.url, r.body]), [["/summary", slackBody(text)]]);
    assert.equal(target.requests.length, 0, "sent before anything was probed");
  });

  test("14 C-summary-actives: two endpoints and one active row: the row is listed with its UTC time, one line each", async () => {
    const endpoints = endpointDefs([web(), { id: "api", url: `${target.url}/api` }]);
    const t = await start({
      endpoints,
      alerts: alertDefs({ default: [], summary: ["hook"] }, { hook: `${hook.url}/hook` }),
      env: { SUMMARY_ENABLED: "True" },
      before: (s) => s.commit({ ...emptyBatch(), activeInserts: [{ key: ["customer ABC", "production", "external", "api"], timestamp: 1704164645, message: "M", url: `${target.url}/api` }] }).then(() => undefined),
    });
    await t.delivered();
    assert.deepEqual(texts(hook), ["Cupcake is alive and currently monitoring 2 endpoints.\n\nCupcake is aware of the following alerts:\nM since 2024-01-02 03:04:05\n"]);
  });

  test("15 C-summary-interval: SUMMARY_SLEEP_SECONDS=86400 gives one summary across several cycles; a restart sends one at once", async () => {
    const alerts = alertDefs({ default: [], summary: ["hook"] }, { hook: `${hook.url}/hook` });
    const t = await start({ endpoints: endpointDefs([web()]), alerts, env: { SUMMARY_ENABLED: "True", SUMMARY_SLEEP_SECONDS: "86400" } });
    for (let i = 0; i < 5; i++) await t.cycle();
    assert.equal(target.requests.length, 5);
    assert.equal(texts(hook).length, 1);
    const again = await t.reopen();
    await again.delivered();
    assert.equal(texts(hook).length, 2, "Cupcake sends a summary at every start");
    const short = await start({ endpoints: endpointDefs([web()]), alerts, env: { SUMMARY_ENABLED: "True", SUMMARY_SLEEP_SECONDS: "150" } });
    await short.cycle();
    await short.cycle();
    assert.equal(texts(hook).length, 1, "two cycles of 60 s: not yet");
    await short.cycle();
    await short.delivered();
    assert.equal(texts(hook).length, 2, "150 s passed: the next summary");
  });

  test("16 C-alert-group-override: alert-groups on the environment [a] and on the endpoint [b]: only b's alerts are told", async () => {
    const other = await startHttpServer((_q, res) => res.writeHead(200).end());
    cleanups.push(other.close);
    const t = await start({ endpoints: endpointDefs([web({ "alert-groups": ["b"] })], { envAlertGroups: ["a"] }), alerts: alertDefs({ a: ["to-a"], b: ["to-b"] }, { "to-a": `${other.url}/a`, "to-b": `${hook.url}/b` }) });
    status = 503;
    await t.cycle();
    assert.deepEqual(hook.requests.map((r) => r.url), ["/b"]);
    assert.equal(other.requests.length, 0);
  });

  test("17 C-sns-shape: through an alert-sns alert, the incident is Cupcake's JSON (sorted keys, 4-space indent, numeric timestamp); the recovery's timestamp is an ISO string", async () => {
    const ok = '<PublishResponse xmlns="https://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>';
    const sns = await startHttpServer((_q, res) => res.writeHead(200, { "content-type": "text/xml" }).end(ok));
    cleanups.push(sns.close);
    const arn = "arn:aws:sns:eu-west-1:123456789012:cupcake";
    const alerts = { "@type": "alert-definitions", groups: [{ id: "default", alerts: ["aws"] }], alerts: [{ "@type": "alert-sns", id: "aws", arn, region: "eu-west-1" }] };
    const t = await start({ endpoints: endpointDefs([web()]), alerts, env: { AWS_ENDPOINT_URL_SNS: sns.url, AWS_ACCESS_KEY_ID: "AKIDUPBEATTEST", AWS_SECRET_ACCESS_KEY: "test-secret" } });
    status = 503;
    await t.cycle();
    status = 200;
    await t.cycle();
    const forms = sns.requests.map((r) => new URLSearchParams(r.body));
    assert.deepEqual(forms.map((f) => [f.get("Action"), f.get("TopicArn"), f.has("Subject")]), [["Publish", arn, false], ["Publish", arn, false]]);
    const [opened, resolved] = forms.map((f) => f.get("Message") ?? "");
    const openedAt = firstRunAt(WEB, 60_000, 1_700_000_000_000);
    const message = `${REPR} web ${target.url}/ok expected ^[2]\\d\\d$, actual: 503`;
    const url = `${target.url}/ok`;
    assert.equal(
      opened,
      `{\n    "endpoint": "web",\n    "endpoint_group": "external",\n    "environment": "production",\n    "environment_group": "customer ABC",\n    "expected": "^[2]\\\\d\\\\d$",\n    "message": ${JSON.stringify(message)},\n    "presentation_message": "result was BAD, actual: 503",\n    "result": {\n        "actual": "503",\n        "message": "BAD",\n        "result": false\n    },\n    "timestamp": ${openedAt / 1000},\n    "url": "${url}"\n}`,
    );
    const back = JSON.parse(resolved ?? "") as Obj;
    assert.deepEqual(Object.keys(back), Object.keys(back).sort());
    assert.equal(back.message, `${REPR} web ${url} now OK after 1 minute\n`);
    assert.match(String(back.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    assert.equal(typeof back.timestamp, "string");
    assert.match(resolved ?? "", /^\{\n {4}"endpoint": "web",\n/);
  });

  test("18 C-db-schema: a fresh SQLite file has Cupcake's active table with its seven columns", async () => {
    const db = await sqliteStore();
    cleanups.push(db.cleanup);
    const raw = new BetterSqlite3(db.file, { readonly: true });
    const cols = raw.prepare("PRAGMA table_info(active)").all() as Array<{ name: string; type: string }>;
    raw.close();
    assert.deepEqual(cols.map((c) => `${c.name} ${c.type}`), ["environment_group TEXT", "environment TEXT", "endpoint_group TEXT", "endpoint TEXT", "timestamp INTEGER", "message TEXT", "url TEXT"]);
  });

  test("1.7 REMOVE_UNKNOWN_ACTIVES: rows of endpoints gone from the file or in a disabled group are listed as removed and deleted; the incident closes without a message", async () => {
    const gone = { key: ["customer ABC", "production", "external", "gone"] as [string, string, string, string], timestamp: 1704164645.5, message: "M-gone", url: `${target.url}/gone` };
    const legacy = (enabled: string) => ({ id: "legacy", enabled, endpoints: [{ id: "old", url: `${target.url}/ok`, expected: EXPECTED }] });
    const endpoints = (enabled: string) => endpointDefs([web({ url: `${target.url}/s/200` })], { more: [legacy(enabled)] });
    const alerts = alertDefs({ default: ["hook"], summary: ["hook"] }, { hook: `${hook.url}/hook` });
    const env = { SUMMARY_ENABLED: "yes", REMOVE_UNKNOWN_ACTIVES: "1", SUMMARY_SLEEP_SECONDS: "120" };
    const t = await start({ endpoints: endpoints("true"), alerts, env, before: (s) => s.commit({ ...emptyBatch(), activeInserts: [gone] }).then(() => undefined) });
    await t.delivered();
    assert.deepEqual(texts(hook), ["Cupcake is alive and currently monitoring 2 endpoints.\n\nCupcake is aware of the following alerts:\nremoving alert: M-gone since 2024-01-02 03:04:05\n"]);
    assert.deepEqual(await activeRows(t.store), [], "the unknown row is deleted");
    status = 503;
    await t.cycle();
    const old = "customer-abc/production/legacy/old";
    const failure = `${REPR.replace("external", "legacy")} old ${target.url}/ok expected ^[2]\\d\\d$, actual: 503`;
    assert.equal(texts(hook)[1], failure);
    // The group is disabled: its endpoint is no longer probed; its row and open incident stay until the next summary.
    await t.reload(endpoints("false"));
    assert.equal(t.engine.get(old)?.state.status, "paused");
    assert.equal((await activeRows(t.store)).length, 1);
    await t.cycle();
    const openedAt = (firstRunAt(old, 60_000, 1_700_000_000_000) / 1000);
    assert.deepEqual(texts(hook).slice(2), [`Cupcake is alive and currently monitoring 1 endpoint.\n\nCupcake is aware of the following alerts:\nremoving alert: ${failure} since ${new Date(openedAt * 1000).toISOString().slice(0, 19).replace("T", " ")}\n`]);
    assert.deepEqual(await activeRows(t.store), []);
    assert.equal(t.engine.get(old)?.state.incident, undefined);
    assert.deepEqual((await t.store.incidents({ monitorId: old, limit: 5 })).map((i) => [i.number, i.resolution]), [[1, "removed"]]);
    // Enabled again and healthy: Cupcake had forgotten the row, so there is no recovery message.
    status = 200;
    await t.reload(endpoints("true"));
    await t.cycle();
    assert.equal(texts(hook).length, 3, texts(hook).join(" | "));
  });
});
