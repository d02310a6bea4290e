/**
 * Crash test: `kill -9` the server while it writes, restart it, and check the database is intact,
 * open incidents are still open, and no incident was opened or resolved twice.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import BetterSqlite3 from "better-sqlite3";
import { startServeReady } from "../helpers/cli.ts";
import { closedPort, startHttpServer } from "../helpers/http-server.ts";
import { waitFor } from "../helpers/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "upbeat-crash-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const MONITORS = 30;

interface Row {
  id: string;
  number: number;
  opened_at: number;
  resolved_at: number | null;
}

function openIncidents(file: string): Row[] {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    return db.prepare("SELECT m.id, i.number, i.opened_at, i.resolved_at FROM incidents i JOIN monitors m ON m.seq = i.monitor_seq WHERE i.resolved_at IS NULL ORDER BY m.id").all() as Row[];
  } finally {
    db.close();
  }
}

test("kill -9 while writing, twice: the database is intact, open incidents stay open, nothing opens or resolves twice", async () => {
  let status = 503;
  const target = await startHttpServer((_req, res) => res.writeHead(status).end());
  const port = await closedPort();
  const file = join(dir, "upbeat.yaml");
  const data = join(dir, "data");
  const dbFile = join(data, "upbeat.db");
  const list = Array.from({ length: MONITORS }, (_, i) => `  - { name: m${i}, url: "${target.url}/${i}" }`).join("\n");
  writeFileSync(file, `defaults: { interval: 1s, timeout: 1s }\nmonitors:\n${list}\n`);
  const children: ChildProcess[] = [];
  const start = async () => {
    const child = await startServeReady(port, ["--data", data, "--config", file], { UPBEAT_LOG_LEVEL: "warn" });
    children.push(child);
    return child;
  };
  const kill9 = async (child: ChildProcess) => {
    child.kill("SIGKILL");
    await once(child, "exit");
  };
  try {
    let child = await start();
    await waitFor("every monitor has an open incident", () => openIncidents(dbFile).length === MONITORS, 15_000, 100);
    const before = openIncidents(dbFile);
    // Keep it writing (every check writes a result, a state and rollups), then kill mid-stream.
    await new Promise((r) => setTimeout(r, 1700));
    await kill9(child);

    child = await start();
    const afterFirst = openIncidents(dbFile);
    assert.deepEqual(afterFirst, before, "the same incidents are open, with the same numbers and opening times");
    // Flap: incidents resolve and reopen while we kill again in the middle of it.
    status = 200;
    await new Promise((r) => setTimeout(r, 1500));
    status = 503;
    await new Promise((r) => setTimeout(r, 1300));
    await kill9(child);

    child = await start();
    status = 200;
    await waitFor("everything resolved", () => openIncidents(dbFile).length === 0, 15_000, 100);
    child.kill("SIGTERM");
    const [code] = (await once(child, "exit")) as [number];
    assert.equal(code, 0);

    const db = new BetterSqlite3(dbFile, { readonly: true });
    try {
      assert.equal((db.prepare("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check, "ok");
      const incidents = db.prepare("SELECT m.id, i.number, i.opened_at, i.resolved_at FROM incidents i JOIN monitors m ON m.seq = i.monitor_seq ORDER BY m.id, i.number").all() as Row[];
      const byMonitor = new Map<string, number[]>();
      for (const i of incidents) byMonitor.set(i.id, [...(byMonitor.get(i.id) ?? []), i.number]);
      assert.equal(byMonitor.size, MONITORS);
      for (const [id, numbers] of byMonitor) assert.deepEqual(numbers, numbers.map((_, k) => k + 1), `${id}: incidents numbered 1..n without gaps or repeats`);
      // Each transition was written once with its incident (same transaction): one opening and one resolution per incident.
      const effects = db.prepare("SELECT monitor_id, type, json_extract(payload, '$.incident.number') AS number, COUNT(*) AS n FROM outbox WHERE type LIKE 'incident.%' GROUP BY 1, 2, 3").all() as Array<{ monitor_id: string; type: string; number: number; n: number }>;
      assert.ok(effects.every((e) => e.n === 1), `duplicated effects: ${JSON.stringify(effects.filter((e) => e.n !== 1))}`);
      assert.equal(effects.filter((e) => e.type === "incident.opened").length, incidents.length);
      assert.equal(effects.filter((e) => e.type === "incident.resolved").length, incidents.length);
      assert.ok(incidents.every((i) => i.resolved_at !== null && i.resolved_at >= i.opened_at));
      assert.ok(incidents.length > MONITORS, "the flapping opened second incidents, so the second kill hit real transitions");
      const pending = db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending'").get() as { n: number };
      assert.equal(pending.n, 0, "effects left pending by the kills were carried out after the restarts");
    } finally {
      db.close();
    }
  } finally {
    for (const c of children) c.kill("SIGKILL");
    await target.close();
  }
});
