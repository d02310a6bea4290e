/** What a page shows, from its parts: day classes, the banner rule, section resolution and maintenance windows. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMatcher, type Matcher } from "../core/matchers.ts";
import { dayCells, dayClass, type LiveMonitor, overallStatus, resolveSections, windowViews } from "./snapshot.ts";
import type { StatusIncident, StatusPage } from "./types.ts";

const NOW = Date.UTC(2026, 4, 20, 15, 0, 0);
const DAY = 86_400_000;
const mon = (id: string, status: LiveMonitor["status"], labels: Record<string, string> = {}): LiveMonitor => ({ id, name: id.toUpperCase(), labels: { monitor: id, ...labels }, status });
const inc = (impact: StatusIncident["impact"]): StatusIncident => ({ id: 1, pageId: 1, kind: "incident", title: "t", impact, state: "investigating", monitors: [], author: "a", createdAt: NOW, updatedAt: NOW, updates: [] });
const m = (s: string) => parseMatcher(s) as Matcher;

test("a day is none, up, degraded, partial (≥ 99 % up) or down", () => {
  assert.equal(dayClass({ checks: 0, failures: 0, degraded: 0 }), "none");
  assert.equal(dayClass({ checks: 10, failures: 0, degraded: 0 }), "up");
  assert.equal(dayClass({ checks: 10, failures: 0, degraded: 3 }), "degraded");
  assert.equal(dayClass({ checks: 100, failures: 1, degraded: 0 }), "partial");
  assert.equal(dayClass({ checks: 100, failures: 2, degraded: 0 }), "down");
});

test("the bars are 90 UTC days ending today, oldest first", () => {
  const today = Math.floor(NOW / DAY) * DAY;
  const cells = dayCells([{ day: today - 89 * DAY, checks: 5, failures: 5, degraded: 0, downMs: 1 }, { day: today - 90 * DAY, checks: 1, failures: 0, degraded: 0, downMs: 0 }], NOW);
  assert.equal(cells.length, 90);
  assert.deepEqual([cells[0]?.day, cells[0]?.cls, cells[0]?.uptimePct], [today - 89 * DAY, "down", 0]);
  assert.deepEqual([cells[89]?.day, cells[89]?.cls, cells[89]?.uptimePct], [today, "none", null]);
});

test("the banner: any down wins, then degraded, incidents by impact, then maintenance (Checkup's rule, compat §3.8)", () => {
  assert.equal(overallStatus([], [], false), "up", "no monitors is normal");
  assert.equal(overallStatus(["up", "degraded"], [], false), "degraded");
  assert.equal(overallStatus(["degraded", "down", "up"], [], false), "down");
  assert.equal(overallStatus(["up", "paused", "pending"], [], false), "up");
  assert.equal(overallStatus(["up"], [inc("minor")], false), "degraded");
  assert.equal(overallStatus(["degraded"], [inc("major")], false), "down");
  assert.equal(overallStatus(["up"], [inc("none")], false), "up");
  assert.equal(overallStatus(["up", "maintenance"], [], false), "maintenance");
  assert.equal(overallStatus(["up"], [], true), "maintenance");
  assert.equal(overallStatus(["degraded", "maintenance"], [], true), "degraded");
});

test("sections list their monitors first, then label matches by name, skipping unknown ids and repeats", () => {
  const all = [mon("b", "up", { group: "shop" }), mon("a", "down", { group: "shop" }), mon("c", "up", { group: "ops" })];
  const src = { get: (id: string) => all.find((x) => x.id === id), all: () => all };
  const page = { sections: [{ title: "S", monitors: [{ id: "c" }, { id: "gone" }, { id: "b", name: "Bee" }, { id: "c" }], matchers: ["group=shop"] }] } as unknown as StatusPage;
  const [s] = resolveSections(page, src);
  assert.deepEqual(s?.monitors.map((x) => [x.live.id, x.name]), [["c", "C"], ["b", "Bee"], ["a", "A"]]);
});

test("maintenance windows over the page's monitors: open now, or the next within two weeks", () => {
  const monitors = [mon("a", "up", { group: "shop" })];
  const daily = (hour: number) => (after: number) => Math.floor(after / DAY) * DAY + hour * 3_600_000 + (after % DAY >= hour * 3_600_000 ? DAY : 0);
  const views = windowViews(
    [
      { name: "open", matchers: [m("group=shop")], start: NOW - 1000, end: NOW + 1000 },
      { name: "later", matchers: [m("group=shop")], next: daily(18), durationMs: 3_600_000, comment: "c" },
      { name: "far", matchers: [m("group=shop")], start: NOW + 30 * DAY, end: NOW + 31 * DAY },
      { name: "other", matchers: [m("group=ops")], start: NOW - 1000, end: NOW + 1000 },
      { name: "past", matchers: [m("group=shop")], start: NOW - 2000, end: NOW - 1000 },
    ],
    monitors,
    NOW,
  );
  assert.deepEqual(views.map((v) => [v.name, v.open, v.from]), [["open", true, NOW - 1000], ["later", false, Math.floor(NOW / DAY) * DAY + 18 * 3_600_000]]);
  assert.equal(views[1]?.comment, "c");
});
