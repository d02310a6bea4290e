import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { durationWords } from "./duration-words.ts";
import { advance, type Effect, enterMaintenance, initialState, type MonitorState, type MonitorStatus, pause, remove, resume, type StatePolicy, tick, worstStatus } from "./monitor-state.ts";
import type { Health, Observation } from "./types.ts";

const obs = (health: Health, at: number, reason = health === "down" ? "status 503" : undefined): Observation => ({ monitorId: "m", at, health, source: "probe", region: "local", ...(reason ? { reason } : {}) });
const P = (failureThreshold = 1, successThreshold = 1, reminderIntervalMs?: number): StatePolicy => ({ failureThreshold, successThreshold, ...(reminderIntervalMs ? { reminderIntervalMs } : {}) });

type Event = Health | "pause" | "resume" | "maint" | "remove" | `tick@${number}`;

/** Runs events one second apart from t=1000 and collects every effect. */
function run(events: Event[], policy: StatePolicy, start: MonitorState = initialState("m", 0)) {
  let s = start;
  const effects: Effect[] = [];
  events.forEach((e, i) => {
    const at = 1000 * (i + 1);
    const step =
      e === "pause" ? pause(s, at)
      : e === "resume" ? resume(s, at)
      : e === "maint" ? enterMaintenance(s, at)
      : e === "remove" ? remove(s, at)
      : e.startsWith("tick@") ? tick(s, Number(e.slice(5)), policy)
      : advance(s, obs(e as Health, at), policy);
    s = step.state;
    effects.push(...step.effects);
  });
  const kinds = effects.map((x) => (x.type === "state.changed" ? `${x.from}→${x.to}` : x.type));
  return { s, effects, kinds };
}

describe("monitor state machine", () => {
  const table: { name: string; events: Event[]; policy?: StatePolicy; status: MonitorStatus; kinds: string[]; open?: number }[] = [
    { name: "pending → up", events: ["up"], status: "up", kinds: ["pending→up"] },
    { name: "pending → degraded", events: ["degraded"], status: "degraded", kinds: ["pending→degraded"] },
    { name: "up stays up, no effects", events: ["up", "up", "up"], status: "up", kinds: ["pending→up"] },
    { name: "one failure opens an incident by default", events: ["up", "down"], status: "down", kinds: ["pending→up", "up→down", "incident.opened"], open: 1 },
    { name: "alert once: more failures change nothing", events: ["down", "down", "down"], status: "down", kinds: ["pending→down", "incident.opened"], open: 1 },
    { name: "recovery resolves with the outage's length", events: ["down", "up"], status: "up", kinds: ["pending→down", "incident.opened", "incident.resolved", "down→up"] },
    { name: "recovery into degraded", events: ["down", "degraded"], status: "degraded", kinds: ["pending→down", "incident.opened", "incident.resolved", "down→degraded"] },
    { name: "degraded ↔ up are status changes, not incidents", events: ["up", "degraded", "up"], status: "up", kinds: ["pending→up", "up→degraded", "degraded→up"] },
    { name: "N=3: two failures open nothing", events: ["up", "down", "down"], policy: P(3), status: "up", kinds: ["pending→up"] },
    { name: "N=3: the third consecutive failure opens", events: ["up", "down", "down", "down"], policy: P(3), status: "down", kinds: ["pending→up", "up→down", "incident.opened"], open: 1 },
    { name: "N=3: a success in between resets the count", events: ["down", "down", "up", "down", "down"], policy: P(3), status: "up", kinds: ["pending→up"] },
    { name: "M=2: one success does not resolve", events: ["down", "up"], policy: P(1, 2), status: "down", kinds: ["pending→down", "incident.opened"], open: 1 },
    { name: "M=2: two successes resolve", events: ["down", "up", "up"], policy: P(1, 2), status: "up", kinds: ["pending→down", "incident.opened", "incident.resolved", "down→up"] },
    { name: "M=2: a failure between successes resets", events: ["down", "up", "down", "up"], policy: P(1, 2), status: "down", kinds: ["pending→down", "incident.opened"], open: 1 },
    { name: "paused ignores observations", events: ["up", "pause", "down", "down"], status: "paused", kinds: ["pending→up", "up→paused"] },
    { name: "resume goes back to pending", events: ["up", "pause", "resume", "up"], status: "up", kinds: ["pending→up", "up→paused", "paused→pending", "pending→up"] },
    { name: "pausing keeps an open incident; resume returns to down, no new incident", events: ["down", "pause", "resume", "down"], status: "down", kinds: ["pending→down", "incident.opened", "down→paused", "paused→down"], open: 1 },
    { name: "maintenance opens nothing", events: ["up", "maint", "down", "down"], status: "maintenance", kinds: ["pending→up", "up→maintenance"] },
    { name: "a recovery during maintenance resolves an earlier incident, status stays", events: ["down", "maint", "up"], status: "maintenance", kinds: ["pending→down", "incident.opened", "down→maintenance", "incident.resolved"] },
    { name: "after maintenance: pending, then as observed", events: ["up", "maint", "resume", "down"], status: "down", kinds: ["pending→up", "up→maintenance", "maintenance→pending", "pending→down", "incident.opened"], open: 1 },
    { name: "removal with an open incident closes it as removed", events: ["down", "remove"], status: "down", kinds: ["pending→down", "incident.opened", "incident.resolved"] },
    { name: "removal without an incident does nothing", events: ["up", "remove"], status: "up", kinds: ["pending→up"] },
  ];
  for (const row of table) {
    test(row.name, () => {
      const { s, kinds } = run(row.events, row.policy ?? P());
      assert.equal(s.status, row.status);
      assert.deepEqual(kinds, row.kinds);
      assert.equal(s.incident?.number, row.open);
    });
  }

  test("incidents are numbered per monitor and carry cause, times and duration", () => {
    const { effects, s } = run(["down", "down", "up", "up", "down", "up"], P());
    const opened = effects.filter((e) => e.type === "incident.opened");
    const resolved = effects.filter((e) => e.type === "incident.resolved");
    assert.deepEqual(opened.map((e) => e.incident.number), [1, 2]);
    assert.deepEqual(opened.map((e) => [e.incident.openedAt, e.incident.cause]), [[1000, "status 503"], [5000, "status 503"]]);
    assert.deepEqual(resolved.map((e) => [e.incident.number, e.incident.resolvedAt, e.incident.durationSec, e.durationText, e.incident.resolution]), [[1, 3000, 2, "2 seconds", "recovered"], [2, 6000, 1, "1 second", "recovered"]]);
    assert.equal(s.lastIncidentNumber, 2);
  });

  test("removal resolves as removed, not recovered", () => {
    const { effects } = run(["down", "remove"], P());
    const r = effects.find((e) => e.type === "incident.resolved");
    assert.equal(r?.type === "incident.resolved" && r.incident.resolution, "removed");
  });

  test("reload mid-incident: a restored state with a new policy keeps the incident and its number", () => {
    const before = run(["down"], P()).s;
    const restored = JSON.parse(JSON.stringify(before)) as MonitorState; // as stored and loaded back
    const after = run(["down", "up", "up"], P(1, 3), restored);
    assert.deepEqual(after.kinds, [], "no re-open, and not yet three successes");
    const later = run(["up"], P(1, 3), after.s);
    assert.deepEqual(later.kinds, ["incident.resolved", "down→up"]);
    const r = later.effects.find((e) => e.type === "incident.resolved");
    assert.equal(r?.type === "incident.resolved" && r.incident.number, 1);
  });

  test("reminders while an incident stays open, one per period", () => {
    const policy = P(1, 1, 10_000);
    const { effects } = run(["down", "tick@5000", "tick@11000", "tick@15000", "tick@21001"], policy);
    const reminders = effects.filter((e) => e.type === "reminder.due");
    assert.deepEqual(reminders.map((e) => e.type === "reminder.due" && e.openForSec), [10, 20.001]);
    assert.deepEqual(run(["up", "tick@99999"], policy).kinds, ["pending→up"]);
  });

  test("the group status is its worst member", () => {
    assert.equal(worstStatus(["up", "degraded", "up"]), "degraded");
    assert.equal(worstStatus(["up", "down", "degraded", "paused"]), "down");
    assert.equal(worstStatus(["paused", "maintenance"]), "maintenance");
    assert.equal(worstStatus(["up", "pending"]), "pending");
    assert.equal(worstStatus([]), "pending");
  });
});

describe("outage length in words", () => {
  test("Cupcake's examples, with correct plurals", () => {
    const table: [number, string][] = [
      [65, "1 minute, 5 seconds"], [3725.5, "1 hour, 2 minutes, 5 seconds"], [3600, "1 hour"], [1.5, "1 second"], [0.5, "0 seconds"],
      [40 * 86400 + 5, "40 days, 5 seconds"], [90061.2, "1 day, 1 hour, 1 minute, 1 second"], [2, "2 seconds"],
    ];
    for (const [sec, words] of table) assert.equal(durationWords(sec), words, String(sec));
  });
});
