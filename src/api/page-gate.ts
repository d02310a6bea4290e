/**
 * What every public status page request goes through: finding the page (404), the engine (503),
 * the password (401 with the form, or a Basic challenge for JSON and feeds), then sending the
 * cached render with its headers. Also the password form's login.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Entry } from "../status-pages/cache.ts";
import { sendEntry } from "../status-pages/cache.ts";
import { basicPassword, cookieOpens, PAGE_COOKIE_MS, pageCookieName, pageCookieValue, readCookie } from "../status-pages/password.ts";
import { renderPasswordForm } from "../status-pages/render.ts";
import type { StatusPages } from "../status-pages/service.ts";
import type { MonitorSource } from "../status-pages/snapshot.ts";
import { esc } from "../status-pages/text.ts";
import type { StatusPage } from "../status-pages/types.ts";
import { sendError } from "./app.ts";

// Nothing on a status page runs script; the policy makes sure nothing injected could either.
const HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: http: data:; form-action 'self'; base-uri 'none'";
const HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/** HTML for people, or data (JSON, feeds) for programs: they fail differently. */
export type PageKind = "html" | "data";

/** An opened page: it exists, the engine runs, the caller may see it. */
export interface Opened {
  /** The page. */
  page: StatusPage;
  /** Live monitors. */
  src: MonitorSource;
  /** Where it lives: `/pages/<slug>`, or `` on its own domain. */
  base: string;
}

/** The checks and replies shared by the public routes. */
export class PageGate {
  private readonly ttlSec: number;

  /** Over the running status pages. */
  constructor(private readonly sp: StatusPages) {
    this.ttlSec = Math.round(sp.d.settings.cacheTtlMs / 1000);
  }

  /** `/pages/<slug>`, or `` when the request came in on the page's own domain (rewritten before routing). */
  base(req: FastifyRequest, p: StatusPage): string {
    return req.originalUrl !== req.url ? "" : `/pages/${p.slug}`;
  }

  /** 404 in the kind asked for. */
  notFound(reply: FastifyReply, kind: PageKind, slug: string): FastifyReply {
    if (kind === "data") return sendError(reply, 404, "UPBEAT_NOT_FOUND", `no status page "${slug}"`);
    return this.html(reply, 404).send(`<!doctype html><html lang="en"><meta charset="utf-8"><title>Not found</title><p>There is no status page “${esc(slug)}”.</p></html>`);
  }

  private html(reply: FastifyReply, code: number): FastifyReply {
    return reply.code(code).type("text/html; charset=utf-8").header("content-security-policy", HTML_CSP);
  }

  /** Whether the caller may see the page: no password, a valid page cookie, or the password as Basic credentials. */
  async authorized(req: FastifyRequest, p: StatusPage): Promise<boolean> {
    if (!p.passwordHash) return true;
    if (cookieOpens(p, readCookie(req.headers.cookie, pageCookieName(p)), this.sp.now())) return true;
    const pw = basicPassword(req.headers.authorization);
    return pw !== undefined && (await this.sp.passwords.check(p, pw));
  }

  /** The page, live monitors and base path, or undefined with the reply sent (404, 503, 401). */
  async open(req: FastifyRequest<{ Params: { slug: string } }>, reply: FastifyReply, kind: PageKind): Promise<Opened | undefined> {
    const page = await this.sp.page(req.params.slug);
    if (!page) return void (await this.notFound(reply, kind, req.params.slug));
    const src = this.sp.monitors();
    if (!src) return void (await sendError(reply, 503, "UPBEAT_NOT_READY", "starting; try again in a moment"));
    if (await this.authorized(req, page)) return { page, src, base: this.base(req, page) };
    reply.header("cache-control", "no-store");
    if (kind === "html") return void (await this.html(reply, 401).send(renderPasswordForm(page, this.base(req, page), false)));
    reply.header("www-authenticate", `Basic realm="${page.title.replace(/["\\]/g, "")}", charset="UTF-8"`);
    return void (await sendError(reply, 401, "UPBEAT_PAGE_PASSWORD", "this status page needs its password (log in on the page, or send it as HTTP Basic credentials)"));
  }

  /** Sends a cached render: shared caches may keep public pages for the TTL; protected ones are private and revalidated. */
  send(req: FastifyRequest, reply: FastifyReply, o: Opened, e: Entry, html: boolean): FastifyReply {
    reply.header("x-content-type-options", "nosniff");
    if (html) reply.header("content-security-policy", HTML_CSP);
    const cc = o.page.passwordHash ? "private, no-cache" : this.ttlSec > 0 ? `public, max-age=${this.ttlSec}` : "no-cache";
    return sendEntry(req, reply, e, cc);
  }

  /** Absolute address of the page for feeds and JSON: the configured public URL, else this request's host (checked). */
  pageUrl(req: FastifyRequest, o: Opened): string {
    const pub = this.sp.d.settings.publicUrl?.replace(/\/+$/, "");
    if (o.base === "") return `${pub ? new URL(pub).protocol.slice(0, -1) : req.protocol}://${o.page.domain}`;
    const host = req.headers.host && HOST.test(req.headers.host) ? req.headers.host : "localhost";
    return `${pub ?? `${req.protocol}://${host}`}/pages/${o.page.slug}`;
  }

  /** The password form's post: a good password sets the page cookie and goes back to the page (303); a bad one shows the form again (401). */
  async login(req: FastifyRequest<{ Params: { slug: string }; Body: { password?: unknown } | undefined }>, reply: FastifyReply): Promise<FastifyReply> {
    const page = await this.sp.page(req.params.slug);
    if (!page) return this.notFound(reply, "html", req.params.slug);
    const home = this.base(req, page) || "/";
    if (!page.passwordHash) return reply.code(303).header("location", home).send();
    const password = typeof req.body?.password === "string" ? req.body.password : "";
    if (!(await this.sp.passwords.check(page, password))) return this.html(reply, 401).header("cache-control", "no-store").send(renderPasswordForm(page, this.base(req, page), true));
    const secure = req.protocol === "https" ? "; Secure" : "";
    reply.header("set-cookie", `${pageCookieName(page)}=${pageCookieValue(page, this.sp.now())}; Path=/; Max-Age=${PAGE_COOKIE_MS / 1000}; HttpOnly; SameSite=Lax${secure}`);
    return reply.code(303).header("location", home).header("cache-control", "no-store").send();
  }
}
