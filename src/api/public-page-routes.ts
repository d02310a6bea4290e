/**
 * The public status pages: `/pages/:slug` (HTML), `/history`, `/status.json`, `/feed.rss`,
 * `/feed.atom`, `/logo` and the password form's `/login` under it — also at `/` and `/<file>` on
 * the page's custom domain (the service's `rewrite` maps them here before routing). Each response
 * comes from the render cache with ETag/Last-Modified; the routes are rate-limited per address.
 */
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { type Entry, sendEntry } from "../status-pages/cache.ts";
import { basicPassword, cookieOpens, PAGE_COOKIE_MS, pageCookieName, pageCookieValue, readCookie } from "../status-pages/password.ts";
import { renderPasswordForm } from "../status-pages/render.ts";
import type { StatusPages } from "../status-pages/service.ts";
import type { MonitorSource } from "../status-pages/snapshot.ts";
import { esc } from "../status-pages/text.ts";
import type { StatusPage } from "../status-pages/types.ts";
import { sendError } from "./app.ts";
import { statusErrorHandler } from "./status-errors.ts";

/** What the routes use. */
export interface PublicPageRouteDeps {
  /** The status pages. */
  pages: StatusPages;
  /** Log. */
  log: Logger;
}

// Nothing on a status page runs script; the policy makes sure nothing injected could either.
const HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: http: data:; form-action 'self'; base-uri 'none'";
const TAGS = ["status pages (public)"];
const HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;
const SlugParam = { type: "object", properties: { slug: { type: "string" } }, required: ["slug"] } as const;

type Kind = "html" | "data";
interface Opened {
  page: StatusPage;
  src: MonitorSource;
  base: string;
}

/** Registers the routes (in their own scope: rate limit, form parser and error handler stay here). */
export async function publicPageRoutes(app: FastifyInstance, d: PublicPageRouteDeps): Promise<void> {
  const sp = d.pages;
  const settings = sp.d.settings;
  app.setErrorHandler(statusErrorHandler(d.log));
  // Another part (the login limiter) may have registered the plugin already; its hooks see these routes' config too.
  if (settings.rateLimit && !app.hasDecorator("rateLimit")) await app.register(rateLimit, { global: false });
  const limited = (max?: number) => (settings.rateLimit ? { rateLimit: { max: max ?? settings.rateLimit.max, timeWindow: settings.rateLimit.windowMs } } : {});
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string", bodyLimit: 4096 }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))));
  await sp.load();

  const ttlSec = Math.round(settings.cacheTtlMs / 1000);
  const cacheControl = (p: StatusPage) => (p.passwordHash ? "private, no-cache" : ttlSec > 0 ? `public, max-age=${ttlSec}` : "no-cache");
  const base = (req: FastifyRequest, p: StatusPage) => (req.originalUrl !== req.url ? "" : `/pages/${p.slug}`);

  const notFound = (reply: FastifyReply, kind: Kind, slug: string) => {
    if (kind === "data") return sendError(reply, 404, "UPBEAT_NOT_FOUND", `no status page "${slug}"`);
    return reply.code(404).type("text/html; charset=utf-8").header("content-security-policy", HTML_CSP).send(`<!doctype html><html lang="en"><meta charset="utf-8"><title>Not found</title><p>There is no status page “${esc(slug)}”.</p></html>`);
  };

  const authorized = async (req: FastifyRequest, p: StatusPage): Promise<boolean> => {
    if (!p.passwordHash) return true;
    if (cookieOpens(p, readCookie(req.headers.cookie, pageCookieName(p)), sp.now())) return true;
    const pw = basicPassword(req.headers.authorization);
    return pw !== undefined && (await sp.passwords.check(p, pw));
  };

  /** The page, live monitors and base path, or a reply already sent (404, 503, 401). */
  const open = async (req: FastifyRequest<{ Params: { slug: string } }>, reply: FastifyReply, kind: Kind): Promise<Opened | undefined> => {
    const page = await sp.page(req.params.slug);
    if (!page) return void (await notFound(reply, kind, req.params.slug));
    const src = sp.monitors();
    if (!src) return void (await sendError(reply, 503, "UPBEAT_NOT_READY", "starting; try again in a moment"));
    if (!(await authorized(req, page))) {
      reply.header("cache-control", "no-store");
      if (kind === "html") return void (await reply.code(401).type("text/html; charset=utf-8").header("content-security-policy", HTML_CSP).send(renderPasswordForm(page, base(req, page), false)));
      return void (await sendError(reply.header("www-authenticate", `Basic realm="${page.title.replace(/["\\]/g, "")}", charset="UTF-8"`), 401, "UPBEAT_PAGE_PASSWORD", "this status page needs its password (log in on the page, or send it as HTTP Basic credentials)"));
    }
    return { page, src, base: base(req, page) };
  };

  const send = (req: FastifyRequest, reply: FastifyReply, o: Opened, e: Entry, html: boolean) => {
    reply.header("x-content-type-options", "nosniff");
    if (html) reply.header("content-security-policy", HTML_CSP);
    return sendEntry(req, reply, e, cacheControl(o.page));
  };

  /** Absolute address of the page for feeds and JSON (the configured public URL, else this request's host). */
  const pageUrl = (req: FastifyRequest, o: Opened): string => {
    const pub = settings.publicUrl?.replace(/\/+$/, "");
    if (o.base === "") return `${pub ? new URL(pub).protocol.slice(0, -1) : req.protocol}://${o.page.domain}`;
    const host = req.headers.host && HOST.test(req.headers.host) ? req.headers.host : "localhost";
    return `${pub ?? `${req.protocol}://${host}`}/pages/${o.page.slug}`;
  };

  const schema = (summary: string, extra: Record<string, unknown> = {}) => ({ tags: TAGS, summary, params: SlugParam, ...extra });

  app.get<{ Params: { slug: string } }>("/pages/:slug", { schema: schema("A status page (HTML)"), config: limited() }, async (req, reply) => {
    const o = await open(req, reply, "html");
    return o ? send(req, reply, o, await sp.html(o.page, o.src, o.base), true) : reply;
  });

  const HistoryQuery = { type: "object", properties: { page: { type: "integer", minimum: 1, maximum: 10_000, default: 1 } } } as const;
  app.get<{ Params: { slug: string }; Querystring: { page?: number } }>("/pages/:slug/history", { schema: schema("Incident history of a page (HTML, paged)", { querystring: HistoryQuery }), config: limited() }, async (req, reply) => {
    const o = await open(req, reply, "html");
    return o ? send(req, reply, o, await sp.history(o.page, o.src, o.base, req.query.page ?? 1), true) : reply;
  });

  app.get<{ Params: { slug: string } }>("/pages/:slug/status.json", { schema: schema("A status page as JSON"), config: limited() }, async (req, reply) => {
    const o = await open(req, reply, "data");
    return o ? send(req, reply, o, await sp.json(o.page, o.src, pageUrl(req, o)), false) : reply;
  });

  for (const kind of ["rss", "atom"] as const) {
    app.get<{ Params: { slug: string } }>(`/pages/:slug/feed.${kind}`, { schema: schema(`Incident updates as ${kind === "rss" ? "RSS 2.0" : "Atom 1.0"}`), config: limited() }, async (req, reply) => {
      const o = await open(req, reply, "data");
      return o ? send(req, reply, o, await sp.feed(o.page, pageUrl(req, o), kind), false) : reply;
    });
  }

  app.get<{ Params: { slug: string } }>("/pages/:slug/logo", { schema: schema("The page's uploaded logo") }, async (req, reply) => {
    const page = await sp.page(req.params.slug);
    if (!page) return notFound(reply, "data", req.params.slug);
    // The logo shows on the password form too, so it is not behind the password.
    reply.header("content-security-policy", "default-src 'none'; sandbox").header("x-content-type-options", "nosniff");
    return sendEntry(req, reply, await sp.logo(page), "public, max-age=86400");
  });

  app.post<{ Params: { slug: string }; Body: { password?: unknown } | undefined }>("/pages/:slug/login", { schema: { ...schema("Log in to a password-protected page (form post)"), hide: true }, config: limited(20) }, async (req, reply) => {
    const page = await sp.page(req.params.slug);
    if (!page) return notFound(reply, "html", req.params.slug);
    const home = base(req, page) || "/";
    const password = typeof req.body?.password === "string" ? req.body.password : "";
    if (!page.passwordHash) return reply.code(303).header("location", home).send();
    if (!(await sp.passwords.check(page, password))) {
      return reply.code(401).type("text/html; charset=utf-8").header("cache-control", "no-store").header("content-security-policy", HTML_CSP).send(renderPasswordForm(page, base(req, page), true));
    }
    const secure = req.protocol === "https" ? "; Secure" : "";
    reply.header("set-cookie", `${pageCookieName(page)}=${pageCookieValue(page, sp.now())}; Path=/; Max-Age=${PAGE_COOKIE_MS / 1000}; HttpOnly; SameSite=Lax${secure}`);
    return reply.code(303).header("location", home).header("cache-control", "no-store").send();
  });
}
