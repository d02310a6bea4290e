/** The render cache: TTL, shared misses, drops and status changes racing a render, size bound. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RenderCache } from "./cache.ts";

function deferred() {
  let resolve!: () => void;
  const p = new Promise<void>((r) => (resolve = r));
  return { p, resolve };
}

test("entries live for the TTL; a TTL of 0 keeps nothing", async () => {
  let t = 1_000_000;
  const c = new RenderCache(30_000, () => t);
  let n = 0;
  const render = async () => ({ body: `v${++n}`, type: "text/plain" });
  assert.equal((await c.get("p", "html", render)).body.toString(), "v1");
  t += 29_999;
  assert.equal((await c.get("p", "html", render)).body.toString(), "v1");
  t += 2;
  assert.equal((await c.get("p", "html", render)).body.toString(), "v2");
  const off = new RenderCache(0, () => t);
  await off.get("p", "x", render);
  await off.get("p", "x", render);
  assert.equal(off.renders, 2);
  assert.equal(off.size, 0);
});

test("a page dropped while it renders gets its new content on the next request, not the stale render", async () => {
  const c = new RenderCache(30_000);
  const gate = deferred();
  let version = "old";
  const slow = c.get("p", "html", async () => {
    const seen = version;
    await gate.p;
    return { body: seen, type: "text/plain" };
  });
  version = "new";
  c.drop("p");
  gate.resolve();
  assert.equal((await slow).body.toString(), "old", "the callers already waiting get what was rendered");
  assert.equal((await c.get("p", "html", async () => ({ body: version, type: "text/plain" }))).body.toString(), "new");
});

test("a status change during a render keeps that render only briefly; after it, no sooner than 5 s from the render", async () => {
  let t = 0;
  const c = new RenderCache(30_000, () => t, 100, 5000);
  const gate = deferred();
  const racing = c.get("p", "html", async () => {
    await gate.p;
    return { body: "x", type: "text/plain", monitors: new Set(["a"]) };
  });
  t = 100;
  c.monitorChanged("a");
  gate.resolve();
  assert.equal((await racing).expiresAt, 5000, "render start + 5 s");
  t = 10_000;
  const e = await c.get("q", "html", async () => ({ body: "y", type: "text/plain", monitors: new Set(["a"]) }));
  assert.equal(e.expiresAt, 40_000);
  t = 12_000;
  c.monitorChanged("b");
  assert.equal(e.expiresAt, 40_000, "another monitor changes nothing");
  c.monitorChanged("a");
  assert.equal(e.expiresAt, 15_000, "not before 5 s after its render");
  t = 20_000;
  const f = await c.get("q", "html", async () => ({ body: "z", type: "text/plain", monitors: new Set(["a"]) }));
  c.monitorChanged("a");
  assert.equal(f.expiresAt, 25_000);
  t = 26_000;
  c.monitorChanged("a");
  assert.equal(f.expiresAt, 25_000, "never pushed later");
});

test("the cache holds at most its bound, dropping the oldest", async () => {
  const c = new RenderCache(30_000, Date.now, 3);
  for (const v of ["a", "b", "c", "d"]) await c.get("s", v, async () => ({ body: v, type: "text/plain" }));
  assert.equal(c.size, 3);
  let rendered = false;
  await c.get("s", "a", async () => {
    rendered = true;
    return { body: "a", type: "text/plain" };
  });
  assert.ok(rendered, "the oldest went");
});
