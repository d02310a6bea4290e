/**
 * Everything status pages add to the HTTP app, in one call for `buildApp`'s caller: the service,
 * the URL rewrite for custom domains, and the API, public and badge routes (each in its own scope).
 */
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { DEFAULT_STATUS_PAGES_SETTINGS, type StatusPagesSettings } from "../config/schema/status-pages.ts";
import type { Engine } from "../engine/engine.ts";
import { StatusPages } from "../status-pages/service.ts";
import type { Store } from "../store/types.ts";
import { badgeRoutes } from "./badge-routes.ts";
import { publicPageRoutes } from "./public-page-routes.ts";
import { statusPageRoutes } from "./status-page-routes.ts";

/** What the status pages need. */
export interface StatusWiringDeps {
  /** The store. */
  store: Store;
  /** The engine (absent while starting). */
  engine: () => Engine | undefined;
  /** Settings (`statusPages` in the configuration); defaults when absent. */
  settings?: StatusPagesSettings | undefined;
  /** Log. */
  log: Logger;
  /** Epoch-ms clock. */
  now?: () => number;
}

/** The service, the `rewriteUrl` to give `buildApp`, and the routes to register. */
export function statusPagesWiring(d: StatusWiringDeps): { service: StatusPages; rewriteUrl: (url: string, host: string | undefined) => string; routes: Array<(app: FastifyInstance) => Promise<void>> } {
  const service = new StatusPages({ db: d.store.db, engine: d.engine, settings: d.settings ?? DEFAULT_STATUS_PAGES_SETTINGS, log: d.log, ...(d.now ? { now: d.now } : {}) });
  return {
    service,
    rewriteUrl: (url, host) => service.rewrite(url, host),
    routes: [
      (app) => statusPageRoutes(app, { pages: service, log: d.log }),
      (app) => publicPageRoutes(app, { pages: service, log: d.log }),
      (app) => badgeRoutes(app, { pages: service, store: d.store, log: d.log }),
    ],
  };
}
