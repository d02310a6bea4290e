/** Incidents over the API: timeline, notes, acknowledgement stopping reminders across a restart. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiRig, type Json, startApi } from "../../test/helpers/api-app.ts";
import { FakeClock } from "../../test/helpers/fake-clock.ts";
import { quietLog } from "../../test/helpers/engine.ts";
import { waitFor } from "../../test/helpers/wait.ts";
import { buildApp } from "./app.ts";

type Incident = { id: string; monitorId: string; monitorName: string; number: number; open: boolean; acknowledged: { at: number; author: string } | null; timeline?: Array<{ type: string; at: number; author?: string; text?: string }> };

const HOUR = 3_600_000;

describe("incident routes", () => {
  let rig: ApiRig;
  const clock = new FakeClock();
  const reminders = (id: string) => rig.effects.filter((e) => e.type === "reminder.due" && e.monitorId === id).length;
  const observe = async (id: string, health: "up" | "down") => {
    rig.engine.observe({ monitorId: id, at: clock.now(), health, source: "heartbeat", region: "local", ...(health === "down" ? { reason: "no check-in" } : {}) });
    await rig.engine.writer.durable();
  };
  const incidents = async (query = "") => ((await rig.call("GET", `/api/v1/incidents${query}`)).json() as { incidents: Incident[] }).incidents;
  const idOf = async (monitorId: string) => (await incidents(`?monitor=${monitorId}&open=true`))[0]?.id as string;
  const tick = async (ms: number) => {
    await clock.advance(ms);
    await rig.engine.writer.durable();
  };

  before(async () => {
    rig = await startApi(`monitors:\n  - { id: job, name: Nightly job, type: heartbeat, period: 30d }\n  - { id: other, name: other, type: heartbeat, period: 30d }\n`, { engine: { clock, reminders: () => HOUR } });
    await observe("job", "down");
    await observe("other", "down");
  });
  after(() => rig.close());

  test("the list gives each incident an id, its monitor and whether it was acknowledged", async () => {
    const list = await incidents("?open=true");
    assert.deepEqual(list.map((i) => [i.monitorId, i.monitorName, i.number, i.open, i.acknowledged]).sort(), [["job", "Nightly job", 1, true, null], ["other", "other", 1, true, null]]);
    assert.match(list[0]?.id ?? "", /^\d+-1$/);
  });

  test("a note is added with the caller's name; the detail shows the timeline in order", async () => {
    const id = await idOf("job");
    await tick(60_000);
    const r = await rig.call("POST", `/api/v1/incidents/${id}/notes`, { text: "restarting the worker" });
    assert.equal(r.statusCode, 201, r.body);
    assert.deepEqual((r.json() as { note: Json }).note, { id: (r.json() as { note: { id: number } }).note.id, type: "note", at: clock.now(), author: "editor-user", text: "restarting the worker" });
    const detail = ((await rig.call("GET", `/api/v1/incidents/${id}`)).json() as { incident: Incident }).incident;
    assert.deepEqual(detail.timeline?.map((e) => [e.type, e.text]), [["opened", "no check-in"], ["note", "restarting the worker"]]);
  });

  test("acknowledging stops the reminders, also after a restart; an unacknowledged incident keeps getting them", async () => {
    await tick(HOUR + 10_000);
    await waitFor("a reminder for each", () => reminders("job") === 1 && reminders("other") === 1, 3000);
    const id = await idOf("job");
    const r = await rig.call("POST", `/api/v1/incidents/${id}/ack`, { text: "on it" });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual((r.json() as { acknowledged: Json }).acknowledged, { at: clock.now(), author: "editor-user" });
    const again = await rig.call("POST", `/api/v1/incidents/${id}/ack`);
    assert.equal(again.statusCode, 200, "acknowledging twice keeps the first");
    assert.equal((again.json() as { acknowledged: { at: number } }).acknowledged.at, clock.now());

    await tick(2 * HOUR + 20_000);
    await waitFor("the other's reminders", () => reminders("other") >= 2, 3000);
    assert.equal(reminders("job"), 1, "no reminder after the acknowledgement");

    await rig.restart();
    await tick(2 * HOUR + 20_000);
    await waitFor("the other's reminders after the restart", () => reminders("other") >= 1, 3000);
    assert.equal(reminders("job"), 0, "still none after the restart");
    const listed = (await incidents("?monitor=job"))[0];
    assert.equal(listed?.acknowledged?.author, "editor-user");
    const monitor = ((await rig.call("GET", "/api/v1/monitors/job")).json() as { monitor: { incident: { acknowledged: Json } } }).monitor;
    assert.equal(monitor.incident.acknowledged.author, "editor-user");
    const timeline = ((await rig.call("GET", `/api/v1/incidents/${id}`)).json() as { incident: Incident }).incident.timeline ?? [];
    assert.deepEqual(timeline.map((e) => e.type), ["opened", "note", "acknowledged"]);
    assert.equal(timeline[2]?.text, "on it");
  });

  test("a resolved incident shows its resolution and cannot be acknowledged", async () => {
    const id = await idOf("other");
    await observe("other", "up");
    const detail = ((await rig.call("GET", `/api/v1/incidents/${id}`)).json() as { incident: Incident }).incident;
    assert.deepEqual([detail.open, detail.timeline?.at(-1)?.type], [false, "resolved"]);
    const r = await rig.call("POST", `/api/v1/incidents/${id}/ack`);
    assert.equal(r.statusCode, 409);
    assert.equal((r.json() as Json).code, "UPBEAT_INCIDENT_RESOLVED");
    assert.equal((await rig.call("POST", `/api/v1/incidents/${id}/notes`, { text: "post-mortem: disk full" })).statusCode, 201, "notes are still welcome");
  });

  test("unknown and malformed ids, bad bodies, anonymous callers and viewers are refused, and nothing is stored", async () => {
    const id = await idOf("job");
    const before = ((await rig.call("GET", `/api/v1/incidents/${id}`)).json() as { incident: Incident }).incident.timeline;
    assert.equal((await rig.call("GET", "/api/v1/incidents/999-1")).statusCode, 404);
    assert.equal(((await rig.call("POST", "/api/v1/incidents/999-1/notes", { text: "x" })).json() as Json).code, "UPBEAT_INCIDENT_NOT_FOUND");
    assert.equal((await rig.call("POST", "/api/v1/incidents/999-1/ack")).statusCode, 404);
    assert.equal((await rig.call("GET", "/api/v1/incidents/job")).statusCode, 400);
    for (const body of [{}, { text: "" }, { text: 5, extra: true }, { note: "x" }]) {
      const r = await rig.call("POST", `/api/v1/incidents/${id}/notes`, body);
      assert.equal(r.statusCode, 400, JSON.stringify(body));
      assert.match((r.json() as { message: string }).message, /body/);
    }
    const anonymous = buildApp({ access: { resolve: async () => undefined }, store: rig.store, engine: () => rig.engine, ready: () => true, log: quietLog });
    for (const url of [`/api/v1/incidents/${id}/notes`, `/api/v1/incidents/${id}/ack`, `/api/v1/incidents/${id}`]) {
      assert.equal((await anonymous.inject({ method: url.endsWith(id) ? "GET" : "POST", url, payload: { text: "x" } })).statusCode, 401, url);
    }
    await anonymous.close();
    const viewer = rig.as("viewer");
    assert.equal((await viewer.inject({ method: "GET", url: `/api/v1/incidents/${id}` })).statusCode, 200);
    assert.equal((await viewer.inject({ method: "POST", url: `/api/v1/incidents/${id}/notes`, payload: { text: "x" } })).statusCode, 403);
    assert.equal((await viewer.inject({ method: "POST", url: `/api/v1/incidents/${id}/ack` })).statusCode, 403);
    const after = ((await rig.call("GET", `/api/v1/incidents/${id}`)).json() as { incident: Incident }).incident.timeline;
    assert.deepEqual(after, before);
  });
});
