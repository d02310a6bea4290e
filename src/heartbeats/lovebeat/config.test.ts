import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { configDirOrder, loadLovebeatConfig, lovebeatDefaults } from "./config.ts";

const load = (...texts: string[]) => loadLovebeatConfig(texts.map((text, i) => ({ file: i === 0 ? "lovebeat.cfg" : `conf.d/${i}.cfg`, text })));

describe("Lovebeat TOML config (compat §2.2)", () => {
  test("no files: Lovebeat's defaults", () => {
    const { config, problems } = load();
    assert.deepEqual(problems, []);
    assert.deepEqual(config, lovebeatDefaults());
    assert.equal(config.general.publicUrl, "http://lovebeat.example.com/");
    assert.equal(config.http.listen, ":8080");
    assert.equal(config.udp.listen, ":8127");
    assert.equal(config.eventlog.mode, 0o644);
    assert.equal(config.database.intervalSec, 60);
  });

  test("every section and key", () => {
    const { config, problems } = load(`
[general]
public_url = "https://lb.example.org/"
[database]
filename = "/var/lib/lovebeat.db"
interval = 30
remote_s3_url = "s3://bucket/db"
remote_s3_region = "eu-west-1"
[udp]
listen = ":9127"
[tcp]
listen = "127.0.0.1:9127"
[http]
listen = ":9080"
[mail]
server = "smtp:2525"
from = "lb@x"
[mailgun]
domain = "mg.x"
from = "mg@x"
api_key = "key-1"
[slack]
webhook_url = "https://hooks.slack.com/services/A/B/C"
[metrics]
server = "statsd:8125"
prefix = "lb"
[eventlog]
path = "/var/log/lovebeat.log"
mode = 600
[[notify]]
lovebeat = "http://peer:8080"
[[alarms]]
name = "server-$name"
pattern = "app.$name.*"
includes = ["x.*"]
excludes = ["app.old.*"]
alerts = ["hook", "ops"]
[alerts.hook]
webhook = "http://127.0.0.1:9/h"
[alerts.ops]
mail = "a@x, b@x"
slack_channel = "#ops"
script = "./alert.sh"
`);
    assert.deepEqual(problems, []);
    assert.deepEqual(config, {
      general: { publicUrl: "https://lb.example.org/" },
      database: { filename: "/var/lib/lovebeat.db", intervalSec: 30, remoteS3Url: "s3://bucket/db", remoteS3Region: "eu-west-1" },
      udp: { listen: ":9127" },
      tcp: { listen: "127.0.0.1:9127" },
      http: { listen: ":9080" },
      mail: { server: "smtp:2525", from: "lb@x" },
      mailgun: { domain: "mg.x", from: "mg@x", apiKey: "key-1" },
      slack: { webhookUrl: "https://hooks.slack.com/services/A/B/C" },
      metrics: { server: "statsd:8125", prefix: "lb" },
      eventlog: { path: "/var/log/lovebeat.log", mode: 0o600 },
      notify: [{ lovebeat: "http://peer:8080" }],
      alarms: [{ name: "server-$name", pattern: "app.$name.*", includes: ["x.*"], excludes: ["app.old.*"], alerts: ["hook", "ops"] }],
      alerts: {
        hook: { webhook: "http://127.0.0.1:9/h", method: "POST" },
        ops: { mail: "a@x, b@x", slackChannel: "#ops", script: "./alert.sh", method: "POST" },
      },
    });
  });

  test("merging: tables by key, [[alarms]] replaced, [alerts.x] replaced per id", () => {
    const main = `[database]\nfilename = "a.db"\ninterval = 10\n[[alarms]]\nname = "one"\npattern = "a.*"\nalerts = ["x"]\n[[alarms]]\nname = "two"\npattern = "b.*"\n[alerts.x]\nmail = "m@x"\nscript = "s"\n[alerts.y]\nwebhook = "http://h/"\n`;
    const dropIn = `[database]\ninterval = 20\n[[alarms]]\nname = "three"\npattern = "c.*"\n[alerts.x]\nwebhook = "http://w/"\n`;
    const { config, problems } = load(main, dropIn);
    assert.deepEqual(config.database, { filename: "a.db", intervalSec: 20, remoteS3Url: "", remoteS3Region: "" });
    assert.deepEqual(config.alarms, [{ name: "three", pattern: "c.*" }]);
    assert.deepEqual(config.alerts, { x: { webhook: "http://w/", method: "POST" }, y: { webhook: "http://h/", method: "POST" } });
    // Lovebeat's decoder would have kept alarms[0].alerts from the first file: said, not copied.
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.severity, "warning");
    assert.equal(problems[0]?.file, "conf.d/1.cfg");
    assert.equal(problems[0]?.path, "alarms[0]");
    assert.match(problems[0]?.message ?? "", /Lovebeat would have kept its alerts/);
    assert.equal(problems[0]?.line, 3);
  });

  test("public_url only under [general]; top-level one ignored with a warning", () => {
    const { config, problems } = load(`public_url = "http://top/"\n[http]\nlisten = ":1"\n`);
    assert.equal(config.general.publicUrl, "http://lovebeat.example.com/");
    assert.deepEqual(problems.map((p) => [p.severity, p.file, p.path, p.line]), [["warning", "lovebeat.cfg", "public_url", 1]]);
    assert.match(problems[0]?.message ?? "", /\[general\]/);
  });

  test("[[views]] ignored with a warning; unknown keys warned with a hint; key case ignored like Go's decoder", () => {
    const { config, problems } = load(`[[views]]\nname = "v"\n[HTTP]\nListen = ":7"\n[database]\nfilname = "x"\n[mial]\nserver = "s"\n`);
    assert.equal(config.http.listen, ":7");
    assert.deepEqual(problems.map((p) => [p.severity, p.path, p.line]), [["warning", "views", 1], ["warning", "database.filname", 6], ["warning", "mial", 7]]);
    assert.match(problems[0]?.message ?? "", /obsolete/);
    assert.match(problems[1]?.message ?? "", /did you mean "filename"/);
    assert.match(problems[2]?.message ?? "", /did you mean "mail"/);
  });

  test("[eventlog] mode: decimal digits read as octal", () => {
    assert.equal(load(`[eventlog]\nmode = 640\n`).config.eventlog.mode, 0o640);
    assert.equal(load(`[eventlog]\nmode = 0o644\n`).config.eventlog.mode, 0o420, "TOML 0o644 is 420, whose digits read as octal are 0o420 (as in Lovebeat)");
    const bad = load(`[eventlog]\nmode = 648\n`);
    assert.deepEqual(bad.problems.map((p) => [p.severity, p.path, p.line]), [["error", "eventlog.mode", 2]]);
  });

  test("a TOML syntax error names the file, line and column; other files still load", () => {
    const { config, problems } = load(`[http]\nlisten = ":1"\n`, `[database]\ninterval = \n`);
    assert.equal(config.http.listen, ":1");
    assert.equal(problems.length, 1);
    assert.deepEqual({ ...problems[0], message: undefined }, { severity: "error", file: "conf.d/1.cfg", path: "", line: 2, column: 12, message: undefined });
    assert.match(problems[0]?.message ?? "", /^TOML syntax error: /);
  });

  test("wrong types name the file and key path (every one at once)", () => {
    const text = `[database]\ninterval = "60"\n[http]\nlisten = 8080\n[[alarms]]\nname = "a"\npattern = "*"\n[[alarms]]\nname = "b"\nincludes = ["x", 3]\nalerts = "hook"\n[alerts.hook]\nwebhook = true\nmethod = "PUT"\n[udp]\n`;
    const { problems } = loadLovebeatConfig([{ file: "/etc/lovebeat.cfg", text }]);
    const errors = problems.filter((p) => p.severity === "error").map((p) => [p.file, p.path, p.line, p.message]);
    assert.deepEqual(errors, [
      ["/etc/lovebeat.cfg", "database.interval", 2, 'expected an integer, got string "60"'],
      ["/etc/lovebeat.cfg", "http.listen", 4, "expected a string, got integer 8080"],
      ["/etc/lovebeat.cfg", "alarms[1].includes[1]", 10, "expected a string, got integer 3"],
      ["/etc/lovebeat.cfg", "alarms[1].alerts", 11, 'expected an array of strings, got string "hook"'],
      ["/etc/lovebeat.cfg", "alerts.hook.webhook", 13, "expected a string, got boolean true"],
      ["/etc/lovebeat.cfg", "alerts.hook.method", 14, 'method must be "POST" or "GET", got "PUT"'],
    ]);
    const sectionType = load(`http = 5\nalarms = "x"\n`).problems.map((p) => [p.path, p.severity]);
    assert.deepEqual(sectionType, [["http", "error"], ["alarms", "error"]]);
  });

  test("webhook method GET (compat §0), undefined alert ids, unusable alarms and peers", () => {
    const { config, problems } = load(`[alerts.h]\nwebhook = "http://x/"\nmethod = "get"\n[[alarms]]\nname = "a"\npattern = "*"\nalerts = ["h", "nope"]\n[[alarms]]\nname = "b"\n[[notify]]\nlovebeat = "peer:8080"\n`);
    assert.equal(config.alerts.h?.method, "GET");
    assert.deepEqual(problems.map((p) => [p.severity, p.path]), [["warning", "alarms[0].alerts"], ["warning", "alarms[1]"], ["warning", "notify[0].lovebeat"]]);
    assert.match(problems[0]?.message ?? "", /"nope" is not defined/);
  });

  test("interval must be positive (Go's ticker panics otherwise)", () => {
    const { problems } = load(`[database]\ninterval = 0\n`);
    assert.deepEqual(problems.map((p) => [p.severity, p.path, p.line]), [["error", "database.interval", 2]]);
  });

  test("alert ids are data, even __proto__", () => {
    const { config } = load(`[alerts.__proto__]\nmail = "x@y"\n`);
    assert.deepEqual(Object.keys(config.alerts), ["__proto__"]);
    assert.equal(Object.getPrototypeOf(config.alerts), Object.prototype);
  });

  test("config dir order: no dot files, sorted by name", () => {
    assert.deepEqual(configDirOrder(["b.cfg", ".hidden", "a.cfg", "B.cfg", "10.cfg", "9.cfg"]), ["10.cfg", "9.cfg", "B.cfg", "a.cfg", "b.cfg"]);
  });
});
