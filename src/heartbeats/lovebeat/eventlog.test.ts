/** The event log's line format and its writer, with real files in a temp dir. */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rename, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  alarmAddedEvent,
  alarmRemovedEvent,
  alarmStateChangedEvent,
  EventLog,
  eventLine,
  serviceAddedEvent,
  serviceRemovedEvent,
  serviceStateChangedEvent,
} from "./eventlog.ts";
import type { LovebeatAlarmRecord, LovebeatServiceRecord } from "./model.ts";

// Keys deliberately out of Go's order, to show the builders reorder them.
const service: LovebeatServiceRecord = {
  state: "error",
  name: "app.db",
  in_alarms: ["db"],
  last_beat: 1700000000000,
  timeout: 5000,
  beat_history: [1000, 1200],
  muted_since: 0,
  last_state_change: 1700000005000,
};
const alarm: LovebeatAlarmRecord = { name: "db", state: "error", incident_nbr: 3, failed_services: ["app.db"], last_state_change: 9 };

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "upbeat-eventlog-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lines = async (path: string) => (await readFile(path, "utf8")).split("\n").filter((l) => l !== "");

describe("event lines (compat §2.10)", () => {
  test("L-eventlog: service_state_changed is exact, without beat_history and in_alarms", () => {
    assert.equal(
      eventLine(serviceStateChangedEvent(1700000005001, service, "ok", "error")),
      '{"ts":1700000005001,"type":"service_state_changed","service_state_changed":{"service":' +
        '{"name":"app.db","last_beat":1700000000000,"timeout":5000,"state":"error","muted_since":0,"last_state_change":1700000005000},' +
        '"previous":"ok","current":"error"}}\n',
    );
  });

  test("service_added and service_removed carry the whole service in Go order, empty lists left out", () => {
    assert.equal(
      eventLine(serviceAddedEvent(1, service)),
      '{"ts":1,"type":"service_added","service_added":{"service":{"name":"app.db","last_beat":1700000000000,"beat_history":[1000,1200],' +
        '"timeout":5000,"state":"error","muted_since":0,"last_state_change":1700000005000,"in_alarms":["db"]}}}\n',
    );
    const fresh: LovebeatServiceRecord = { name: "n", last_beat: -1, beat_history: [], timeout: -1, state: "new", muted_since: 0, last_state_change: 0, in_alarms: [] };
    assert.equal(
      eventLine(serviceRemovedEvent(2, fresh)),
      '{"ts":2,"type":"service_removed","service_removed":{"service":{"name":"n","last_beat":-1,"timeout":-1,"state":"new","muted_since":0,"last_state_change":0}}}\n',
    );
  });

  test("alarm events", () => {
    const body = '{"name":"db","state":"error","incident_nbr":3,"failed_services":["app.db"],"last_state_change":9}';
    assert.equal(eventLine(alarmAddedEvent(3, alarm)), `{"ts":3,"type":"alarm_added","alarm_added":{"alarm":${body}}}\n`);
    assert.equal(
      eventLine(alarmStateChangedEvent(4, alarm, "ok", "error")),
      `{"ts":4,"type":"alarm_state_changed","alarm_state_changed":{"alarm":${body},"previous":"ok","current":"error"}}\n`,
    );
    assert.equal(
      eventLine(alarmRemovedEvent(5, { ...alarm, failed_services: null })),
      '{"ts":5,"type":"alarm_removed","alarm_removed":{"alarm":{"name":"db","state":"error","incident_nbr":3,"failed_services":null,"last_state_change":9}}}\n',
    );
  });
});

describe("EventLog writer", () => {
  test("appends parseable lines to an existing file, and creates a new file with the mode", async () => {
    const path = join(dir, "append.log");
    const log = await EventLog.open(path, 0o600);
    log.write(serviceAddedEvent(1, service));
    log.write(serviceStateChangedEvent(2, service, "ok", "error"));
    await log.close();
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const again = await EventLog.open(path, 0o600);
    again.write(alarmAddedEvent(3, alarm));
    await again.close();
    const got = (await lines(path)).map((l) => JSON.parse(l) as { ts: number; type: string });
    assert.deepEqual(got.map((e) => [e.ts, e.type]), [[1, "service_added"], [2, "service_state_changed"], [3, "alarm_added"]]);
    assert.equal(again.written, 1);
  });

  test("follows rotation: after a rename the next write creates a new file at the path", async () => {
    const path = join(dir, "rotate.log");
    const log = await EventLog.open(path, 0o640, { checkIntervalMs: 0 });
    log.write(serviceAddedEvent(1, service));
    await log.flush();
    await rename(path, `${path}.1`);
    log.write(serviceAddedEvent(2, service));
    await log.close();
    assert.deepEqual((await lines(`${path}.1`)).map((l) => (JSON.parse(l) as { ts: number }).ts), [1]);
    assert.deepEqual((await lines(path)).map((l) => (JSON.parse(l) as { ts: number }).ts), [2]);
  });

  test("reopen() moves to a new file at once, whatever the check interval; a removed file is recreated", async () => {
    const path = join(dir, "hup.log");
    const log = await EventLog.open(path, 0o600);
    log.write(serviceAddedEvent(1, service));
    await log.flush();
    await rename(path, `${path}.1`);
    await log.reopen();
    log.write(serviceAddedEvent(2, service));
    await log.flush();
    assert.equal((await lines(path)).length, 1);
    await rm(path);
    await log.reopen();
    log.write(serviceAddedEvent(3, service));
    await log.close();
    assert.deepEqual((await lines(path)).map((l) => (JSON.parse(l) as { ts: number }).ts), [3]);
    assert.equal(log.errors, 0);
  });

  test("write after close does not throw and is counted as dropped", async () => {
    const log = await EventLog.open(join(dir, "closed.log"), 0o600);
    await log.close();
    assert.doesNotThrow(() => log.write(serviceAddedEvent(1, service)));
    assert.equal(log.dropped, 1);
    await log.close();
  });

  test("a path that cannot be reopened reports through onError and never throws", async () => {
    const path = join(dir, "gone.log");
    const errors: Error[] = [];
    const log = await EventLog.open(path, 0o600, { onError: (e) => errors.push(e), checkIntervalMs: 0 });
    await rm(path);
    // Reopening fails: the path now names a directory.
    await mkdir(path);
    log.write(serviceAddedEvent(1, service));
    await log.close();
    assert.ok(errors.length >= 1);
    assert.equal(log.dropped, 1);
  });

  test("open() rejects when the file cannot be created at start", async () => {
    await assert.rejects(EventLog.open(join(dir, "no", "such", "dir.log"), 0o600));
  });
});
