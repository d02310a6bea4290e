/** Silences over the API: a real engine, alerting and SQLite store behind fastify. */
import { openAccess } from "./access.ts";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { configOf, quietLog, startEngine } from "../../test/helpers/engine.ts";
import { sqliteStore } from "../../test/helpers/stores.ts";
import { Alerting } from "../alerting/alerting.ts";
import type { Engine } from "../engine/engine.ts";
import { buildApp } from "./app.ts";
import { silenceRoutes } from "./silence-routes.ts";

describe("silence routes", () => {
  let app: FastifyInstance;
  let engine: Engine;
  let alerting: Alerting;
  let cleanup: () => Promise<void>;
  const now = Date.now();

  before(async () => {
    const db = await sqliteStore();
    const start = new Date(now - 60_000).toISOString();
    const end = new Date(now + 3_600_000).toISOString();
    const config = configOf(`
maintenance:
  - { name: upgrade, matchers: ["group=shop"], start: "${start}", end: "${end}", comment: "v2" }
  - { name: nightly, matchers: ["monitor=other"], cron: "0 3 * * *", duration: 30m, timezone: Europe/Berlin }
groups:
  - name: shop
    monitors:
      - { name: a, type: heartbeat, period: 1h }
      - { name: b, type: heartbeat, period: 1h }
monitors:
  - { id: other, name: other, type: heartbeat, period: 1h }
`);
    alerting = new Alerting(db.store, { channels: new Map(), routes: {} }, () => undefined, quietLog);
    ({ engine } = await startEngine(config, db.store));
    await alerting.start();
    app = buildApp({ access: openAccess(), store: db.store, engine: () => engine, ready: () => true, log: quietLog, extraRoutes: [(s) => silenceRoutes(s, { alerting: () => alerting, now: Date.now })] });
    await app.ready();
    cleanup = async () => {
      await app.close();
      await engine.stop();
      await alerting.stop();
      await db.cleanup();
    };
  });
  after(() => cleanup());

  const post = (body: unknown) => app.inject({ method: "POST", url: "/api/v1/silences", payload: body as Record<string, unknown> });

  test("a silence is made, listed, and ended", async () => {
    const made = await post({ matchers: ["team=db"], duration: "2h", author: "ana", comment: "failover test" });
    assert.equal(made.statusCode, 201);
    const s = made.json() as { id: number; startsAt: string; endsAt: string; active: boolean };
    assert.equal(Date.parse(s.endsAt) - Date.parse(s.startsAt), 7_200_000);
    assert.equal(s.active, true);
    const list = (await app.inject({ method: "GET", url: "/api/v1/silences" })).json() as { silences: Array<{ id: number; author: string; matchers: string[] }> };
    assert.deepEqual(list.silences.map((x) => [x.id, x.author, x.matchers]), [[s.id, "ana", ["team=db"]]]);
    assert.equal((await app.inject({ method: "DELETE", url: `/api/v1/silences/${s.id}` })).statusCode, 204);
    const again = await app.inject({ method: "DELETE", url: `/api/v1/silences/${s.id}` });
    assert.equal(again.statusCode, 404);
    assert.deepEqual(again.json(), { code: "UPBEAT_NOT_FOUND", message: `no active silence ${s.id}`, statusCode: 404 });
    assert.deepEqual(((await app.inject({ method: "GET", url: "/api/v1/silences" })).json() as { silences: unknown[] }).silences, []);
  });

  test("bad bodies are refused with what is wrong, and nothing is stored", async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ matchers: ["team=db"], duration: "2h", comment: "x" }, /author/],
      [{ matchers: [], duration: "2h", author: "a", comment: "x" }, /matchers/],
      [{ matchers: ["team=~(db"], duration: "2h", author: "a", comment: "x" }, /^body: matcher "team=~\(db": invalid regular expression/],
      [{ matchers: ["team=db"], author: "a", comment: "x" }, /^body must have endsAt or duration/],
      [{ matchers: ["team=db"], endsAt: "soon", author: "a", comment: "x" }, /^body\/endsAt "soon" is not an ISO 8601 time/],
      [{ matchers: ["team=db"], startsAt: "2026-01-02T00:00:00Z", endsAt: "2026-01-01T00:00:00Z", author: "a", comment: "x" }, /^body: endsAt must be after startsAt/],
      [{ matchers: ["team=db"], duration: "2h", author: "a", comment: "x", extra: 1 }, /extra|additional/],
    ];
    for (const [body, message] of cases) {
      const r = await post(body);
      assert.equal(r.statusCode, 400, JSON.stringify(body));
      const e = r.json() as { code: string; message: string };
      assert.equal(e.code, "UPBEAT_BAD_REQUEST");
      assert.match(e.message, message);
    }
    assert.deepEqual(alerting.silences(), []);
  });
});
