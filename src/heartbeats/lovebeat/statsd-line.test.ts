import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseStatsdLine, parseStatsdPacket } from "./statsd-line.ts";

describe("Lovebeat statsd lines (compat §2.4)", () => {
  test("Lovebeat's own parser tests", () => {
    assert.deepEqual(parseStatsdPacket(""), { commands: [], rejected: [] });
    assert.deepEqual(parseStatsdPacket("foo.bar.beat:1|c").commands, [{ service: "foo.bar", action: "beat", valueMs: 1000 }]);
    assert.deepEqual(parseStatsdPacket("foo.bar.timeout:1|c").commands, [{ service: "foo.bar", action: "timeout", valueMs: 1000 }]);
    assert.deepEqual(parseStatsdPacket("foo.bar.autobeat:1|c").commands, [{ service: "foo.bar", action: "autobeat", valueMs: 1000 }]);
    assert.deepEqual(parseStatsdPacket("foo.bar.timeout:-2|g").commands, [{ service: "foo.bar", action: "timeout", valueMs: -2 }]);
    assert.deepEqual(parseStatsdPacket("foo_bar.beat:1|c").commands, [{ service: "foo_bar", action: "beat", valueMs: 1000 }]);
  });

  test("L-udp-beat: greedy service name", () => {
    assert.deepEqual(parseStatsdPacket("a.b.beat:1|c").commands, [{ service: "a.b", action: "beat", valueMs: 1000 }]);
    assert.deepEqual(parseStatsdPacket("a.beat.beat:1|c").commands, [{ service: "a.beat", action: "beat", valueMs: 1000 }]);
  });

  test("L-multiline: several lines in one datagram, empty lines ignored", () => {
    const p = parseStatsdPacket("foo.bar.timeout:1|c\nfoo.fum.timeout:4|g\n\nfoo.fie.beat:8|c\n");
    assert.deepEqual(p.commands, [
      { service: "foo.bar", action: "timeout", valueMs: 1000 },
      { service: "foo.fum", action: "timeout", valueMs: 4000 },
      { service: "foo.fie", action: "beat", valueMs: 8000 },
    ]);
    assert.deepEqual(p.rejected, []);
  });

  test("L-ignored-lines: rejected with a reason; sample rates and ms accepted", () => {
    const p = parseStatsdPacket("Foo.beat:1|c\nfoo/bar.beat:1|c\nfoo.bar.invalid:1|c\nfoo.beat:1|x\nfoo.beat:1|c|@0.1\nfoo2.beat:5|ms");
    assert.deepEqual(p.commands, [
      { service: "foo", action: "beat", valueMs: 1000 },
      { service: "foo2", action: "beat", valueMs: 5000 },
    ]);
    assert.deepEqual(p.rejected.map((r) => r.line), ["Foo.beat:1|c", "foo/bar.beat:1|c", "foo.bar.invalid:1|c", "foo.beat:1|x"]);
    assert.match(p.rejected[0]?.reason ?? "", /service name "Foo" must match/);
    assert.match(p.rejected[1]?.reason ?? "", /service name "foo\/bar"/);
    assert.match(p.rejected[2]?.reason ?? "", /unknown action "invalid"/);
    assert.match(p.rejected[3]?.reason ?? "", /metric type "x"/);
  });

  test("L-crlf: a trailing \\r is accepted (compat §0)", () => {
    const p = parseStatsdPacket("x.beat:1|c\r\ny.timeout:3|g\r\n\r\n");
    assert.deepEqual(p.commands, [
      { service: "x", action: "beat", valueMs: 1000 },
      { service: "y", action: "timeout", valueMs: 3000 },
    ]);
    assert.deepEqual(p.rejected, []);
    assert.equal(parseStatsdLine("x.beat:1|c\r\r").ok, false);
  });

  test("values: > 0 ×1000, zero and negatives as they are", () => {
    const v = (line: string) => {
      const r = parseStatsdLine(line);
      return r.ok ? r.command.valueMs : r.reason;
    };
    assert.equal(v("s.timeout:0|g"), 0);
    assert.equal(Object.is(v("s.timeout:-0|g"), 0), true);
    assert.equal(v("s.timeout:-1|g"), -1);
    assert.equal(v("s.timeout:-2|g"), -2);
    assert.equal(v("s.timeout:007|g"), 7000);
    assert.equal(v("s.timeout:9007199254740|g"), 9007199254740000);
  });

  test("integer overflow is rejected with a reason", () => {
    for (const line of ["s.timeout:9007199254740993|g", "s.timeout:9223372036854775808|g", "s.timeout:9007199254741|g", "s.timeout:-9007199254740993|g"]) {
      const r = parseStatsdLine(line);
      assert.equal(r.ok, false, line);
      if (!r.ok) assert.match(r.reason, /out of range/);
    }
    assert.equal(parseStatsdLine("s.timeout:-9007199254740991|g").ok, true);
  });

  test("other malformed lines never throw and say why", () => {
    const cases: [string, RegExp][] = [
      ["s.beat", /no ":"/],
      ["s.beat:abc|c", /value "abc" is not an integer/],
      ["s.beat:1.5|c", /value "1.5"/],
      ["s.beat:1", /metric type ""/],
      ["s.beat:1|c|0.1", /sample rate/],
      ["s.beat:1|c|@0.1|x", /sample rate/],
      [" s.beat:1|c", /service name " s"/],
      ["s.beat:1|c ", /metric type "c "/],
      [".beat:1|c", /service name ""/],
      ["beat:1|c", /unknown action "beat"/],
    ];
    for (const [line, re] of cases) {
      const r = parseStatsdLine(line);
      assert.equal(r.ok, false, line);
      if (!r.ok) assert.match(r.reason, re, line);
    }
  });

  test("U+FFFD (invalid UTF-8 decoded by the caller) is rejected, not a crash", () => {
    const text = Buffer.from([0x61, 0xff, 0x2e, 0x62, 0x65, 0x61, 0x74, 0x3a, 0x31, 0x7c, 0x63, 0x0a, 0x6f, 0x6b, 0x2e, 0x62, 0x65, 0x61, 0x74, 0x3a, 0x31, 0x7c, 0x63]).toString("utf8");
    const p = parseStatsdPacket(text);
    assert.deepEqual(p.commands, [{ service: "ok", action: "beat", valueMs: 1000 }]);
    assert.equal(p.rejected.length, 1);
    assert.match(p.rejected[0]?.reason ?? "", /UTF-8/);
  });
});
