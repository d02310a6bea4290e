import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { alarmNameFor, alarmsFor, compileAlarm, compilePattern, expandAlarmName } from "./alarm-pattern.ts";

describe("alarm patterns (compat §2.7)", () => {
  test("glob → anchored regex (Lovebeat's TestMakePattern / TestPattern)", () => {
    const p = compilePattern("test.$name.*");
    assert.equal(p.regex.source, "^test\\.([^.]+)\\..*$");
    assert.deepEqual(p.groupNames, ["name"]);
    assert.equal(p.regex.exec("test.foobar.fie.fum")?.[1], "foobar");
    assert.equal(p.regex.test("test.foobar"), false);
    assert.equal(p.regex.test("xtest.a.b"), false);
  });

  test("metacharacters are literal; * crosses dots; $ without a word is literal", () => {
    assert.equal(compilePattern("a+b(c)").regex.test("a+b(c)"), true);
    assert.equal(compilePattern("a+b(c)").regex.test("aab(c)"), false);
    assert.equal(compilePattern("a.b").regex.test("axb"), false);
    assert.equal(compilePattern("a.*").regex.test("a.b.c.d"), true);
    assert.equal(compilePattern("*").regex.test(""), true);
    assert.equal(compilePattern("x$").regex.test("x$"), true);
    assert.equal(compilePattern("x$Foo").regex.test("x$Foo"), true);
    assert.equal(compilePattern("[a-z]{2}^|?\\").regex.test("[a-z]{2}^|?\\"), true);
    const p = compilePattern("$a$b");
    assert.deepEqual(p.groupNames, ["a", "b"]);
  });

  test("name expansion (TestExpandName, TestExpandNameUnknownField, TestExpandNamePrefix)", () => {
    const one = compileAlarm({ name: "foo.$name.fofum", pattern: "test.$name.*" });
    assert.equal(alarmNameFor("test.foobar.fie.fum", one), "foo.foobar.fofum");
    const unknown = compileAlarm({ name: "foo.$somethingelse.fofum", pattern: "test.$name.*" });
    assert.equal(alarmNameFor("test.foobar.fie.fum", unknown), "foo.somethingelse.fofum");
    const prefix = compileAlarm({ name: "name.$namefoo.$name", pattern: "test.$name.$namefoo" });
    assert.equal(alarmNameFor("test.foo.bar", prefix), "name.bar.foo");
    assert.equal(expandAlarmName("$a-$b-$", new Map([["a", "1"]])), "1-b-$");
  });

  test("a repeated $word keeps the last capture", () => {
    const a = compileAlarm({ name: "x-$n", pattern: "$n.$n" });
    assert.equal(alarmNameFor("one.two", a), "x-two");
  });

  test("L-alarm-webhook-lifecycle: server-$name over app.$name.*", () => {
    const a = compileAlarm({ name: "server-$name", pattern: "app.$name.*", alerts: ["hook"] });
    assert.deepEqual(a.alerts, ["hook"]);
    assert.equal(alarmNameFor("app.alpha.health", a), "server-alpha");
    assert.equal(alarmNameFor("app.alpha", a), undefined);
    assert.equal(alarmNameFor("other.alpha.health", a), undefined);
  });

  test("L-excludes: any exclude removes; the first matching include names", () => {
    const a = compileAlarm({ name: "src-$name", includes: ["src.$name.*"], excludes: ["src.old.*"] });
    assert.equal(alarmNameFor("src.old.x", a), undefined);
    assert.equal(alarmNameFor("src.new.x", a), "src-new");
    const two = compileAlarm({ name: "g-$name", includes: ["a.$name", "*.$name"], pattern: "$name" });
    assert.equal(alarmNameFor("a.b", two), "g-b");
    assert.equal(alarmNameFor("z.y.x", two), "g-x");
    assert.equal(alarmNameFor("solo", two), "g-solo");
    assert.equal(two.includes.length, 3);
  });

  test("alarmsFor: one membership per matching definition, in order; empty names and no includes never match", () => {
    const defs = [
      compileAlarm({ name: "all", pattern: "*" }),
      compileAlarm({ name: "none" }),
      compileAlarm({ name: "", pattern: "*" }),
      compileAlarm({ name: "db-$env", includes: ["db.$env"], excludes: ["db.test"] }),
    ];
    assert.deepEqual(alarmsFor("db.prod", defs), [
      { index: 0, template: "all", name: "all" },
      { index: 3, template: "db-$env", name: "db-prod" },
    ]);
    assert.deepEqual(alarmsFor("db.test", defs), [{ index: 0, template: "all", name: "all" }]);
  });
});
