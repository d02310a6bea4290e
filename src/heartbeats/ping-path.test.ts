/** Check-in URL parsing. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parsePingPath, parsePushPath } from "./ping-path.ts";

const U = "5b8f2c7e-1a2b-4c3d-9e8f-0123456789ab";
const q = (s = "") => new URLSearchParams(s);

test("uuid pings: success, start, fail, log, exit codes 0 and 3, run ids", () => {
  assert.deepEqual(parsePingPath(`/ping/${U}`, q()), { target: { by: "uuid", uuid: U }, kind: "success", create: false });
  assert.equal((parsePingPath(`/ping/${U}/start`, q()) as { kind: string }).kind, "start");
  assert.equal((parsePingPath(`/ping/${U}/fail`, q()) as { kind: string }).kind, "fail");
  assert.equal((parsePingPath(`/ping/${U}/log`, q()) as { kind: string }).kind, "log");
  assert.deepEqual(parsePingPath(`/ping/${U}/0`, q()), { target: { by: "uuid", uuid: U }, kind: "success", exitCode: 0, create: false });
  assert.deepEqual(parsePingPath(`/ping/${U.toUpperCase()}/3`, q(`rid=${U}`)), { target: { by: "uuid", uuid: U }, kind: "exit", exitCode: 3, rid: U, create: false });
});

test("slug pings with a ping key, and create=1", () => {
  assert.deepEqual(parsePingPath("/ping/abcDEF123_-/nightly-backup/start", q("create=1")), { target: { by: "slug", pingKey: "abcDEF123_-", slug: "nightly-backup" }, kind: "start", create: true });
});

test("bad pings say what is wrong", () => {
  assert.match((parsePingPath(`/ping/${U}/256`, q()) as { error: string }).error, /unknown ping "256"/);
  assert.match((parsePingPath(`/ping/${U}/start/x`, q()) as { error: string }).error, /too many/);
  assert.match((parsePingPath("/ping/short/slug", q()) as { error: string }).error, /expected/);
  assert.match((parsePingPath("/ping/abcdefgh12/bad%20slug", q()) as { error: string }).error, /bad slug/);
  assert.match((parsePingPath(`/ping/${U}`, q("rid=<script>")) as { error: string }).error, /rid must be/);
});

test("Kuma push: status, msg and ping; up by default", () => {
  assert.deepEqual(parsePushPath("/api/push/AbC123", q()), { token: "AbC123", status: "up" });
  assert.deepEqual(parsePushPath("/api/push/AbC123", q("status=down&msg=disk%20full&ping=12.5")), { token: "AbC123", status: "down", msg: "disk full", pingMs: 12.5 });
  assert.match((parsePushPath("/api/push/AbC123", q("status=maybe")) as { error: string }).error, /up or down/);
  assert.match((parsePushPath("/api/push/AbC123", q("ping=fast")) as { error: string }).error, /milliseconds/);
  assert.match((parsePushPath("/api/push/", q()) as { error: string }).error, /expected/);
});
