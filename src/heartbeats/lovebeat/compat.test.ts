/** Lovebeat compatibility cases 19–34, 38–43 of compat.md §7 (as amended by §0): real UDP/TCP/HTTP on loopback, a fake clock. */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { startHttpServer } from "../../../test/helpers/http-server.ts";
import { type LovebeatUnderTest, startLovebeatUnderTest } from "../../../test/helpers/lovebeat.ts";
import { waitFor } from "../../../test/helpers/wait.ts";
import { autoTimeoutMs } from "./auto-timeout.ts";

const S = 1000;

async function getJson(base: string, path: string): Promise<{ status: number; body: Record<string, unknown> & { service?: Record<string, unknown>; alarm?: Record<string, unknown> } }> {
  const res = await fetch(base + path);
  const text = await res.text();
  return { status: res.status, body: res.status === 200 ? (JSON.parse(text) as Record<string, unknown>) : { text } };
}

const service = async (lb: LovebeatUnderTest, name: string) => (await getJson(lb.base, `/api/services/${name}`)).body.service as Record<string, number | string | string[]> | undefined;

describe("Lovebeat compatibility", () => {
  const running: LovebeatUnderTest[] = [];
  const start = async (o: Parameters<typeof startLovebeatUnderTest>[0] = {}) => {
    const lb = await startLovebeatUnderTest(o);
    running.push(lb);
    return lb;
  };
  after(async () => {
    for (const lb of running) await lb.stop().catch(() => undefined);
  });

  test("19 UDP beat; 22 several lines in one datagram; 23 ignored lines; 24 CRLF over UDP and TCP; 25 rate limit", async () => {
    const lb = await start();
    const t = lb.clock.t;
    await lb.udp("a.b.beat:1|c");
    const ab = await service(lb, "a.b");
    assert.deepEqual([ab?.name, ab?.state, ab?.timeout, ab?.last_beat], ["a.b", "ok", -1, t]);

    await lb.udp("foo.bar.timeout:1|c\nfoo.fum.timeout:4|g\nfoo.fie.beat:8|c");
    assert.equal((await service(lb, "foo.bar"))?.timeout, 1000);
    assert.equal((await service(lb, "foo.fum"))?.timeout, 4000);
    assert.equal((await service(lb, "foo.fie"))?.last_beat, lb.clock.t);

    for (const line of ["Foo.beat:1|c", "foo/bar.beat:1|c", "foo.bar.invalid:1|c", "foo.beat:1|x"]) await lb.udp(line);
    const names = ((await getJson(lb.base, "/api/services")).body.services as Array<{ name: string }>).map((s) => s.name).sort();
    assert.deepEqual(names, ["a.b", "foo.bar", "foo.fie", "foo.fum"], "nothing created by the bad lines");
    assert.equal(lb.lovebeat.statsd?.counters.rejected.malformed, 4, "each bad line is counted");
    await lb.udp("foo.beat:1|c|@0.1");
    await lb.udp("foo2.beat:5|ms");
    assert.equal((await service(lb, "foo"))?.state, "ok");
    assert.equal((await service(lb, "foo2"))?.state, "ok");

    await lb.udp("x.beat:1|c\r\n");
    assert.equal((await service(lb, "x"))?.last_beat, lb.clock.t);
    await lb.tcp("y.beat:1|c\r\ny.timeout:30|g\r\n", 2);
    const y = await service(lb, "y");
    assert.deepEqual([y?.last_beat, y?.timeout], [lb.clock.t, 30_000], "TCP lines with CRLF, several on one connection");

    const first = lb.clock.t + 5 * S;
    await lb.advance(5 * S);
    await lb.udp("r.beat:1|c");
    await lb.advance(100);
    await lb.udp("r.beat:1|c");
    assert.equal((await service(lb, "r"))?.last_beat, first, "a beat within 1 s of the last is ignored");
  });

  test("20 timeout expiry and 21 status as text and JSON", async () => {
    const lb = await start();
    await lb.udp("svc.beat:1|c");
    await lb.udp("svc.timeout:2|g");
    assert.equal((await service(lb, "svc"))?.timeout, 2000);
    await lb.advance(1999);
    assert.equal((await service(lb, "svc"))?.state, "ok");
    await lb.advance(1);
    assert.equal((await service(lb, "svc"))?.state, "error", "error at the expiry");
    const text = await fetch(`${lb.base}/api/status`);
    assert.equal(text.headers.get("content-type"), "text/plain");
    assert.equal(await text.text(), "num_ok 0\nnum_error 1\nhas_error true\ngood false\n");
    const json = await fetch(`${lb.base}/api/status`, { headers: { accept: "application/json" } });
    assert.equal(await json.text(), '{\n  "num_ok": 0,\n  "num_error": 1,\n  "has_error": true,\n  "good": false\n}\n');
    const both = await fetch(`${lb.base}/api/status`, { headers: { accept: "application/json, text/plain" } });
    assert.match(await both.text(), /^num_ok 0\n/);
  });

  test("26 form timeout, 27 ?timeout=auto, 28 JSON without a beat (countdown from creation), 29 negative and junk timeouts", async () => {
    const lb = await start();
    const res = await fetch(`${lb.base}/api/services/inv.mailer`, { method: "POST", body: new URLSearchParams({ timeout: "3600" }) });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.equal(res.headers.get("content-length"), "3");
    assert.equal(await res.text(), "{}\n");
    const inv = await service(lb, "inv.mailer");
    assert.deepEqual([inv?.timeout, inv?.last_beat], [3_600_000, lb.clock.t]);

    await fetch(`${lb.base}/api/services/x?timeout=auto`, { method: "POST" });
    const x = await service(lb, "x");
    assert.deepEqual([x?.timeout, x?.last_beat], [-2, lb.clock.t]);

    const created = lb.clock.t;
    await fetch(`${lb.base}/api/services/nobeat`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"timeout":10,"beat":false}' });
    const nb = await service(lb, "nobeat");
    assert.deepEqual([nb?.timeout, nb?.last_beat, nb?.state], [10_000, -1, "ok"], "not in error at once (decision §0)");
    await lb.advance(10 * S);
    assert.equal((await service(lb, "nobeat"))?.state, "error", "error 10 s after the service was created");
    assert.equal((await service(lb, "nobeat"))?.last_state_change, created + 10 * S);

    await fetch(`${lb.base}/api/services/neg1`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"timeout":-1}' });
    assert.equal((await service(lb, "neg1"))?.timeout, -1);
    await fetch(`${lb.base}/api/services/neg2`, { method: "POST", body: new URLSearchParams({ timeout: "-1" }) });
    assert.equal((await service(lb, "neg2"))?.timeout, -1000);
    await fetch(`${lb.base}/api/services/junk`, { method: "POST", body: new URLSearchParams({ timeout: "abc" }) });
    const junk = await service(lb, "junk");
    assert.deepEqual([junk?.timeout, junk?.state], [0, "error"]);
    await fetch(`${lb.base}/api/services/badjson`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
    const bad = await service(lb, "badjson");
    assert.deepEqual([bad?.last_beat, bad?.timeout], [-1, -1], "a body that does not decode sets nothing, but the service exists");
    const upper = await fetch(`${lb.base}/api/services/Upper`, { method: "POST" });
    assert.equal(upper.status, 404);
    assert.equal(await upper.text(), "404 page not found\n");
    assert.equal((await fetch(`${lb.base}/api/alarms/Bad%20Name/status`)).status, 404);
    assert.equal((await getJson(lb.base, "/api/services/Upper")).status, 404, "the bad name created nothing");
    const ready = (await (await fetch(`${lb.base}/readyz`)).json()) as { lovebeatApi: { badName: number } };
    assert.equal(ready.lovebeatApi.badName, 3, "each bad name is counted");
  });

  test("30 mute and unmute; 31 delete", async () => {
    const lb = await start();
    await lb.udp("m.beat:1|c\nm.timeout:1|g");
    const mute = await fetch(`${lb.base}/api/services/m/mute`, { method: "POST" });
    assert.equal(await mute.text(), "{}\n");
    let m = await service(lb, "m");
    assert.equal(m?.state, "muted");
    assert.ok(Number(m?.muted_since) > 0);
    await lb.advance(3 * S);
    assert.equal((await service(lb, "m"))?.state, "muted", "still muted after the expiry");
    assert.match(await (await fetch(`${lb.base}/api/status`)).text(), /^num_ok 1\nnum_error 0\n/);
    await fetch(`${lb.base}/api/services/m/unmute`, { method: "POST" });
    m = await service(lb, "m");
    assert.deepEqual([m?.state, m?.muted_since], ["error", 0]);

    const del = await fetch(`${lb.base}/api/services/m`, { method: "DELETE" });
    assert.equal(await del.text(), "{}\n");
    const gone = await fetch(`${lb.base}/api/services/m`);
    assert.equal(gone.status, 404);
    assert.equal(await gone.text(), "404 page not found\n");
  });

  test("32/33 an alarm over a pattern: no incident for a new alarm turning OK, incident 1 on the first failure, kept on recovery; the alarm API; 34 excludes", async () => {
    const lb = await start({
      toml: `
[[alarms]]
name = "server-$name"
pattern = "app.$name.*"
alerts = ["hook"]

[[alarms]]
name = "src-$name"
includes = ["src.$name.*"]
excludes = ["src.old.*"]

[alerts.hook]
webhook = "http://127.0.0.1:9/h"
`,
    });
    await lb.udp("app.alpha.health.beat:1|c");
    let a = (await getJson(lb.base, "/api/alarms/server-alpha")).body;
    assert.deepEqual([(a.alarm as Record<string, unknown>).state, (a.alarm as Record<string, unknown>).incident_nbr], ["ok", 0], "new → ok is not an incident");
    await lb.engine.effects.drain();
    assert.equal(lb.effects.filter((e) => e.type === "incident.opened").length, 0);
    await lb.udp("app.alpha.health.timeout:1|g");
    await lb.advance(1 * S);
    a = (await getJson(lb.base, "/api/alarms/server-alpha")).body;
    assert.deepEqual(a.alarm, { name: "server-alpha", state: "error", incident_nbr: 1, failed_services: ["app.alpha.health"], last_state_change: lb.clock.t });
    assert.equal((a.services as Array<{ name: string }>)[0]?.name, "app.alpha.health");
    assert.equal(a.now, lb.clock.t);
    await lb.udp("app.alpha.health.beat:1|c");
    a = (await getJson(lb.base, "/api/alarms/server-alpha")).body;
    assert.deepEqual([(a.alarm as Record<string, unknown>).state, (a.alarm as Record<string, unknown>).incident_nbr, (a.alarm as Record<string, unknown>).failed_services], ["ok", 1, []]);
    await lb.engine.writer.flush();
    await lb.engine.effects.drain();
    const alarmIncidents = lb.effects.filter((e) => e.monitorId === "lovebeat-alarm/server-alpha");
    assert.deepEqual(alarmIncidents.filter((e) => e.type.startsWith("incident.")).map((e) => [e.type, (e.payload as { incident: { number: number } }).incident.number]), [["incident.opened", 1], ["incident.resolved", 1]]);

    assert.equal((await getJson(lb.base, "/api/alarms/nope")).status, 404);
    assert.equal(await (await fetch(`${lb.base}/api/alarms/nope/status`)).text(), "num_ok 0\nnum_error 0\nhas_error false\ngood true\n");
    assert.match(await (await fetch(`${lb.base}/api/alarms/server-alpha/status`)).text(), /^num_ok 1\n/);

    await lb.udp("src.old.x.beat:1|c\nsrc.new.x.beat:1|c");
    assert.equal((await service(lb, "src.old.x"))?.in_alarms, undefined, "excluded: in no alarm");
    assert.deepEqual((await service(lb, "src.new.x"))?.in_alarms, ["src-new"]);
    const alarms = ((await getJson(lb.base, "/api/alarms")).body.alarms as Array<{ name: string }>).map((x) => x.name).sort();
    assert.deepEqual(alarms, ["server-alpha", "src-new"]);
    await fetch(`${lb.base}/api/alarms/src-new`, { method: "DELETE" });
    assert.equal((await getJson(lb.base, "/api/alarms/src-new")).status, 200, "an alarm with services is not deleted");
    await fetch(`${lb.base}/api/services/src.new.x`, { method: "DELETE" });
    await fetch(`${lb.base}/api/alarms/src-new`, { method: "DELETE" });
    assert.equal((await getJson(lb.base, "/api/alarms/src-new")).status, 404, "an empty alarm is deleted");
  });

  test("32, 35, 36 an alarm's alerts: webhook POST with Lovebeat's body and headers, Slack attachment, script environment; none for a new alarm turning OK", async () => {
    const hook = await startHttpServer((_q, res) => res.writeHead(200).end());
    const dir = await mkdtemp(join(tmpdir(), "upbeat-lb-alerts-"));
    const script = join(dir, "s.sh");
    await writeFile(script, `#!/bin/sh\nenv | grep '^LOVEBEAT_' | sort >> ${join(dir, "env.txt")}\n`, { mode: 0o755 });
    try {
      const lb = await start({
        toml: `
[general]
public_url = "http://lb/"
[slack]
webhook_url = "${hook.url}/slack"
[[alarms]]
name = "server-$name"
pattern = "app.$name.*"
alerts = ["hook", "s", "x"]
[alerts.hook]
webhook = "${hook.url}/h"
[alerts.s]
slack_channel = "#ops"
[alerts.x]
script = "${script}"
`,
      });
      await lb.udp("app.alpha.health.beat:1|c");
      await lb.engine.writer.flush();
      await lb.engine.effects.drain();
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(hook.requests.length, 0, "no alert for a new alarm turning OK (decision §0)");
      await lb.udp("app.alpha.health.timeout:1|g");
      await lb.advance(1 * S);
      await lb.engine.writer.flush();
      await waitFor("webhook and slack", () => hook.requests.length === 2, 5000);
      const h = hook.requests.find((r) => r.url === "/h");
      assert.equal(h?.method, "POST");
      assert.equal(h?.body, '{"name":"server-alpha","from_state":"OK","to_state":"ERROR","incident_number":1}');
      assert.deepEqual([h?.headers["x-lovebeat"], h?.headers["user-agent"], h?.headers["content-type"]], ["1", "Lovebeat", "application/json"]);
      const slack = JSON.parse(hook.requests.find((r) => r.url === "/slack")?.body ?? "{}") as { channel: string; attachments: Array<{ color: string; title: string; text: string; fields: Array<{ title: string; value: string }> }> };
      assert.equal(slack.channel, "#ops");
      assert.deepEqual([slack.attachments[0]?.color, slack.attachments[0]?.title, slack.attachments[0]?.text], ["danger", "<http://lb/alarms/server-alpha|server-alpha> is in ERROR", "Changed from OK to ERROR."]);
      assert.deepEqual(slack.attachments[0]?.fields.map((f) => [f.title, f.value]), [["Alarm", "server-alpha"], ["Incident Number", "#1"], ["Failed Service(s)", "app.alpha.health"]]);
      await waitFor("script ran", async () => (await readFile(join(dir, "env.txt"), "utf8").catch(() => "")).includes("LOVEBEAT_STATE=ERROR"), 5000);
      assert.equal(await readFile(join(dir, "env.txt"), "utf8"), "LOVEBEAT_ALARM=server-alpha\nLOVEBEAT_INCIDENT=1\nLOVEBEAT_PREVIOUS_STATE=OK\nLOVEBEAT_STATE=ERROR\n");
      await lb.udp("app.alpha.health.beat:1|c");
      await lb.engine.writer.flush();
      await waitFor("recovery webhook", () => hook.requests.filter((r) => r.url === "/h").length === 2, 5000);
      assert.equal(hook.requests.filter((r) => r.url === "/h")[1]?.body, '{"name":"server-alpha","from_state":"ERROR","to_state":"OK","incident_number":1}');
    } finally {
      await hook.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("38/39 auto timeout: the reference vectors; a new autobeat service waits for a second beat, then expires at last beat + auto", async () => {
    const vectors: Array<[number[], number]> = [[[], 1000], [[10000], 11000], [[60000, 60000], 61000], [Array(6).fill(60000), 61000], [[1000, 2000, 3000], 5568], [[10000, 20000], 31591], [[30000, 31000, 29000, 30500, 29500], 33127], [[...Array(19).fill(60000), 120000], 61000], [[5000, 5000, 5000, 60000], 98240]];
    for (const [input, want] of vectors) assert.equal(autoTimeoutMs(input), want, JSON.stringify(input));
    const lb = await start();
    await lb.udp("x.autobeat:1|c");
    await lb.advance(4 * S);
    assert.equal((await service(lb, "x"))?.state, "ok", "no error after the first autobeat (decision §0)");
    await lb.advance(1 * S);
    await lb.udp("x.autobeat:1|c");
    const second = lb.clock.t;
    const x = await service(lb, "x");
    assert.deepEqual([x?.state, x?.timeout], ["ok", -2]);
    assert.equal(lb.engine.heartbeats.view("lovebeat/x")?.deadlineAt, second + 6000, "expiry = last beat + auto([5000]) = 6 s");
    await lb.advance(5999);
    assert.equal((await service(lb, "x"))?.state, "ok");
    await lb.advance(1);
    assert.equal((await service(lb, "x"))?.state, "error");
  });

  test("40 the database file is written at stop and read back by a fresh instance; 41 the event log; 42 version; 43 analysis", async () => {
    const dir = await mkdtemp(join(tmpdir(), "upbeat-lovebeat-"));
    try {
      const toml = `[database]\nfilename = "${join(dir, "lovebeat.db")}"\ninterval = 3600\n[eventlog]\npath = "${join(dir, "events.log")}"\n[[alarms]]\nname = "all"\npattern = "*"\n`;
      const lb = await startLovebeatUnderTest({ toml, configured: true });
      for (let i = 0; i < 11; i++) {
        await lb.udp("job.beat:1|c");
        await lb.advance(i % 2 ? 10 * S : 12 * S);
      }
      const job = await service(lb, "job");
      assert.deepEqual(job?.analysis, { lower: 10, upper: 12, percentage: 90 }, "10th/90th percentile intervals in seconds");
      await lb.udp("job.timeout:5|g");
      await lb.advance(5 * S);
      assert.equal((await service(lb, "job"))?.state, "error");
      await lb.stop(false);

      const text = gunzipSync(await readFile(join(dir, "lovebeat.db"))).toString();
      assert.match(text, /^SERV\t\{"name":"job","last_beat":\d+,"beat_history":\[[\d,]+\],"timeout":5000,"state":"error",/m);
      assert.match(text, /^ALARM\t\{"name":"all","state":"error","incident_nbr":1,"failed_services":null,/m);
      const events = (await readFile(join(dir, "events.log"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { type: string; service_state_changed?: { previous: string; current: string; service: Record<string, unknown> } });
      const changed = events.find((e) => e.type === "service_state_changed");
      assert.deepEqual([changed?.service_state_changed?.previous, changed?.service_state_changed?.current], ["ok", "error"]);
      assert.equal(changed?.service_state_changed?.service.beat_history, undefined, "state-change events leave out the history");
      assert.ok(events.some((e) => e.type === "service_added") && events.some((e) => e.type === "alarm_state_changed"));

      const fresh = await start({ toml, configured: true, clock: lb.clock });
      const back = await service(fresh, "job");
      assert.deepEqual([back?.timeout, back?.state], [5000, "error"], "a new store imports Lovebeat's database file");
      const alarm = (await getJson(fresh.base, "/api/alarms/all")).body.alarm as Record<string, unknown>;
      assert.deepEqual([alarm.state, alarm.incident_nbr], ["error", 1]);
      await fresh.udp("job.beat:1|c");
      assert.equal(((await getJson(fresh.base, "/api/alarms/all")).body.alarm as Record<string, unknown>).incident_nbr, 1, "recovery keeps the incident number");

      const v = await fetch(`${fresh.base}/version`);
      assert.equal(v.headers.get("content-type"), "text/plain");
      assert.equal(await v.text(), "0.1.0\n");
      assert.equal(await (await fetch(`${fresh.base}/version`, { headers: { accept: "application/json" } })).text(), '{\n  "version": "0.1.0"\n}\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
