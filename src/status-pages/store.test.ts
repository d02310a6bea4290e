/** Status page storage on SQLite and PostgreSQL: pages, conflicts, incident threads, feeds and the batched day rollups. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { postgresStore, postgresUnavailable, REQUIRE_SERVICES, sqliteStore, type TestStore } from "../../test/helpers/stores.ts";
import { emptyBatch, type RollupRecord } from "../store/types.ts";
import { IncidentStore } from "./incidents.ts";
import { PageConflictError, type PageInput, StatusPageStore } from "./store.ts";

const T0 = Date.UTC(2026, 2, 10, 12, 0, 0);
const DAY = 86_400_000;

function page(slug: string, extra: Partial<PageInput> = {}): PageInput {
  return { slug, title: slug.toUpperCase(), description: "", sections: [{ title: "Web", monitors: [{ id: "a" }], matchers: ["group=shop"] }], showUptimeBars: true, footer: "", statusText: {}, historyDays: 14, ...extra };
}

function day(seq: number, bucket: number, checks: number, failures: number): RollupRecord {
  return { seq, bucket, checks, failures, degraded: 0, downMs: 0, latCount: 0, latSum: 0, sketch: "" };
}

function suite(name: string, make: () => Promise<TestStore>, skip: () => Promise<string | undefined>) {
  describe(`status page store: ${name}`, () => {
    let t: TestStore | undefined;
    let pages: StatusPageStore;
    let incidents: IncidentStore;
    let skipReason: string | undefined;
    before(async () => {
      skipReason = await skip();
      if (skipReason && REQUIRE_SERVICES) throw new Error(`${skipReason} (UPBEAT_REQUIRE_SERVICES=1)`);
      if (skipReason) return;
      t = await make();
      pages = new StatusPageStore(t.store.db);
      incidents = new IncidentStore(t.store.db);
    });
    after(async () => t?.cleanup());
    const it = (title: string, fn: () => Promise<void>): void => {
      test(title, async (c) => {
        if (skipReason) return c.skip(skipReason);
        await fn();
      });
    };

    it("pages are stored with their sections, logo and password hash, and listed by slug", async () => {
      const logo = { type: "image/png", data: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]) };
      const made = await pages.createPage(page("public", { logo, domain: "status.example.com", passwordHash: "$argon2id$x", statusText: { up: "All good" } }), T0);
      assert.equal(made.slug, "public");
      assert.deepEqual(made.sections, [{ title: "Web", monitors: [{ id: "a" }], matchers: ["group=shop"] }]);
      assert.equal(made.domain, "status.example.com");
      assert.equal(made.passwordHash, "$argon2id$x");
      assert.equal(made.logoType, "image/png");
      assert.deepEqual(made.statusText, { up: "All good" });
      assert.deepEqual(await pages.logo(made.id), logo);
      await pages.createPage(page("another"), T0);
      assert.deepEqual((await pages.listPages()).map((p) => p.slug), ["another", "public"]);
    });

    it("a taken slug or domain is a conflict, on create and on update; the page stays as it was", async () => {
      await assert.rejects(pages.createPage(page("public"), T0), (e: unknown) => e instanceof PageConflictError && e.field === "slug");
      await assert.rejects(pages.createPage(page("third", { domain: "status.example.com" }), T0), (e: unknown) => e instanceof PageConflictError && e.field === "domain");
      const other = (await pages.getPage("another"))!;
      await assert.rejects(pages.updatePage(other.id, page("public"), T0 + 1), (e: unknown) => e instanceof PageConflictError && e.field === "slug");
      assert.equal((await pages.getPage("another"))?.updatedAt, T0);
      const renamed = await pages.updatePage(other.id, page("renamed", { passwordHash: null, logo: null }), T0 + 2);
      assert.equal(renamed.slug, "renamed");
      assert.equal(renamed.createdAt, T0);
      assert.equal(renamed.updatedAt, T0 + 2);
    });

    it("an incident thread follows its latest update; resolving sets the time; the only update cannot go", async () => {
      const p = (await pages.getPage("public"))!;
      const i = await incidents.create(p.id, { kind: "incident", title: "API errors", impact: "major", monitors: ["a"] }, { state: "investigating", body: "Looking" }, "ana", T0);
      assert.equal(i.state, "investigating");
      assert.equal(i.resolvedAt, undefined);
      assert.deepEqual(i.updates.map((u) => [u.state, u.body, u.author]), [["investigating", "Looking", "ana"]]);
      const u2 = await incidents.addUpdate(p.id, i.id, { state: "identified", body: "Bad deploy" }, "bo", T0 + 1000);
      const u3 = await incidents.addUpdate(p.id, i.id, { state: "resolved", body: "Rolled back" }, "bo", T0 + 2000);
      let got = (await incidents.get(p.id, i.id))!;
      assert.deepEqual(got.updates.map((u) => u.state), ["resolved", "identified", "investigating"], "newest first");
      assert.equal(got.state, "resolved");
      assert.equal(got.resolvedAt, T0 + 2000);
      assert.equal(await incidents.deleteUpdate(p.id, i.id, u3!.id, T0 + 3000), "deleted");
      got = (await incidents.get(p.id, i.id))!;
      assert.equal(got.state, "identified");
      assert.equal(got.resolvedAt, undefined, "reopened when the resolving update goes");
      await incidents.editUpdate(p.id, i.id, u2!.id, { state: "resolved" }, T0 + 4000);
      assert.equal((await incidents.get(p.id, i.id))?.resolvedAt, T0 + 1000, "resolved at the update's own time");
      assert.equal(await incidents.deleteUpdate(p.id, i.id, 999_999, T0), "missing");
      assert.equal(await incidents.deleteUpdate(p.id, i.id, u2!.id, T0), "deleted");
      assert.equal(await incidents.deleteUpdate(p.id, i.id, i.updates[0]!.id, T0), "last");
      assert.equal(await incidents.addUpdate(p.id + 1000, i.id, { state: "monitoring", body: "x" }, "bo", T0), undefined, "not on that page");
    });

    it("lists open and recently resolved incidents, pages them, and feeds updates newest first", async () => {
      const p = (await pages.getPage("public"))!;
      const old = await incidents.create(p.id, { kind: "incident", title: "Old", impact: "minor", monitors: [] }, { state: "resolved", body: "Done" }, "ana", T0 - 30 * DAY);
      const mnt = await incidents.create(p.id, { kind: "maintenance", title: "DB upgrade", impact: "none", monitors: [], startsAt: T0 + DAY, endsAt: T0 + DAY + 3_600_000 }, { state: "maintenance", body: "Planned" }, "ana", T0 + 5000);
      const recent = await incidents.list(p.id, { resolvedSince: T0 - 7 * DAY, limit: 50 });
      assert.ok(!recent.some((i) => i.id === old.id), "resolved long ago is left out");
      assert.deepEqual(recent.map((i) => i.title), ["DB upgrade", "API errors"]);
      assert.equal(recent[0]?.startsAt, T0 + DAY);
      assert.equal(recent[0]?.endsAt, T0 + DAY + 3_600_000);
      assert.deepEqual((await incidents.list(p.id, { open: false, limit: 1 })).map((i) => i.title), ["Old"]);
      assert.deepEqual(await incidents.list(p.id, { open: false, limit: 1, offset: 1 }), []);
      assert.deepEqual((await incidents.list(p.id, { open: true, limit: 1, offset: 1 })).map((i) => i.title), ["API errors"], "reopened above, second newest");
      const feed = await incidents.feed(p.id, 3);
      assert.deepEqual(feed.map((u) => [u.title, u.state]), [["DB upgrade", "maintenance"], ["API errors", "investigating"], ["Old", "resolved"]]);
      assert.equal(feed[0]?.kind, "maintenance");
      const edited = await incidents.edit(p.id, mnt.id, { kind: "maintenance", title: "DB upgrade (v16)", impact: "minor", monitors: ["a"], startsAt: T0 + DAY, endsAt: T0 + 2 * DAY }, T0 + 6000);
      assert.deepEqual([edited?.title, edited?.impact, edited?.monitors, edited?.endsAt], ["DB upgrade (v16)", "minor", ["a"], T0 + 2 * DAY]);
      assert.equal(await incidents.delete(p.id, mnt.id), true);
      assert.equal(await incidents.delete(p.id, mnt.id), false);
      assert.equal((await incidents.feed(p.id, 50)).filter((u) => u.incidentId === mnt.id).length, 0, "its updates went too");
    });

    it("reads the day rollups of many monitors in one batch, from a day on", async () => {
      const s = t!.store;
      const ids = Array.from({ length: 620 }, (_, i) => `m${i}`);
      const seqs = await s.syncMonitors(ids.map((id) => ({ id, name: id, kind: "heartbeat", groupPath: [], source: "native", definition: {} })), T0);
      const today = Math.floor(T0 / DAY) * DAY;
      const rows = ids.flatMap((id, i) => [day(seqs.get(id)!, today - 100 * DAY, 1, 1), day(seqs.get(id)!, today - DAY, 100, i % 3), day(seqs.get(id)!, today, 10, 0)]);
      await s.commit({ ...emptyBatch(), rollups: rows.map((row) => ({ size: "day" as const, row, merge: false })) });
      const got = await pages.dayRows(ids, today - 89 * DAY);
      assert.equal(got.size, 620);
      assert.deepEqual(got.get("m5"), [{ day: today - DAY, checks: 100, failures: 2, degraded: 0, downMs: 0 }, { day: today, checks: 10, failures: 0, degraded: 0, downMs: 0 }]);
      assert.equal((await pages.dayRows([], today)).size, 0);
    });

    it("deleting a page takes its incidents and updates", async () => {
      const p = (await pages.getPage("public"))!;
      await pages.deletePage(p.id);
      assert.equal(await pages.getPage("public"), undefined);
      assert.deepEqual(await incidents.list(p.id, { limit: 50 }), []);
      assert.deepEqual(await incidents.feed(p.id, 50), []);
    });
  });
}

suite("sqlite", sqliteStore, async () => undefined);
suite("postgres", postgresStore, postgresUnavailable);
