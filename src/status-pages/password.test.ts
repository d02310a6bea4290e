/** Page passwords: argon2 hashes, page-scoped signed cookies, Basic credentials, logo sniffing. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkLogo, sniffImage } from "./logo.ts";
import { basicPassword, cookieOpens, hashPagePassword, pageCookieValue, PasswordChecker, readCookie } from "./password.ts";

test("a cookie opens its page until it expires, and no other page or password", async () => {
  const hash = await hashPagePassword("open sesame");
  assert.match(hash, /^\$argon2id\$/);
  const page = { id: 7, passwordHash: hash };
  const now = Date.now();
  const v = pageCookieValue(page, now);
  assert.equal(cookieOpens(page, v, now + 1000), true);
  assert.equal(cookieOpens(page, v, now + 8 * 86_400_000), false, "expired");
  assert.equal(cookieOpens({ id: 8, passwordHash: hash }, v, now), false, "another page");
  assert.equal(cookieOpens({ id: 7, passwordHash: await hashPagePassword("open sesame") }, v, now), false, "the same password set again");
  const [exp, mac] = v.split(".") as [string, string];
  assert.equal(cookieOpens(page, `${Number(exp) + 1}.${mac}`, now), false, "a longer life cannot be forged");
  assert.equal(cookieOpens(page, undefined, now), false);
});

test("passwords are checked with argon2 and remembered briefly", async () => {
  let t = 0;
  const c = new PasswordChecker(() => t, 1000);
  const page = { id: 1, passwordHash: await hashPagePassword("right one") };
  assert.equal(await c.check(page, "wrong"), false);
  assert.equal(await c.check(page, "right one"), true);
  assert.equal(await c.check({ id: 1, passwordHash: "not a hash" }, "right one"), false);
  t = 500;
  assert.equal(await c.check(page, "right one"), true);
  assert.equal(await c.check({ id: 1 }, "right one"), false, "no password set: nothing opens with one");
});

test("cookies and Basic credentials are read from headers", () => {
  assert.equal(readCookie("a=1; upbeat_page_3=x.y ;b=2", "upbeat_page_3"), "x.y");
  assert.equal(readCookie("xupbeat_page_3=1", "upbeat_page_3"), undefined);
  assert.equal(basicPassword(`Basic ${Buffer.from("u:p:w").toString("base64")}`), "p:w");
  assert.equal(basicPassword("Bearer abc"), undefined);
});

test("logos: raster images by their bytes, within the size limit", () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]);
  assert.equal(sniffImage(png), "image/png");
  assert.equal(sniffImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0])), "image/jpeg");
  assert.equal(sniffImage(Buffer.from("GIF89a....")), "image/gif");
  assert.equal(sniffImage(Buffer.from("RIFF\0\0\0\0WEBPVP8 ")), "image/webp");
  assert.equal(sniffImage(Buffer.from("<svg/>")), undefined);
  assert.deepEqual(checkLogo(`data:image/png;base64,${png.toString("base64")}`), { type: "image/png", data: png });
  assert.match((checkLogo("%%%") as { error: string }).error, /not base64/);
  assert.match((checkLogo(Buffer.alloc(300_000).toString("base64")) as { error: string }).error, /limit is 262144/);
});
