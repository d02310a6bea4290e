/** The API in-process for tests: a real engine over a real SQLite store, fastify's inject. */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { openAccess, type Role } from "../../src/api/access.ts";
import { type AppDeps, buildApp } from "../../src/api/app.ts";
import type { Engine, EngineOptions } from "../../src/engine/engine.ts";
import type { OutboxRecord, Store } from "../../src/store/types.ts";
import { configOf, quietLog, startEngine } from "./engine.ts";
import { sqliteStore, type TestStore } from "./stores.ts";

/** A running API. */
export interface ApiRig {
  /** The app (not listening). */
  app: FastifyInstance;
  /** The engine behind it. */
  engine: Engine;
  /** The store. */
  store: Store;
  /** The test database. */
  db: TestStore;
  /** Effects committed so far (this engine run). */
  effects: OutboxRecord[];
  /** A request. */
  call(method: InjectOptions["method"], url: string, payload?: unknown): Promise<LightMyRequestResponse>;
  /** The same store behind a viewer (read-only role). */
  as(role: Role): FastifyInstance;
  /** Stops app and engine, then starts both again on the same store file. */
  restart(): Promise<void>;
  /** Stops everything and deletes the database. */
  close(): Promise<void>;
}

/** Starts the API over a fresh SQLite store with the monitors of `yaml` (intervals shortened to `intervalMs`). */
export async function startApi(yaml: string, o: { intervalMs?: number; engine?: Partial<EngineOptions>; app?: Partial<AppDeps>; db?: TestStore } = {}): Promise<ApiRig> {
  const db = o.db ?? (await sqliteStore());
  const config = configOf(yaml, o.intervalMs ?? 100);
  const apps: FastifyInstance[] = [];
  const make = (engine: Engine, store: Store, role: Role) => {
    const app = buildApp({ access: openAccess(role, `${role}-user`), store, engine: () => engine, ready: () => true, log: quietLog, ...(o.engine?.clock ? { now: o.engine.clock.now } : {}), ...o.app });
    apps.push(app);
    return app;
  };
  const started = await startEngine(config, db.store, o.engine);
  const rig: ApiRig = {
    app: make(started.engine, db.store, "editor"),
    engine: started.engine,
    store: db.store,
    db,
    effects: started.effects,
    call: (method, url, payload) => rig.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as string }) }),
    as: (role) => make(rig.engine, rig.store, role),
    restart: async () => {
      for (const a of apps.splice(0)) await a.close();
      await rig.engine.stop(0);
      await rig.store.close();
      rig.store = await db.reopen();
      const again = await startEngine(config, rig.store, o.engine);
      rig.engine = again.engine;
      rig.effects = again.effects;
      rig.app = make(again.engine, rig.store, "editor");
    },
    close: async () => {
      for (const a of apps.splice(0)) await a.close();
      await rig.engine.stop(0);
      await db.cleanup();
    },
  };
  return rig;
}

/** A JSON body's field, typed loosely for assertions. */
export type Json = Record<string, unknown>;
