/**
 * `upbeat serve` run as Cupcake is run: only Cupcake's environment variables (endpoint and alert
 * definitions files, SUMMARY_ENABLED, DB_NAME, SLEEP_SECONDS), a Slack webhook capture on loopback.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import BetterSqlite3 from "better-sqlite3";
import { startCli } from "../helpers/cli.ts";
import { closedPort, startHttpServer } from "../helpers/http-server.ts";
import { waitFor } from "../helpers/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "upbeat-cupcake-e2e-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("Cupcake's variables: the summary at start, an incident to the default group, an edited alerts file taking the recovery elsewhere", async () => {
  let status = 200;
  const target = await startHttpServer((_q, res) => res.writeHead(status).end());
  const hook = await startHttpServer((_q, res) => res.writeHead(200).end("ok"));
  const endpoints = join(dir, "endpoints.json");
  const alerts = join(dir, "alerts.json");
  const dbFile = join(dir, "cupcake.db");
  writeFileSync(endpoints, JSON.stringify({ "@type": "endpoint-definitions", groups: [{ id: "customer ABC", environments: [{ id: "production", "endpoint-groups": [{ id: "external", enabled: "true", endpoints: [{ id: "web", url: `${target.url}/ok`, expected: "^[2]\\d\\d$" }] }] }] }] }));
  const alertFile = (defaultHook: string) =>
    JSON.stringify({
      "@type": "alert-definitions",
      groups: [{ id: "default", alerts: [defaultHook] }, { id: "summary", alerts: ["first"] }],
      alerts: [{ "@type": "alert-slack-webhook", id: "first", url: `${hook.url}/first` }, { "@type": "alert-slack", id: "second", url: `${hook.url}/second` }],
    });
  writeFileSync(alerts, alertFile("first"));
  const port = await closedPort();
  const env = { ENDPOINT_DEFINITIONS_FILE: endpoints, ALERT_DEFINITIONS_FILE: alerts, SUMMARY_ENABLED: "True", SLEEP_SECONDS: "1", DB_NAME: dbFile, UPBEAT_LOG_LEVEL: "info" };
  const child = startCli(["serve", "--listen", `127.0.0.1:${port}`, "--data", join(dir, "data")], env);
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d));
  child.stderr.on("data", (d: Buffer) => (output += d));
  const posts = () => hook.requests.map((r) => `${r.url} ${r.body}`);
  const repr = `customer ABC production external web ${target.url}/ok`;
  try {
    await waitFor(`the summary (${output})`, () => hook.requests.length >= 1, 15_000, 50);
    assert.deepEqual(posts(), ['/first {"text": "Cupcake is alive and currently monitoring 1 endpoint.\\n\\nCupcake is not currently aware of any alerts.", "link_names": 1}']);
    status = 503;
    await waitFor("the incident", () => hook.requests.length >= 2, 10_000, 50);
    assert.equal(posts()[1], `/first {"text": "${repr} expected ^[2]\\\\d\\\\d$, actual: 503", "link_names": 1}`);
    const db = new BetterSqlite3(dbFile, { readonly: true });
    assert.deepEqual(db.prepare("SELECT endpoint, message FROM active").all(), [{ endpoint: "web", message: `${repr} expected ^[2]\\d\\d$, actual: 503` }]);
    db.close();
    // The alerts file is read again when it changes, as Cupcake read it every cycle.
    writeFileSync(alerts, alertFile("second"));
    await waitFor("the alerts file reloaded", () => /configuration reloaded/.test(output), 10_000, 50);
    status = 200;
    await waitFor("the recovery", () => hook.requests.length >= 3, 10_000, 50);
    assert.match(posts()[2] ?? "", new RegExp(`^/second \\{"text": "${repr.replace(/[.?*+^$()[\]{}|\\]/g, "\\$&")} now OK after \\d+ seconds?\\\\n", "link_names": 1\\}$`));
    assert.equal(hook.requests.length, 3, "one message per transition");
    child.kill("SIGTERM");
    const [code] = (await once(child, "exit")) as [number];
    assert.equal(code, 0, output);
  } finally {
    child.kill("SIGKILL");
    await target.close();
    await hook.close();
  }
});
