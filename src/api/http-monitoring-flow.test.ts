/** http-monitoring's targets end to end: down and up, retries as the original made them, e-mails through a real SMTP server, a restart. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { closedPort, startHttpServer, type TestServer } from "../../test/helpers/http-server.ts";
import { call, emailChannel, type HmInstance, startHm } from "../../test/helpers/http-monitoring.ts";
import { mailText, startSmtp, type TestSmtp } from "../../test/helpers/smtp.ts";
import { sqliteStore, type TestStore } from "../../test/helpers/stores.ts";
import { waitFor } from "../../test/helpers/wait.ts";

type Data = { actual_response: number | null; is_up: boolean; is_down: boolean; timestamp: string | null };

describe("http-monitoring targets", () => {
  let db: TestStore;
  let hm: HmInstance;
  let smtp: TestSmtp;
  let flaky: TestServer;
  let answer = 503;
  let fine: TestServer;

  before(async () => {
    flaky = await startHttpServer((_q, res) => {
      res.statusCode = answer;
      res.end(String(answer));
    });
    fine = await startHttpServer((_q, res) => res.end("ok"));
    smtp = await startSmtp();
    db = await sqliteStore();
    hm = await startHm(db.store);
  });
  after(async () => {
    await hm.stop();
    await Promise.all([flaky.close(), fine.close(), smtp.close()]);
    await db.cleanup();
  });

  const status = async (endpoint: string) => (await call(`${hm.url}/status?endpoint=${encodeURIComponent(endpoint)}`)).json.data as Data;

  test("a submitted target goes down and up with its endpoint", async () => {
    const r = await call(`${hm.url}/status`, "POST", { targets: [{ title: "flaky", endpoint: `${flaky.url}/health`, expected_http_code: 200 }, { title: "fine", endpoint: `${fine.url}/` }] });
    assert.equal(r.status, 201);
    const down = await waitFor("flaky down", async () => ((await status(`${flaky.url}/health`)).is_down ? status(`${flaky.url}/health`) : undefined));
    assert.deepEqual([down.actual_response, down.is_up], [503, false]);
    assert.equal(hm.engine.get(hm.engine.ids("http-monitoring")[0] as string)?.state.status, "down");
    answer = 200;
    const up = await waitFor("flaky up", async () => ((await status(`${flaky.url}/health`)).is_up ? status(`${flaky.url}/health`) : undefined), 6000);
    assert.deepEqual([up.actual_response, up.is_down], [200, false]);
    answer = 503;
    await waitFor("flaky down again", async () => (await status(`${flaky.url}/health`)).is_down, 6000);
  });

  test("GET /emails sends one message naming the down targets through the e-mail channel", async () => {
    const none = await call(`${hm.url}/emails`);
    assert.equal(none.status, 503, "no e-mail channel yet");
    assert.deepEqual([none.json.category, none.json.data, none.json.code], ["email_sent_failed", null, "UPBEAT_NO_EMAIL_CHANNEL"]);
    hm.channels.set("mail", emailChannel("mail", smtp.port));
    hm.channels.set("hook", { ...emailChannel("hook", smtp.port), kind: "webhook" });
    const r = await call(`${hm.url}/emails`);
    assert.equal(r.status, 200);
    assert.equal(r.text, '{"category":"email_sent_success","data":null,"message":"Success to send the notifications to related recipients"}');
    assert.equal(smtp.messages.length, 1, "one message, through the email-type channel only");
    const mail = smtp.messages[0];
    assert.deepEqual(mail?.to, ["ops@example.test"]);
    const text = mailText(mail?.raw ?? "");
    assert.match(text, /Subject: DOWN: flaky/);
    assert.ok(text.includes(`${flaky.url}/health`), "names the endpoint");
    assert.match(text, /Expected HTTP 200, got HTTP 503/);
    assert.ok(!text.includes(fine.url), "the up target is not in it");
  });

  test("GET /emails: the configured channels, and a failing SMTP server is reported", async () => {
    hm.settings.emailChannels = ["broken"];
    hm.channels.set("broken", emailChannel("broken", await closedPort()));
    try {
      const r = await call(`${hm.url}/emails`);
      assert.equal(r.status, 502);
      assert.deepEqual([r.json.category, r.json.code], ["email_sent_failed", "UPBEAT_EMAIL_FAILED"]);
      assert.match(String(r.json.message), /broken: /);
      assert.equal(smtp.messages.length, 1, "nothing went through the other channel");
    } finally {
      delete hm.settings.emailChannels;
    }
  });

  test("retries as the original: 501–504 listed in retryStatuses and no answer are retried, other statuses are final", async () => {
    let gateway = 0;
    const g = await startHttpServer((_q, res) => {
      gateway++;
      res.statusCode = gateway <= 2 ? 504 : 200;
      res.end();
    });
    const u = await startHttpServer((_q, res) => {
      res.statusCode = 503;
      res.end();
    });
    const refused = `http://127.0.0.1:${await closedPort()}/`;
    hm.settings.intervalMs = 3_600_000;
    try {
      await call(`${hm.url}/status`, "POST", { targets: [{ endpoint: `${g.url}/` }, { endpoint: `${u.url}/` }, { endpoint: refused }] });
      const gw = await waitFor("gateway target up", async () => ((await status(`${g.url}/`)).is_up ? status(`${g.url}/`) : undefined), 5000);
      assert.equal(gw.actual_response, 200);
      assert.equal(g.requests.length, 3, "504 twice (retried), then 200");
      await waitFor("503 target down", async () => (await status(`${u.url}/`)).is_down);
      assert.equal(u.requests.length, 1, "503 is not in retryStatuses [504]: no retry");
      const id = hm.engine.ids("http-monitoring").find((i) => hm.engine.get(i)?.monitor.name === refused) as string;
      await waitFor("refused target down", async () => (await status(refused)).is_down);
      const last = await waitFor("the stored result", async () => (await db.store.results(id, { limit: 1 }))[0]);
      assert.equal((last.detail as { attempts?: unknown[] }).attempts?.length, 4, "no answer: 1 + 3 retries");
      assert.equal((await status(refused)).actual_response, null);
    } finally {
      hm.settings.intervalMs = 1000;
      await Promise.all([g.close(), u.close()]);
    }
  });

  test("targets and their last results survive a restart", async () => {
    const before = (await call(`${hm.url}/status?all=true`)).json.data as Array<Data & { endpoint: string }>;
    const ids = hm.engine.ids("http-monitoring").sort();
    await hm.stop();
    hm = await startHm(await db.reopen());
    assert.deepEqual(hm.engine.ids("http-monitoring").sort(), ids, "every target is monitored again");
    const after = (await call(`${hm.url}/status?all=true`)).json.data as Array<Data & { endpoint: string }>;
    assert.deepEqual(after.map((d) => d.endpoint), before.map((d) => d.endpoint));
    const flakyNow = after.find((d) => d.endpoint === `${flaky.url}/health`);
    assert.equal(flakyNow?.is_down, true, "its last result is read back from the store");
    assert.equal(flakyNow?.actual_response, 503);
    answer = 200;
    await waitFor("checked again after the restart", async () => (await status(`${flaky.url}/health`)).is_up, 6000);
  });
});
