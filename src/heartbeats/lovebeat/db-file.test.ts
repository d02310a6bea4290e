import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { gunzipSync, gzipSync } from "node:zlib";
import { parseLovebeatDb, serializeLovebeatDb } from "./db-file.ts";
import type { LovebeatAlarmRecord, LovebeatServiceRecord } from "./model.ts";

const services: LovebeatServiceRecord[] = [
  { name: "app.alpha.health", last_beat: 1700000000000, beat_history: [1000, 2000], timeout: 5000, state: "ok", muted_since: 0, last_state_change: 1699999999000 },
  { name: "never", last_beat: -1, timeout: -1, state: "new", muted_since: 0, last_state_change: 0 },
  { name: "muted", last_beat: 5, timeout: -2, state: "muted", muted_since: 7, last_state_change: 7, in_alarms: ["x"] },
];
const alarms: LovebeatAlarmRecord[] = [{ name: "server-alpha", state: "error", incident_nbr: 2, failed_services: ["app.alpha.health"], last_state_change: 8 }];

describe("Lovebeat DB file (compat §2.11)", () => {
  test("L-db-file: SERV/ALARM lines, Go field order, beat_history only when non-empty, no in_alarms, failed_services null", () => {
    const text = gunzipSync(serializeLovebeatDb({ services, alarms })).toString("utf8");
    assert.equal(
      text,
      'SERV\t{"name":"app.alpha.health","last_beat":1700000000000,"beat_history":[1000,2000],"timeout":5000,"state":"ok","muted_since":0,"last_state_change":1699999999000}\n' +
        'SERV\t{"name":"never","last_beat":-1,"timeout":-1,"state":"new","muted_since":0,"last_state_change":0}\n' +
        'SERV\t{"name":"muted","last_beat":5,"timeout":-2,"state":"muted","muted_since":7,"last_state_change":7}\n' +
        'ALARM\t{"name":"server-alpha","state":"error","incident_nbr":2,"failed_services":null,"last_state_change":8}\n',
    );
  });

  test("round trip", () => {
    const back = parseLovebeatDb(serializeLovebeatDb({ services, alarms }));
    assert.deepEqual(back.services, services.map(({ in_alarms: _, ...s }) => s));
    assert.deepEqual(back.alarms, [{ ...alarms[0], failed_services: null }]);
    assert.equal(back.skipped, 0);
    assert.deepEqual(back.problems, []);
  });

  test("a file as Lovebeat writes it: unknown and broken lines skipped and counted, last duplicate wins", () => {
    const text = [
      'SERV\t{"name":"a","last_beat":1,"timeout":-1,"state":"ok","muted_since":0,"last_state_change":1}',
      'VIEW\t{"name":"old-view","state":"ok"}',
      'SERV\t{"name":"b","last_beat":',
      "SERV\t[]",
      'SERV\t{"last_beat":1}',
      "",
      'ALARM\t{"name":"al","state":"ok","incident_nbr":1,"failed_services":null,"last_state_change":3}',
      'SERV\t{"name":"a","last_beat":2,"timeout":-1,"state":"error","muted_since":0,"last_state_change":2,"extra":true}',
      "",
    ].join("\n");
    const db = parseLovebeatDb(gzipSync(text));
    assert.deepEqual(db.services.map((s) => [s.name, s.last_beat, s.state]), [["a", 2, "error"]]);
    assert.deepEqual(db.alarms.map((a) => a.name), ["al"]);
    assert.equal(db.skipped, 4);
    assert.equal(db.problems.length, 4);
    assert.match(db.problems[0] ?? "", /line 2 skipped: unknown record type/);
    assert.match(db.problems[1] ?? "", /line 3 skipped: not valid JSON/);
  });

  test("missing fields get Go's zero values; wrong types are repaired and reported", () => {
    const text = 'SERV\t{"name":"x"}\nSERV\t{"name":"y","last_beat":"soon","state":"paused","beat_history":[1,"a"]}\nALARM\t{"name":"z","failed_services":["q"]}\n';
    const db = parseLovebeatDb(gzipSync(text));
    assert.deepEqual(db.services[0], { name: "x", last_beat: 0, timeout: 0, state: "new", muted_since: 0, last_state_change: 0 });
    assert.deepEqual(db.services[1], { name: "y", last_beat: 0, timeout: 0, state: "new", muted_since: 0, last_state_change: 0 });
    assert.deepEqual(db.alarms[0], { name: "z", state: "new", incident_nbr: 0, failed_services: ["q"], last_state_change: 0 });
    assert.equal(db.skipped, 0);
    assert.ok(db.problems.some((p) => /y.*last_beat is not an integer/.test(p)));
    assert.ok(db.problems.some((p) => /beat_history is not a list of integers/.test(p)));
  });

  test("a truncated gzip gives the records read so far and a problem, never a throw", () => {
    const many = Array.from({ length: 400 }, (_, i) => ({ ...services[1], name: `svc-${i}-${"x".repeat(i % 37)}` }) as LovebeatServiceRecord);
    const full = serializeLovebeatDb({ services: many, alarms });
    for (const cut of [full.length - 4, Math.floor(full.length / 2), 30, 12, 3]) {
      const db = parseLovebeatDb(full.subarray(0, cut));
      assert.ok(db.problems.length > 0, `cut ${cut}`);
      for (const s of db.services) assert.match(s.name, /^svc-\d+-x*$/);
    }
    // Only the trailer (CRC, size) lost: every record is still there.
    const trailer = parseLovebeatDb(full.subarray(0, full.length - 4));
    assert.equal(trailer.services.length, many.length);
    assert.equal(trailer.alarms.length, 1);
    const half = parseLovebeatDb(full.subarray(0, Math.floor(full.length / 2)));
    assert.ok(half.services.length > 0 && half.services.length < many.length);
    assert.match(half.problems[0] ?? "", /truncated or damaged/);
  });

  test("empty, garbage and plain-text files", () => {
    assert.deepEqual(parseLovebeatDb(Buffer.alloc(0)), { services: [], alarms: [], skipped: 0, problems: ["file is empty"] });
    assert.deepEqual(parseLovebeatDb(Buffer.from("hello")).problems, ["not a gzip file"]);
    const bad = Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(40, 0xff)]);
    assert.equal(parseLovebeatDb(bad).services.length, 0);
    assert.match(parseLovebeatDb(bad).problems[0] ?? "", /gzip data/);
    const plain = parseLovebeatDb(Buffer.from('SERV\t{"name":"p","state":"ok"}\n'));
    assert.equal(plain.services[0]?.name, "p");
    assert.match(plain.problems[0] ?? "", /not gzip-compressed/);
  });
});
