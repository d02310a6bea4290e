/** Which store a configuration selects. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCupcakeEnv } from "../config/cupcake-env.ts";
import { redactUrl, storeSpec } from "./open.ts";

const cupcake = (env: Record<string, string>) => parseCupcakeEnv(env).value;

test("database.url picks PostgreSQL for postgres:// and a SQLite file otherwise", () => {
  const pg = storeSpec({ url: "postgres://u:secret@db:5432/upbeat", dataDir: "data" });
  assert.equal(pg.kind, "postgres");
  assert.equal(pg.kind === "postgres" && pg.label, "postgres://u:***@db:5432/upbeat", "the password never reaches a log");
  assert.deepEqual(storeSpec({ url: "/var/lib/upbeat/u.db", dataDir: "data" }), { kind: "sqlite", file: "/var/lib/upbeat/u.db" });
  assert.deepEqual(storeSpec({ url: "sqlite:///tmp/x.db", dataDir: "data" }), { kind: "sqlite", file: "/tmp/x.db" });
});

test("no setting: upbeat.db in the data directory", () => {
  assert.deepEqual(storeSpec({ dataDir: "data", cupcake: cupcake({}), cupcakeDbSet: false }), { kind: "sqlite", file: "data/upbeat.db" });
});

test("Cupcake's DB_* variables: sqlite file by DB_NAME; postgresql with DB_HOST as host or host:port", () => {
  assert.deepEqual(storeSpec({ dataDir: "data", cupcake: cupcake({ DB_NAME: "cupcake.db" }), cupcakeDbSet: true }), { kind: "sqlite", file: "cupcake.db" });
  assert.deepEqual(storeSpec({ dataDir: "data", cupcake: cupcake({ DB_TYPE: "sqlite3", DB_NAME: "c.db" }), cupcakeDbSet: true }), { kind: "sqlite", file: "c.db" }, "anything but postgresql is SQLite");
  const withPort = storeSpec({ dataDir: "data", cupcake: cupcake({ DB_TYPE: "postgresql", DB_HOST: "db.internal:6543", DB_NAME: "cupcake", DB_USER: "cc", DB_PASSWORD: "pw" }), cupcakeDbSet: true });
  assert.equal(withPort.kind, "postgres");
  if (withPort.kind === "postgres") assert.deepEqual(withPort.connection, { database: "cupcake", host: "db.internal", port: 6543, user: "cc", password: "pw" });
  const bare = storeSpec({ dataDir: "data", cupcake: cupcake({ DB_TYPE: "postgresql", DB_HOST: "db.internal", DB_NAME: "cupcake" }), cupcakeDbSet: true });
  if (bare.kind === "postgres") assert.equal(bare.connection.host, "db.internal");
  assert.equal(bare.kind === "postgres" && bare.connection.port, undefined);
  assert.equal(storeSpec({ url: "/x.db", dataDir: "d", cupcake: cupcake({ DB_TYPE: "postgresql" }), cupcakeDbSet: true }).kind, "sqlite", "database.url wins");
});

test("redactUrl hides only the password", () => {
  assert.equal(redactUrl("postgres://a:b@h/d"), "postgres://a:***@h/d");
  assert.equal(redactUrl("postgres://a@h/d"), "postgres://a@h/d");
});
