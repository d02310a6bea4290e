/**
 * The public status pages: `/pages/:slug` (HTML), `/history`, `/status.json`, `/feed.rss`,
 * `/feed.atom`, `/logo` and the password form's `/login` under it — also at `/` and `/<file>` on
 * the page's custom domain (the service's `rewrite` maps them here before routing). Each response
 * comes from the render cache with ETag/Last-Modified; the routes are rate-limited per address.
 */
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { sendEntry } from "../status-pages/cache.ts";
import type { StatusPages } from "../status-pages/service.ts";
import { PageGate } from "./page-gate.ts";
import { statusErrorHandler } from "./status-errors.ts";

/** What the routes use. */
export interface PublicPageRouteDeps {
  /** The status pages. */
  pages: StatusPages;
  /** Log. */
  log: Logger;
}

const TAGS = ["status pages (public)"];
const SlugParam = { type: "object", properties: { slug: { type: "string" } }, required: ["slug"] } as const;
const HistoryQuery = { type: "object", properties: { page: { type: "integer", minimum: 1, maximum: 10_000, default: 1, description: "Page of 20 incidents, newest first." } } } as const;
const schema = (summary: string, extra: Record<string, unknown> = {}) => ({ tags: TAGS, summary, params: SlugParam, ...extra });
type Slug = { Params: { slug: string } };

/** Registers the routes (in their own scope: rate limit, form parser and error handler stay here). */
export async function publicPageRoutes(app: FastifyInstance, d: PublicPageRouteDeps): Promise<void> {
  const sp = d.pages;
  const rl = sp.d.settings.rateLimit;
  const gate = new PageGate(sp);
  app.setErrorHandler(statusErrorHandler(d.log));
  // Another part (the login limiter) may have registered the plugin already; its hooks see these routes' config too.
  if (rl && !app.hasDecorator("rateLimit")) await app.register(rateLimit, { global: false });
  const limited = (max?: number) => (rl ? { rateLimit: { max: max ?? rl.max, timeWindow: rl.windowMs } } : {});
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string", bodyLimit: 4096 }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))));
  await sp.load();

  app.get<Slug>("/pages/:slug", { schema: schema("A status page (HTML)"), config: limited() }, async (req, reply) => {
    const o = await gate.open(req, reply, "html");
    return o ? gate.send(req, reply, o, await sp.html(o.page, o.src, o.base), true) : reply;
  });

  app.get<Slug & { Querystring: { page?: number } }>("/pages/:slug/history", { schema: schema("Incident history of a page (HTML, paged)", { querystring: HistoryQuery }), config: limited() }, async (req, reply) => {
    const o = await gate.open(req, reply, "html");
    return o ? gate.send(req, reply, o, await sp.history(o.page, o.src, o.base, req.query.page ?? 1), true) : reply;
  });

  app.get<Slug>("/pages/:slug/status.json", { schema: schema("A status page as JSON"), config: limited() }, async (req, reply) => {
    const o = await gate.open(req, reply, "data");
    return o ? gate.send(req, reply, o, await sp.json(o.page, o.src, gate.pageUrl(req, o)), false) : reply;
  });

  for (const kind of ["rss", "atom"] as const) {
    app.get<Slug>(`/pages/:slug/feed.${kind}`, { schema: schema(`Incident updates as ${kind === "rss" ? "RSS 2.0" : "Atom 1.0"}`), config: limited() }, async (req, reply) => {
      const o = await gate.open(req, reply, "data");
      return o ? gate.send(req, reply, o, await sp.feed(o.page, gate.pageUrl(req, o), kind), false) : reply;
    });
  }

  app.get<Slug>("/pages/:slug/logo", { schema: schema("The page's uploaded logo"), config: limited() }, async (req, reply) => {
    const page = await sp.page(req.params.slug);
    if (!page) return gate.notFound(reply, "data", req.params.slug);
    // The logo shows on the password form too, so it is not behind the password.
    reply.header("content-security-policy", "default-src 'none'; sandbox").header("x-content-type-options", "nosniff");
    return sendEntry(req, reply, await sp.logo(page), "public, max-age=86400");
  });

  app.post<Slug & { Body: { password?: unknown } | undefined }>("/pages/:slug/login", { schema: { ...schema("Log in to a password-protected page (form post)"), hide: true }, config: limited(20) }, async (req, reply) => gate.login(req, reply));
}
