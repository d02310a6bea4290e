/** A monitor's definition over the API never shows its request header values or a password in its URL. */
import { openAccess } from "./access.ts";
import assert from "node:assert/strict";
import { test } from "node:test";
import { configOf, quietLog, startEngine } from "../../test/helpers/engine.ts";
import { sqliteStore } from "../../test/helpers/stores.ts";
import { buildApp } from "./app.ts";

test("GET /api/v1/monitors/:id masks header values and the URL's password, and keeps the rest", async () => {
  const db = await sqliteStore();
  const config = configOf(`monitors:\n  - { id: api, name: api, url: "http://user:hunter2-secret@127.0.0.1:9/health", headers: { Authorization: "Bearer tok-123456789", Accept: application/json }, paused: true }\n`);
  const { engine } = await startEngine(config, db.store);
  const app = buildApp({ access: openAccess(), store: db.store, engine: () => engine, ready: () => true, log: quietLog });
  try {
    const r = await app.inject({ method: "GET", url: "/api/v1/monitors/api" });
    assert.equal(r.statusCode, 200);
    assert.ok(!r.body.includes("tok-123456789") && !r.body.includes("hunter2-secret"), r.body);
    const check = (r.json() as { monitor: { definition: { check: { url: string; headers: Record<string, string> } } } }).monitor.definition.check;
    assert.deepEqual(check.headers, { Authorization: "********", Accept: "********" });
    assert.equal(check.url, "http://user:********@127.0.0.1:9/health");
  } finally {
    await app.close();
    await engine.stop();
    await db.cleanup();
  }
});
