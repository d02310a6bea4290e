/** `upbeat serve` on the stores a user selects: PostgreSQL by database.url, Cupcake's DB_NAME. */
import assert from "node:assert/strict";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { apiFetch, startCli } from "../helpers/cli.ts";
import { closedPort, startHttpServer } from "../helpers/http-server.ts";
import { PG_URL, postgresUnavailable, REQUIRE_SERVICES } from "../helpers/stores.ts";
import { waitFor } from "../helpers/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "upbeat-stores-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function serveUntil(args: string[], env: Record<string, string>, check: (base: string) => Promise<boolean>): Promise<void> {
  const port = await closedPort();
  const base = `http://127.0.0.1:${port}`;
  const child = startCli(["serve", "--listen", `127.0.0.1:${port}`, ...args], { UPBEAT_LOG_LEVEL: "warn", ...env });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d));
  child.stderr.on("data", (d: Buffer) => (output += d));
  try {
    await waitFor(`ready (${output})`, () => fetch(`${base}/readyz`).then((r) => r.ok, () => false), 15_000, 50);
    await waitFor("the expected state", () => check(base), 10_000, 100);
    child.kill("SIGTERM");
    const [code] = (await once(child, "exit")) as [number];
    assert.equal(code, 0, output);
  } finally {
    child.kill("SIGKILL");
  }
}

const openIncidents = async (base: string) => ((await (await apiFetch(`${base}/api/v1/incidents?open=true`)).json()) as { incidents: Array<{ monitorId: string; number: number }> }).incidents;

test("database.url: postgres://… keeps state in PostgreSQL across a restart", async (t) => {
  const why = await postgresUnavailable();
  if (why && REQUIRE_SERVICES) throw new Error(why);
  if (why) return t.skip(why);
  const schema = `upbeat_e2e_${process.pid}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  const target = await startHttpServer((_req, res) => res.writeHead(500).end());
  try {
    const url = `${PG_URL}${PG_URL.includes("?") ? "&" : "?"}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const file = join(dir, "pg.yaml");
    writeFileSync(file, `database:\n  url: "${url}"\nmonitors:\n  - { name: api, url: "${target.url}/", interval: 1s }\n`);
    await serveUntil(["--config", file, "--data", join(dir, "unused")], {}, async (base) => (await openIncidents(base)).length === 1);
    await serveUntil(["--config", file, "--data", join(dir, "unused")], {}, async (base) => (await openIncidents(base))[0]?.number === 1);
    const { rows } = await admin.query(`SELECT number, resolved_at FROM ${schema}.incidents`);
    assert.deepEqual(rows, [{ number: 1, resolved_at: null }], "one incident, still open after the restart");
    assert.equal(existsSync(join(dir, "unused", "upbeat.db")), false, "no SQLite file when PostgreSQL is configured");
  } finally {
    await target.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
});

test("Cupcake's ENDPOINT_DEFINITIONS_FILE and DB_NAME: the active table in Cupcake's SQLite file", async () => {
  const target = await startHttpServer((_req, res) => res.writeHead(503).end());
  try {
    const endpoints = join(dir, "endpoints.json");
    const dbFile = join(dir, "cupcake.db");
    writeFileSync(
      endpoints,
      JSON.stringify({ "@type": "endpoint-definitions", groups: [{ id: "customer", environments: [{ id: "ABC", "endpoint-groups": [{ id: "production", enabled: "true", endpoints: [{ id: "web", url: `${target.url}/ok`, expected: "^[2]\\d\\d$" }] }] }] }] }),
    );
    await serveUntil(["--data", join(dir, "d2")], { ENDPOINT_DEFINITIONS_FILE: endpoints, DB_NAME: dbFile, SLEEP_SECONDS: "1" }, async (base) => (await openIncidents(base)).length === 1);
    const db = new BetterSqlite3(dbFile, { readonly: true });
    const rows = db.prepare("SELECT environment_group, environment, endpoint_group, endpoint, message FROM active").all();
    db.close();
    assert.deepEqual(rows, [{ environment_group: "customer", environment: "ABC", endpoint_group: "production", endpoint: "web", message: `customer ABC production web ${target.url}/ok expected ^[2]\\d\\d$, actual: 503` }]);
  } finally {
    await target.close();
  }
});
