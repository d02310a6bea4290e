import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import BetterSqlite3 from "better-sqlite3";
import { FALLBACK_AUTOCHECKPOINT_PAGES, JOURNAL_SIZE_LIMIT_BYTES, startCheckpointer } from "./checkpointer.ts";

const dir = mkdtempSync(join(tmpdir(), "upbeat-checkpointer-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const PAGE = 4096;
const COMMITS = 40;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function open(file: string): BetterSqlite3.Database {
  const db = new BetterSqlite3(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec("CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
  return db;
}

/** Commits `COMMITS` transactions of about 100 pages each, 30 ms apart; the log's largest size (bytes). */
async function fill(db: BetterSqlite3.Database, file: string): Promise<number> {
  const insert = db.prepare("INSERT INTO blobs (body) VALUES (?)");
  const body = Buffer.alloc(PAGE - 200, 7);
  let walMax = 0;
  for (let t = 0; t < COMMITS; t++) {
    db.transaction(() => {
      for (let i = 0; i < 100; i++) insert.run(body);
    })();
    walMax = Math.max(walMax, statSync(`${file}-wal`).size);
    await sleep(30);
  }
  return walMax;
}

const rows = (file: string) => {
  const db = new BetterSqlite3(file, { readonly: true });
  const { n } = db.prepare("SELECT count(*) AS n FROM blobs").get() as { n: number };
  db.close();
  return n;
};

describe("SQLite checkpointer", () => {
  test("the worker copies the log back while the writer commits: the log stays small, nothing is lost, closing removes it", async () => {
    const file = join(dir, "with.db");
    const db = open(file);
    const cp = await startCheckpointer(db, file, undefined, 20);
    assert.equal(db.pragma("wal_autocheckpoint", { simple: true }), FALLBACK_AUTOCHECKPOINT_PAGES);
    const walMax = await fill(db, file);
    db.close();
    const r = await cp.close();
    assert.ok(r.runs > 10, `${String(r.runs)} checkpoints`);
    assert.ok(r.frames >= COMMITS * 100, `${String(r.frames)} frames copied`);
    assert.ok(walMax < 1500 * PAGE, `log at most ${String(walMax / PAGE)} pages`);
    assert.equal(existsSync(`${file}-wal`), false, "the last connection removed the log");
    assert.equal(rows(file), COMMITS * 100);
  });

  test("without it, the writer's fallback threshold lets the same commits pile up in the log", async () => {
    const file = join(dir, "without.db");
    const db = open(file);
    db.pragma(`wal_autocheckpoint = ${String(FALLBACK_AUTOCHECKPOINT_PAGES)}`);
    const walMax = await fill(db, file);
    db.close();
    assert.ok(walMax >= COMMITS * 100 * PAGE, `log reached ${String(walMax / PAGE)} pages`);
    assert.equal(rows(file), COMMITS * 100);
  });

  test("a log grown past the limit is started again and its file cut back; below the limit it is only copied back", async () => {
    const big = async (name: string, restartAtPages: number) => {
      const file = join(dir, name);
      const db = open(file);
      const cp = await startCheckpointer(db, file, undefined, 10, restartAtPages);
      // The file a restarted log is cut back to, small here (64 MiB in a store).
      db.pragma(`journal_size_limit = ${String(50 * PAGE)}`);
      const insert = db.prepare("INSERT INTO blobs (body) VALUES (?)");
      const body = Buffer.alloc(PAGE - 200, 7);
      db.transaction(() => {
        for (let i = 0; i < 400; i++) insert.run(body);
      })();
      const grown = statSync(`${file}-wal`).size;
      await sleep(300);
      insert.run(body);
      const after = statSync(`${file}-wal`).size;
      db.close();
      const r = await cp.close();
      assert.equal(rows(file), 401);
      return { grown, after, r };
    };
    const cut = await big("cut.db", 200);
    assert.ok(cut.grown >= 400 * PAGE, `log reached ${String(cut.grown / PAGE)} pages`);
    assert.ok(cut.r.restarts >= 1, "the worker started the log again");
    assert.ok(cut.after <= 50 * PAGE, `the next commit cut the file back to ${String(cut.after / PAGE)} pages`);
    const kept = await big("kept.db", 1000);
    assert.equal(kept.r.restarts, 0);
  });

  test("commits a millisecond apart, too close for the log to start again, keep it near the limit", async () => {
    const file = join(dir, "busy.db");
    const db = open(file);
    const cp = await startCheckpointer(db, file, undefined, 10, 300);
    const insert = db.prepare("INSERT INTO blobs (body) VALUES (?)");
    const body = Buffer.alloc(PAGE - 200, 7);
    let walMax = 0;
    const t0 = performance.now();
    let commits = 0;
    while (performance.now() - t0 < 1500 && commits < 2000) {
      db.transaction(() => {
        for (let i = 0; i < 20; i++) insert.run(body);
      })();
      commits++;
      walMax = Math.max(walMax, statSync(`${file}-wal`).size);
      await sleep(1);
    }
    db.close();
    const r = await cp.close();
    assert.equal(rows(file), commits * 20);
    assert.ok(r.restarts >= 1, `${String(r.restarts)} restarts over ${String(commits)} commits`);
    assert.ok(walMax < 1500 * PAGE, `log at most ${String(walMax / PAGE)} pages over ${String(commits)} commits of 20`);
  });

  test("the writer cuts its log back too, should its own fallback checkpoint ever run", async () => {
    const file = join(dir, "limit.db");
    const db = open(file);
    const cp = await startCheckpointer(db, file);
    assert.equal(db.pragma("journal_size_limit", { simple: true }), JOURNAL_SIZE_LIMIT_BYTES);
    db.close();
    await cp.close();
  });

  test("a store left open does not keep the process alive, as a plain connection would not", async () => {
    const open = new URL("./open.ts", import.meta.url).href;
    const code = `const { openStore } = await import(${JSON.stringify(open)}); await openStore({ kind: "sqlite", file: ${JSON.stringify(join(dir, "left-open.db"))} }); console.log("opened");`;
    const t0 = performance.now();
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { timeout: 15_000 });
    assert.equal(stdout.trim(), "opened");
    assert.ok(performance.now() - t0 < 15_000);
  });
});
