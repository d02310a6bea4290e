/** A Lovebeat-compatible Upbeat for tests: engine, hub, real statsd sockets and the real HTTP API on loopback; a fake clock. */
import { openAccess } from "../../src/api/access.ts";
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import { Alerting } from "../../src/alerting/alerting.ts";
import { lovebeatAlertChannels, lovebeatChannels, resolveAlerting } from "../../src/alerting/config.ts";
import { buildApp } from "../../src/api/app.ts";
import { NOTIFIERS } from "../../src/notifiers/registry.ts";
import { loadLovebeatConfig, lovebeatDefaults } from "../../src/heartbeats/lovebeat/config.ts";
import { lovebeatRoutes } from "../../src/heartbeats/lovebeat/http-api.ts";
import { type LovebeatRuntime, startLovebeat } from "../../src/heartbeats/lovebeat/runtime.ts";
import type { Engine } from "../../src/engine/engine.ts";
import type { OutboxRecord } from "../../src/store/types.ts";
import { quietLog, startEngine } from "./engine.ts";
import { FakeClock } from "./fake-clock.ts";
import { sqliteStore, type TestStore } from "./stores.ts";

/** A running instance. */
export interface LovebeatUnderTest {
  /** HTTP base URL. */
  base: string;
  /** statsd port (UDP and TCP). */
  port: number;
  /** The clock everything runs on. */
  clock: FakeClock;
  /** The engine. */
  engine: Engine;
  /** Effects committed. */
  effects: OutboxRecord[];
  /** The Lovebeat side. */
  lovebeat: LovebeatRuntime;
  /** Alerting (Lovebeat's `[alerts.*]` as channels). */
  alerting: Alerting;
  /** The store. */
  db: TestStore;
  /** Sends one UDP datagram and waits until it is applied. */
  udp(text: string | Buffer): Promise<void>;
  /** Sends text over one TCP connection and waits until `lines` lines are applied. */
  tcp(text: string, lines: number): Promise<void>;
  /** Moves the clock (deadlines fire) and lets writes settle. */
  advance(ms: number): Promise<void>;
  /** Stops everything (the store is kept unless `cleanup`). */
  stop(cleanup?: boolean): Promise<void>;
}

/** Starts an instance with an optional Lovebeat TOML config (its `[database] filename` is used when `configured`). */
export async function startLovebeatUnderTest(o: { toml?: string; configured?: boolean; clock?: FakeClock; db?: TestStore } = {}): Promise<LovebeatUnderTest> {
  const clock = o.clock ?? new FakeClock();
  const db = o.db ?? (await sqliteStore());
  const config = o.toml ? loadLovebeatConfig([{ file: "test.cfg", text: o.toml }]) : { config: lovebeatDefaults(), problems: [] };
  if (config.problems.length) throw new Error(`bad test config: ${JSON.stringify(config.problems)}`);
  const lbChannels = lovebeatChannels(config.config, "test.cfg");
  const resolved = resolveAlerting({ monitors: [], groups: [], files: [] }, NOTIFIERS, lbChannels);
  if (resolved.problems.length) throw new Error(`bad test alerting config: ${JSON.stringify(resolved.problems)}`);
  const ref: { lovebeat?: LovebeatRuntime; engine?: Engine } = {};
  const alerting = new Alerting(
    db.store,
    { ...resolved.alerting, lovebeatPublicUrl: config.config.general.publicUrl, monitorChannels: (id) => (id.startsWith("lovebeat-alarm/") ? lovebeatAlertChannels(config.config, ref.lovebeat?.hub.alarmAlerts(id.slice("lovebeat-alarm/".length)) ?? []) : undefined) },
    (id) => ref.engine?.get(id)?.monitor,
    quietLog,
    Date.now,
    { baseDelayMs: 50, pollMs: 50 },
  );
  const { engine, effects } = await startEngine({ monitors: [], groups: [], files: [] }, db.store, { clock, effects: alerting.handler });
  ref.engine = engine;
  await alerting.start();
  const lovebeat = await startLovebeat({ engine, config: config.config, configured: o.configured ?? false, statsd: { host: "127.0.0.1", port: 0 }, log: quietLog, now: clock.now });
  ref.lovebeat = lovebeat;
  const apiCounters = { badName: 0 };
  const app = buildApp({ access: openAccess(), store: db.store, engine: () => engine, ready: () => true, log: quietLog, now: clock.now, counters: () => ({ lovebeatApi: apiCounters }), extraRoutes: [(s) => lovebeatRoutes(s, { hub: () => lovebeat.hub, engine: () => engine, version: "0.1.0", now: clock.now, counters: apiCounters })] });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const addr = app.server.address();
  const counters = lovebeat.statsd?.counters;
  const port = lovebeat.statsd?.port ?? 0;
  const settle = async (done: () => boolean) => {
    for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 2));
    await lovebeat.idle();
    await engine.writer.durable();
  };
  const handled = () => (counters ? counters.lines + counters.rejected.malformed + counters.rejected.oversized + counters.rejected.encoding : 0);
  return {
    base: `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`,
    port,
    clock,
    engine,
    effects,
    lovebeat,
    alerting,
    db,
    async udp(text) {
      const before = counters?.datagrams ?? 0;
      const s = createSocket("udp4");
      await new Promise<void>((res, rej) => s.send(typeof text === "string" ? Buffer.from(text) : text, port, "127.0.0.1", (e) => (e ? rej(e) : res())));
      s.close();
      await settle(() => (counters?.datagrams ?? 0) > before);
    },
    async tcp(text, lines) {
      const before = handled();
      const sock = connect(port, "127.0.0.1");
      await new Promise((r) => sock.once("connect", r));
      sock.end(text);
      await settle(() => handled() >= before + lines);
      sock.destroy();
    },
    async advance(ms) {
      await clock.advance(ms);
      await engine.writer.durable();
    },
    async stop(cleanup = true) {
      await app.close();
      await lovebeat.stop();
      await engine.stop();
      await alerting.stop();
      if (cleanup) await db.cleanup();
    },
  };
}
