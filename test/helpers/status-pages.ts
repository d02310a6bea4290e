/**
 * Status page tests: a real engine and SQLite store behind the real app (access hook, URL rewrite,
 * status page routes), a counter of the queries the status pages make, rollup seeding, and a small
 * XML well-formedness check for feeds and badges.
 */
import type { FastifyInstance } from "fastify";
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from "kysely";
import type { Access } from "../../src/api/access.ts";
import { openAccess } from "../../src/api/access.ts";
import { buildApp } from "../../src/api/app.ts";
import { statusPagesWiring } from "../../src/api/status-wiring.ts";
import type { StatusPagesSettings } from "../../src/config/schema/status-pages.ts";
import type { Observation } from "../../src/core/types.ts";
import type { Engine } from "../../src/engine/engine.ts";
import type { StatusPages } from "../../src/status-pages/service.ts";
import { emptyBatch, type RollupRecord, type Store } from "../../src/store/types.ts";
import { configOf, quietLog, startEngine } from "./engine.ts";
import { sqliteStore, type TestStore } from "./stores.ts";

/** Counts the statements run through a kysely instance. */
export class QueryCounter implements KyselyPlugin {
  /** Statements so far. */
  count = 0;
  /** Counts one. */
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.count++;
    return args.node;
  }
  /** Leaves results alone. */
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/** A running status page app. */
export interface StatusApp {
  app: FastifyInstance;
  engine: Engine;
  db: TestStore;
  service: StatusPages;
  queries: QueryCounter;
  cleanup(): Promise<void>;
}

/** The app with a config (YAML), a role for every caller (or an Access), status page settings and extra routes (a stand-in dashboard at `/`). */
export async function statusApp(o: { config: string; access?: Access; settings?: Partial<StatusPagesSettings>; now?: () => number; extra?: (app: FastifyInstance) => void }): Promise<StatusApp> {
  const db = await sqliteStore();
  const { engine } = await startEngine(configOf(o.config), db.store);
  const queries = new QueryCounter();
  const counted = db.store.db.withPlugin(queries);
  const store = new Proxy(db.store, { get: (t, k) => (k === "db" ? counted : Reflect.get(t, k)) }) as Store;
  const settings: StatusPagesSettings = { cacheTtlMs: 30_000, rateLimit: false, ...o.settings };
  const status = statusPagesWiring({ store, engine: () => engine, settings, log: quietLog, ...(o.now ? { now: o.now } : {}) });
  const app = buildApp({ access: o.access ?? openAccess("editor", "ana"), store: db.store, engine: () => engine, ready: () => true, log: quietLog, rewriteUrl: status.rewriteUrl, extraRoutes: status.routes });
  o.extra?.(app);
  await app.ready();
  return {
    app,
    engine,
    db,
    service: status.service,
    queries,
    cleanup: async () => {
      await app.close();
      await engine.stop(0);
      await db.cleanup();
    },
  };
}

/** Puts a monitor into a state with one observation (thresholds are 1). */
export async function observe(engine: Engine, monitorId: string, health: Observation["health"], at = Date.now()): Promise<void> {
  engine.observe({ monitorId, at, health, source: "heartbeat", region: "local", ...(health !== "down" ? { timings: { totalMs: 120 } as Observation["timings"] } : {}) });
  await engine.writer.durable();
}

/** Writes day rollups: `[monitor id, days ago, checks, failures, degraded]`. */
export async function seedDays(store: Store, rows: Array<[string, number, number, number, number?]>, now = Date.now()): Promise<void> {
  const seqs = new Map((await store.db.selectFrom("monitors").select(["id", "seq"]).execute()).map((r) => [r.id, Number(r.seq)]));
  const today = Math.floor(now / 86_400_000) * 86_400_000;
  const records: RollupRecord[] = rows.map(([id, ago, checks, failures, degraded = 0]) => ({ seq: seqs.get(id) as number, bucket: today - ago * 86_400_000, checks, failures, degraded, downMs: failures * 60_000, latCount: checks - failures, latSum: (checks - failures) * 100, sketch: "" }));
  await store.commit({ ...emptyBatch(), rollups: records.map((row) => ({ size: "day" as const, row, merge: false })) });
}

/** Throws unless `xml` is well-formed enough: one root, every tag closed in order, only known entities, attributes quoted. */
export function assertWellFormedXml(xml: string): void {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, "");
  const stack: string[] = [];
  let roots = 0;
  const re = /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->|([<>])|&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/g;
  for (const m of body.matchAll(re)) {
    if (m[0].startsWith("<![CDATA[") || m[0].startsWith("<!--")) continue;
    if (m[5]) throw new Error(`stray "${m[5]}" at ${m.index}: ${body.slice(Math.max(0, (m.index ?? 0) - 40), (m.index ?? 0) + 40)}`);
    if (m[0].startsWith("&")) throw new Error(`unescaped & at ${m.index}`);
    const [, close, name, , selfClose] = m;
    if (close) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else if (!selfClose) {
      if (!stack.length) roots++;
      stack.push(name as string);
    } else if (!stack.length) roots++;
  }
  if (stack.length) throw new Error(`unclosed <${stack.join("> <")}>`);
  if (roots !== 1) throw new Error(`${roots} root elements`);
}
