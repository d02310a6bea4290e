/**
 * Durable delivery across `kill -9`: a notification committed but not yet sent when the process
 * dies is sent after the restart, once; one cut off while in flight is sent again with the same
 * Idempotency-Key, so the receiver can tell it is the same message.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import BetterSqlite3 from "better-sqlite3";
import { startServeReady } from "../helpers/cli.ts";
import { closedPort, startHttpServer } from "../helpers/http-server.ts";
import { waitFor } from "../helpers/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "upbeat-delivery-crash-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function deliveries(file: string): Array<{ key: string; status: string }> {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    return db.prepare("SELECT key, status FROM deliveries ORDER BY id").all() as Array<{ key: string; status: string }>;
  } finally {
    db.close();
  }
}

async function scenario(name: string, groupWait: string, hangFirst: boolean) {
  const target = await startHttpServer((_req, res) => res.writeHead(503).end());
  const seen: Array<{ key: string | undefined; title: string }> = [];
  let hang = hangFirst;
  const hook = await startHttpServer((req: IncomingMessage, res, body) => {
    seen.push({ key: req.headers["idempotency-key"] as string | undefined, title: (JSON.parse(body) as { title: string }).title });
    // The first request is left unanswered: the process dies while it waits.
    if (!hang) res.writeHead(200).end();
  });
  const port = await closedPort();
  const file = join(dir, `${name}.yaml`);
  const data = join(dir, name);
  writeFileSync(
    file,
    `defaults: { interval: 1s, timeout: 1s }
channels:
  - { name: hook, type: webhook, url: "${hook.url}" }
routes: { channels: [hook], groupWait: ${groupWait}, groupInterval: 1s }
monitors:
  - { name: shop, url: "${target.url}/" }
`,
  );
  const children: ChildProcess[] = [];
  const start = async () => {
    const child = await startServeReady(port, ["--data", data, "--config", file], { UPBEAT_LOG_LEVEL: "warn" });
    children.push(child);
    return child;
  };
  try {
    const first = await start();
    await waitFor("the delivery is committed", () => deliveries(join(data, "upbeat.db")).length === 1, 15_000, 50);
    if (hangFirst) await waitFor("the first request reached the receiver", () => seen.length === 1, 10_000, 20);
    else assert.equal(seen.length, 0, "still waiting out the group wait");
    first.kill("SIGKILL");
    await once(first, "exit");
    hang = false;
    const second = await start();
    await waitFor("delivered after the restart", () => deliveries(join(data, "upbeat.db"))[0]?.status === "done", 20_000, 50);
    await new Promise((r) => setTimeout(r, 1500));
    second.kill("SIGTERM");
    await once(second, "exit");
    return { seen, rows: deliveries(join(data, "upbeat.db")) };
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    await Promise.all([target.close(), hook.close()]);
  }
}

test("kill -9 between commit and delivery: sent once after the restart", async () => {
  const { seen, rows } = await scenario("waiting", "4s", false);
  assert.equal(seen.length, 1, `one request in all: ${JSON.stringify(seen)}`);
  assert.equal(seen[0]?.title, "DOWN: shop");
  assert.deepEqual(rows.map((r) => r.status), ["done"]);
  assert.equal(seen[0]?.key, rows[0]?.key, "the Idempotency-Key is the delivery's key");
});

test("kill -9 while the request is in flight: sent again after the restart with the same Idempotency-Key", async () => {
  const { seen, rows } = await scenario("inflight", "0s", true);
  assert.equal(seen.length, 2, `the cut-off request and its retry: ${JSON.stringify(seen)}`);
  assert.equal(seen[0]?.key, seen[1]?.key);
  assert.deepEqual(rows.map((r) => r.status), ["done"]);
});
