/** Incidents and updates of status pages over the API: threads, states, maintenance announcements, bad bodies, not found. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type StatusApp, statusApp } from "../../test/helpers/status-pages.ts";

const CONFIG = `
monitors:
  - { id: api, name: API, type: heartbeat, period: 1h }
  - { id: web, name: Website, type: heartbeat, period: 1h }
`;

interface Incident {
  id: number;
  kind: string;
  title: string;
  impact: string;
  state: string;
  monitors: string[];
  author: string;
  startsAt?: string;
  endsAt?: string;
  resolvedAt: string | null;
  updates: Array<{ id: number; state: string; body: string; author: string }>;
}

describe("status page incidents API", () => {
  let s: StatusApp;
  before(async () => {
    s = await statusApp({ config: CONFIG });
    assert.equal((await s.app.inject({ method: "POST", url: "/api/v1/status-pages", payload: { slug: "acme", title: "Acme", sections: [{ title: "All", monitors: ["api", "web"] }] } })).statusCode, 201);
  });
  after(() => s.cleanup());

  const req = (method: "GET" | "POST" | "PATCH" | "DELETE", url: string, payload?: unknown) => s.app.inject({ method, url: `/api/v1/status-pages/acme${url}`, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });
  const count = async () => ((await req("GET", "/incidents?limit=500")).json() as { incidents: Incident[] }).incidents.length;

  test("an incident opens with its first update, follows its updates and resolves", async () => {
    const made = await req("POST", "/incidents", { title: "API errors", impact: "major", monitors: ["api"], state: "investigating", body: "We see 500s." });
    assert.equal(made.statusCode, 201, made.body);
    const i = made.json() as Incident;
    assert.deepEqual([i.kind, i.title, i.impact, i.state, i.monitors, i.author, i.resolvedAt], ["incident", "API errors", "major", "investigating", ["api"], "ana", null]);
    assert.deepEqual(i.updates.map((u) => [u.state, u.body, u.author]), [["investigating", "We see 500s.", "ana"]]);

    const u2 = await req("POST", `/incidents/${i.id}/updates`, { state: "identified", body: "A bad deploy." });
    assert.equal(u2.statusCode, 201, u2.body);
    assert.deepEqual((({ state, body, author }) => ({ state, body, author }))(u2.json() as Incident["updates"][0]), { state: "identified", body: "A bad deploy.", author: "ana" });
    const u3 = (await req("POST", `/incidents/${i.id}/updates`, { state: "resolved", body: "Rolled back." })).json() as { id: number };
    let got = (await req("GET", `/incidents/${i.id}`)).json() as Incident;
    assert.equal(got.state, "resolved");
    assert.ok(got.resolvedAt);
    assert.deepEqual(got.updates.map((u) => u.state), ["resolved", "identified", "investigating"]);

    const fixed = await req("PATCH", `/incidents/${i.id}/updates/${u3.id}`, { body: "Rolled back to v41." });
    assert.equal((fixed.json() as { body: string }).body, "Rolled back to v41.");
    const retitled = (await req("PATCH", `/incidents/${i.id}`, { title: "API 500 errors", monitors: ["api", "web"] })).json() as Incident;
    assert.deepEqual([retitled.title, retitled.monitors, retitled.impact, retitled.state], ["API 500 errors", ["api", "web"], "major", "resolved"]);

    assert.equal((await req("DELETE", `/incidents/${i.id}/updates/${u3.id}`)).statusCode, 204);
    got = (await req("GET", `/incidents/${i.id}`)).json() as Incident;
    assert.deepEqual([got.state, got.resolvedAt], ["identified", null], "open again when its resolving update is deleted");
    assert.deepEqual(((await req("GET", "/incidents?open=true")).json() as { incidents: Incident[] }).incidents.map((x) => x.id), [i.id]);

    assert.equal((await req("DELETE", `/incidents/${i.id}`)).statusCode, 204);
    assert.equal((await req("GET", `/incidents/${i.id}`)).statusCode, 404);
  });

  test("a maintenance announcement needs its window; an incident has none", async () => {
    const start = new Date(Date.now() + 86_400_000).toISOString();
    const end = new Date(Date.now() + 90_000_000).toISOString();
    const m = await req("POST", "/incidents", { kind: "maintenance", title: "DB upgrade", startsAt: start, endsAt: end, state: "maintenance", body: "Read-only for an hour." });
    assert.equal(m.statusCode, 201, m.body);
    const a = m.json() as Incident;
    assert.deepEqual([a.kind, a.impact, a.startsAt, a.endsAt], ["maintenance", "none", start, end]);
    const moved = (await req("PATCH", `/incidents/${a.id}`, { endsAt: new Date(Date.parse(end) + 3_600_000).toISOString() })).json() as Incident;
    assert.equal(Date.parse(moved.endsAt as string) - Date.parse(start), 7_200_000);
    assert.equal((await req("PATCH", `/incidents/${a.id}`, { kind: "incident" })).statusCode, 400, "an incident with a window");
    assert.equal((await req("PATCH", `/incidents/${a.id}`, { kind: "incident", startsAt: null, endsAt: null })).statusCode, 200, "turned into an incident once the window is cleared");
    await req("DELETE", `/incidents/${a.id}`);
  });

  test("bad bodies are refused naming the field, and nothing is stored", async () => {
    const first = (await req("POST", "/incidents", { title: "Keep", state: "investigating", body: "x" })).json() as Incident;
    const before = await count();
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    const cases: Array<[string, unknown, RegExp, ("POST" | "PATCH")?]> = [
      ["/incidents", { title: "T", state: "broken", body: "b" }, /^body\/state: must be equal to constant$/],
      ["/incidents", { title: "T", state: "investigating" }, /^body\/body: required$/],
      ["/incidents", { title: "T", state: "investigating", body: "b", monitors: ["api", "ghost"] }, /^body\/monitors\/1: no monitor "ghost"$/],
      ["/incidents", { title: "T", state: "investigating", body: "b", impact: "huge" }, /^body\/impact: must be equal to constant$/],
      ["/incidents", { kind: "maintenance", title: "T", state: "maintenance", body: "b", startsAt: soon }, /^body\/endsAt: a maintenance announcement needs startsAt and endsAt$/],
      ["/incidents", { title: "T", state: "investigating", body: "b", startsAt: soon }, /^body\/startsAt: only maintenance announcements/],
      ["/incidents", { kind: "maintenance", title: "T", state: "maintenance", body: "b", startsAt: soon, endsAt: soon }, /^body\/endsAt: must be after startsAt$/],
      ["/incidents", { kind: "maintenance", title: "T", state: "maintenance", body: "b", startsAt: "tomorrow", endsAt: soon }, /^body\/startsAt: must match format "date-time"$/],
      ["/incidents", { title: "T", state: "investigating", body: "b", author: "me" }, /^body\/author: unknown property$/],
      [`/incidents/${first.id}/updates`, { state: "resolved" }, /^body\/body: required$/],
      [`/incidents/${first.id}/updates`, { state: "resolved", body: "" }, /^body\/body: must NOT have fewer than 1 characters$/],
      [`/incidents/${first.id}/updates/${first.updates[0]!.id}`, {}, /^body: give at least one field to change$/, "PATCH"],
      [`/incidents/${first.id}`, { monitors: ["ghost"] }, /^body\/monitors\/0: no monitor "ghost"$/, "PATCH"],
    ];
    for (const [url, body, message, method = "POST"] of cases) {
      const r = await req(method, url, body);
      assert.equal(r.statusCode, 400, `${method} ${url} ${JSON.stringify(body)} → ${r.body}`);
      assert.equal((r.json() as { code: string }).code, "UPBEAT_BAD_REQUEST");
      assert.match((r.json() as { message: string }).message, message, JSON.stringify(body));
    }
    assert.equal(await count(), before);
    const still = (await req("GET", `/incidents/${first.id}`)).json() as Incident;
    assert.deepEqual([still.title, still.monitors, still.updates.length, still.updates[0]?.body], ["Keep", [], 1, "x"]);
    assert.equal((await req("GET", "/incidents/abc")).statusCode, 400, "a non-numeric id");
  });

  test("unknown pages, incidents and updates are 404; the only update cannot be deleted (409)", async () => {
    const i = (await req("POST", "/incidents", { title: "One", state: "investigating", body: "x" })).json() as Incident;
    const missing = await s.app.inject({ method: "POST", url: "/api/v1/status-pages/nope/incidents", payload: { title: "T", state: "investigating", body: "b" } });
    assert.deepEqual(missing.json(), { code: "UPBEAT_NOT_FOUND", message: 'no status page "nope"', statusCode: 404 });
    assert.deepEqual((await req("POST", "/incidents/999999/updates", { state: "resolved", body: "b" })).json(), { code: "UPBEAT_NOT_FOUND", message: 'no incident 999999 on status page "acme"', statusCode: 404 });
    assert.equal((await req("PATCH", "/incidents/999999", { title: "x" })).statusCode, 404);
    assert.equal((await req("DELETE", "/incidents/999999")).statusCode, 404);
    assert.equal((await req("PATCH", `/incidents/${i.id}/updates/999999`, { body: "x" })).statusCode, 404);
    assert.equal((await req("DELETE", `/incidents/${i.id}/updates/999999`)).statusCode, 404);
    const last = await req("DELETE", `/incidents/${i.id}/updates/${i.updates[0]!.id}`);
    assert.deepEqual(last.json(), { code: "UPBEAT_CONFLICT", message: "an incident keeps at least one update; delete the incident instead", statusCode: 409 });
    assert.equal(((await req("GET", `/incidents/${i.id}`)).json() as Incident).updates.length, 1);
  });
});
