/** `upbeat serve` as a real process with http-monitoring's API, an e-mail channel and a metrics token: submit, go down, mail, scrape, restart. */
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { startServeReady } from "../helpers/cli.ts";
import { closedPort, startHttpServer } from "../helpers/http-server.ts";
import { parsePromText, sampleValue } from "../helpers/prom-text.ts";
import { mailText, startSmtp } from "../helpers/smtp.ts";
import { waitFor } from "../helpers/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "upbeat-hm-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("http-monitoring clients and a Prometheus scraper against upbeat serve, across a restart", async () => {
  const target = await startHttpServer((_q, res) => {
    res.statusCode = 503;
    res.end("down");
  });
  const smtp = await startSmtp();
  // The servers are closed whatever happens, or they would keep the test process alive.
  after(() => Promise.all([target.close(), smtp.close()]));
  const port = await closedPort();
  const base = `http://127.0.0.1:${port}`;
  const file = join(dir, "upbeat.yaml");
  writeFileSync(
    file,
    `channels:
  - { name: mail, type: email, host: 127.0.0.1, port: ${smtp.port}, from: "upbeat@example.test", to: "ops@example.test" }
metrics: { token: "scrape-token-123" }
httpMonitoring: { basePath: /monitoring, interval: 1s, timeout: 2s, backoffFactor: 0.01 }
`,
  );
  const args = ["--data", join(dir, "data"), "--config", file];
  const env = { UPBEAT_LOG_LEVEL: "warn" };
  let child = await startServeReady(port, args, env);
  try {
    const post = await fetch(`${base}/monitoring/status`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ targets: [{ title: "api", endpoint: `${target.url}/`, expected_http_code: 200 }] }) });
    assert.equal(post.status, 201);
    const id = ((await post.json()) as { data: { targets: Array<{ monitor_id: string }> } }).data.targets[0]?.monitor_id as string;
    await waitFor("down", async () => ((await (await fetch(`${base}/monitoring/status`)).json()) as { data: { is_down: boolean } }).data.is_down, 10_000, 100);
    const mail = await fetch(`${base}/monitoring/emails`);
    assert.equal(await mail.text(), '{"category":"email_sent_success","data":null,"message":"Success to send the notifications to related recipients"}');
    assert.equal(smtp.messages.length, 1);
    assert.match(mailText(smtp.messages[0]?.raw ?? ""), /DOWN: api/);
    assert.equal((await fetch(`${base}/metrics`)).status, 401);
    const scrape = await fetch(`${base}/metrics`, { headers: { authorization: "Bearer scrape-token-123" } });
    const families = parsePromText(await scrape.text());
    assert.equal(sampleValue(families, "upbeat_monitor_up", { monitor: id, kind: "http", group: "http-monitoring" }), 0);
    assert.equal(sampleValue(families, "upbeat_incidents_open"), 1);
    child.kill("SIGTERM");
    assert.equal((await once(child, "exit"))[0], 0);
    child = await startServeReady(port, args, env);
    const again = (await (await fetch(`${base}/monitoring/status`)).json()) as { data: { title: string; is_down: boolean; actual_response: number } };
    assert.deepEqual([again.data.title, again.data.is_down, again.data.actual_response], ["api", true, 503]);
  } finally {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
  }
});
