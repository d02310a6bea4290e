/** The API's own queries (incident notes and acknowledgements, result pages, keyed incidents) on SQLite and PostgreSQL. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type TestStore, postgresStore, postgresUnavailable, REQUIRE_SERVICES, sqliteStore } from "../../test/helpers/stores.ts";
import { acknowledgedOpen, acknowledgements, addIncidentNote, incidentNotes } from "./incident-notes.ts";
import { keyedIncidents, lastResults, resultPage } from "./result-pages.ts";
import { emptyBatch, type ResultRecord, type Store } from "./types.ts";

const T0 = Date.UTC(2026, 2, 1);

function suite(name: string, make: () => Promise<TestStore>, skip: () => Promise<string | undefined>) {
  describe(`history queries: ${name}`, () => {
    let t: TestStore;
    let s: Store;
    let a: number;
    let b: number;
    let skipReason: string | undefined;
    before(async () => {
      skipReason = await skip();
      if (skipReason && REQUIRE_SERVICES) throw new Error(`${skipReason} (UPBEAT_REQUIRE_SERVICES=1)`);
      if (skipReason) return;
      t = await make();
      s = t.store;
      const seqs = await s.syncMonitors([{ id: "a/x", name: "A", kind: "http", groupPath: [], source: "native", definition: {} }, { id: "b", name: "B", kind: "http", groupPath: [], source: "api", definition: {} }], T0);
      a = seqs.get("a/x") as number;
      b = seqs.get("b") as number;
      const results: ResultRecord[] = [0, 1, 1, 2, 3].map((i, n) => ({ seq: a, at: T0 + i * 1000, health: n === 3 ? "down" : "up", durationMs: n, region: "r", detail: { n } }));
      const last = { monitorId: "a/x", at: T0 + 3000, health: "up" as const, durationMs: 4, region: "r" };
      const incident = (number: number, resolvedAt?: number) => ({ number, openedAt: T0 + number * 10_000, cause: `cause ${number}`, ...(resolvedAt ? { resolvedAt, durationSec: 1, resolution: "recovered" as const } : {}) });
      await s.commit({
        ...emptyBatch(),
        results,
        states: [{ seq: a, state: { monitorId: "a/x", status: "down", since: T0, failures: 1, successes: 0, lastIncidentNumber: 2, incident: incident(2) }, lastResult: last }],
        incidents: [{ seq: a, incident: incident(1, T0 + 11_000) }, { seq: a, incident: incident(2) }, { seq: b, incident: incident(1) }],
      });
    });
    after(async () => t?.cleanup());
    const it = (title: string, fn: () => Promise<void>): void => {
      test(title, async (tc) => {
        if (skipReason) return tc.skip(skipReason);
        await fn();
      });
    };

    it("result pages follow (time, id) in either order, with ranges and health filters", async () => {
      const p1 = await resultPage(s.db, { monitorId: "a/x", limit: 2, order: "desc" });
      assert.deepEqual(p1.results.map((r) => r.detail), [{ n: 4 }, { n: 3 }]);
      const p2 = await resultPage(s.db, { monitorId: "a/x", limit: 2, order: "desc", ...(p1.next ? { after: p1.next } : {}) });
      assert.deepEqual(p2.results.map((r) => r.detail), [{ n: 2 }, { n: 1 }], "the two rows of one millisecond are both listed, once");
      const p3 = await resultPage(s.db, { monitorId: "a/x", limit: 2, order: "desc", ...(p2.next ? { after: p2.next } : {}) });
      assert.deepEqual([p3.results.map((r) => r.detail), p3.next], [[{ n: 0 }], undefined]);
      const asc = await resultPage(s.db, { monitorId: "a/x", limit: 10, order: "asc", from: T0 + 1000, to: T0 + 3000 });
      assert.deepEqual(asc.results.map((r) => r.detail), [{ n: 1 }, { n: 2 }, { n: 3 }]);
      const down = await resultPage(s.db, { monitorId: "a/x", limit: 10, order: "desc", health: ["down"] });
      assert.deepEqual(down.results.map((r) => r.detail), [{ n: 3 }]);
      assert.deepEqual((await resultPage(s.db, { monitorId: "nope", limit: 10, order: "desc" })).results, []);
      assert.deepEqual([...(await lastResults(s.db, ["a/x", "b", "nope"])).keys()], ["a/x"]);
    });

    it("notes and acknowledgements: by incident, oldest first; acknowledged open incidents by monitor", async () => {
      await addIncidentNote(s.db, { seq: a, number: 2 }, { kind: "note", at: T0 + 30_000, author: "ana", text: "looking" });
      await addIncidentNote(s.db, { seq: a, number: 2 }, { kind: "acknowledged", at: T0 + 31_000, author: "bo", text: "" });
      await addIncidentNote(s.db, { seq: a, number: 1 }, { kind: "acknowledged", at: T0 + 10_500, author: "cy", text: "old one" });
      const notes = await incidentNotes(s.db, { seq: a, number: 2 });
      assert.deepEqual(notes.map((n) => [n.kind, n.author, n.text]), [["note", "ana", "looking"], ["acknowledged", "bo", ""]]);
      const acks = await acknowledgements(s.db, [{ seq: a, number: 2 }, { seq: b, number: 1 }]);
      assert.deepEqual([...acks.entries()].map(([k, v]) => [k, v.author]), [[`${a}/2`, "bo"]]);
      const open = await acknowledgedOpen(s.db);
      assert.deepEqual([...open.entries()], [["a/x", { number: 2, at: T0 + 31_000, author: "bo" }]], "a resolved incident's acknowledgement is not open");
    });

    it("keyed incidents carry the monitor's key and name, and find one by key", async () => {
      const all = await keyedIncidents(s.db, { limit: 10 });
      const row = (i: (typeof all)[number]) => JSON.stringify([i.monitorId, i.monitorName, i.seq, i.number, i.resolvedAt !== undefined]);
      assert.equal(row(all[0] as (typeof all)[number]), JSON.stringify(["a/x", "A", a, 2, false]), "newest first");
      assert.deepEqual(all.slice(1).map(row).sort(), [JSON.stringify(["a/x", "A", a, 1, true]), JSON.stringify(["b", "B", b, 1, false])].sort());
      assert.deepEqual((await keyedIncidents(s.db, { seq: a, number: 1, limit: 1 })).map((i) => i.cause), ["cause 1"]);
      assert.deepEqual((await keyedIncidents(s.db, { open: true, limit: 10 })).map((i) => i.monitorId).sort(), ["a/x", "b"]);
      assert.deepEqual((await keyedIncidents(s.db, { monitorId: "b", limit: 10 })).map((i) => i.number), [1]);
    });
  });
}

suite("sqlite", sqliteStore, async () => undefined);
suite("postgres", postgresStore, postgresUnavailable);
