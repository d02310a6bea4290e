/**
 * Status pages over the API: `GET/POST /api/v1/status-pages`, `GET/PATCH/DELETE
 * /api/v1/status-pages/:slug`, and (from status-incident-routes.ts) their incidents and updates.
 * Viewers read, editors write (the access hook's defaults). Every change drops what the public
 * pages had rendered for the page.
 */
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { parseMatcher } from "../core/matchers.ts";
import { checkLogo } from "../status-pages/logo.ts";
import { hashPagePassword } from "../status-pages/password.ts";
import type { StatusPages } from "../status-pages/service.ts";
import { type MonitorSource, unknownMonitor } from "../status-pages/snapshot.ts";
import { PageConflictError, type PageInput } from "../status-pages/store.ts";
import type { OverallStatus, Section, StatusPage } from "../status-pages/types.ts";
import { sendError } from "./app.ts";
import { statusErrorHandler } from "./status-errors.ts";
import { incidentRoutes } from "./status-incident-routes.ts";
import { ErrorOut, NewPage, PageOut, PagePatch, SlugParams } from "./status-page-schemas.ts";

/** What the routes use. */
export interface StatusPageRouteDeps {
  /** The status pages. */
  pages: StatusPages;
  /** Log. */
  log: Logger;
}

/** A page body as the schemas accept it. */
interface PageBody {
  slug?: string;
  title?: string;
  description?: string;
  logoUrl?: string | null;
  logo?: { data: string; contentType?: string } | null;
  domain?: string | null;
  password?: string | null;
  sections?: Array<{ title: string; description?: string; monitors?: Array<string | { id: string; name?: string }>; matchers?: string[] }>;
  showUptimeBars?: boolean;
  footer?: string;
  statusText?: Partial<Record<OverallStatus, string>>;
  historyDays?: number;
}

const TAGS = ["status pages"];
const iso = (ms: number) => new Date(ms).toISOString();

/** A page as the API shows it (never the password hash). */
export function pageOut(p: StatusPage) {
  return {
    id: p.id,
    slug: p.slug,
    url: `/pages/${p.slug}`,
    title: p.title,
    description: p.description,
    logoUrl: p.logoUrl ?? null,
    logo: p.logoType ? { contentType: p.logoType, url: `/pages/${p.slug}/logo` } : null,
    domain: p.domain ?? null,
    passwordProtected: !!p.passwordHash,
    sections: p.sections,
    showUptimeBars: p.showUptimeBars,
    footer: p.footer,
    statusText: p.statusText,
    historyDays: p.historyDays,
    createdAt: iso(p.createdAt),
    updatedAt: iso(p.updatedAt),
  };
}

function sectionsOf(body: NonNullable<PageBody["sections"]>, src: MonitorSource | undefined): Section[] | { error: string } {
  const out: Section[] = [];
  for (const [n, s] of body.entries()) {
    const monitors = (s.monitors ?? []).map((m) => (typeof m === "string" ? { id: m } : m));
    const missing = unknownMonitor(monitors.map((m) => m.id), src, `body/sections/${n}/monitors`);
    if (missing) return { error: missing };
    const matchers = s.matchers ?? [];
    for (const [k, text] of matchers.entries()) {
      const m = parseMatcher(text);
      if ("error" in m) return { error: `body/sections/${n}/matchers/${k}: ${m.error}` };
    }
    out.push({ title: s.title, ...(s.description ? { description: s.description } : {}), monitors, matchers });
  }
  return out;
}

/** The page to store: the body over the existing page (or the defaults); errors name the field. */
async function pageInput(b: PageBody, old: StatusPage | undefined, src: MonitorSource | undefined): Promise<PageInput | { error: string }> {
  const sections = b.sections ? sectionsOf(b.sections, src) : (old?.sections ?? []);
  if ("error" in sections) return sections;
  let logo: PageInput["logo"];
  if (b.logo) {
    const checked = checkLogo(b.logo.data, b.logo.contentType);
    if ("error" in checked) return checked;
    logo = checked;
  } else if (b.logo === null) logo = null;
  const domain = b.domain === undefined ? undefined : b.domain === null ? null : b.domain.toLowerCase().replace(/\.$/, "");
  const passwordHash = b.password === undefined ? undefined : b.password === null ? null : await hashPagePassword(b.password);
  return {
    slug: b.slug ?? (old?.slug as string),
    title: b.title ?? (old?.title as string),
    description: b.description ?? old?.description ?? "",
    sections,
    showUptimeBars: b.showUptimeBars ?? old?.showUptimeBars ?? true,
    footer: b.footer ?? old?.footer ?? "",
    statusText: b.statusText ?? old?.statusText ?? {},
    historyDays: b.historyDays ?? old?.historyDays ?? 14,
    ...(b.logoUrl !== undefined ? { logoUrl: b.logoUrl } : {}),
    ...(logo !== undefined ? { logo } : {}),
    ...(domain !== undefined ? { domain } : {}),
    ...(passwordHash !== undefined ? { passwordHash } : {}),
  };
}

const errors = { 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut };

/** Registers the routes (in their own scope: they set its error handler). */
export async function statusPageRoutes(app: FastifyInstance, d: StatusPageRouteDeps): Promise<void> {
  app.setErrorHandler(statusErrorHandler(d.log));
  const sp = d.pages;
  const conflict = (e: unknown, reply: Parameters<typeof sendError>[0]) => {
    if (e instanceof PageConflictError) return sendError(reply, 409, "UPBEAT_CONFLICT", e.message);
    throw e;
  };

  app.get("/api/v1/status-pages", { schema: { tags: TAGS, summary: "List status pages", response: { 200: { type: "object", properties: { statusPages: { type: "array", items: PageOut } } }, ...errors } } }, async () => ({
    statusPages: (await sp.pages.listPages()).map(pageOut),
  }));

  app.post<{ Body: PageBody }>("/api/v1/status-pages", { schema: { tags: TAGS, summary: "Create a status page", body: NewPage, response: { 201: PageOut, ...errors } } }, async (req, reply) => {
    const input = await pageInput(req.body, undefined, sp.monitors());
    if ("error" in input) return sendError(reply, 400, "UPBEAT_BAD_REQUEST", input.error);
    try {
      const page = await sp.pages.createPage(input, sp.now());
      await sp.changed(page.slug);
      return reply.code(201).send(pageOut(page));
    } catch (e) {
      return conflict(e, reply);
    }
  });

  app.get<{ Params: { slug: string } }>("/api/v1/status-pages/:slug", { schema: { tags: TAGS, summary: "One status page", params: SlugParams, response: { 200: PageOut, ...errors } } }, async (req, reply) => {
    const page = await sp.pages.getPage(req.params.slug);
    return page ? pageOut(page) : sendError(reply, 404, "UPBEAT_NOT_FOUND", `no status page "${req.params.slug}"`);
  });

  app.patch<{ Params: { slug: string }; Body: PageBody }>("/api/v1/status-pages/:slug", { schema: { tags: TAGS, summary: "Change a status page (only the fields given)", params: SlugParams, body: PagePatch, response: { 200: PageOut, ...errors } } }, async (req, reply) => {
    const old = await sp.pages.getPage(req.params.slug);
    if (!old) return sendError(reply, 404, "UPBEAT_NOT_FOUND", `no status page "${req.params.slug}"`);
    const input = await pageInput(req.body, old, sp.monitors());
    if ("error" in input) return sendError(reply, 400, "UPBEAT_BAD_REQUEST", input.error);
    try {
      const page = await sp.pages.updatePage(old.id, input, sp.now());
      await sp.changed(old.slug, page.slug);
      return pageOut(page);
    } catch (e) {
      return conflict(e, reply);
    }
  });

  app.delete<{ Params: { slug: string } }>("/api/v1/status-pages/:slug", { schema: { tags: TAGS, summary: "Delete a status page with its incidents", params: SlugParams, response: { 204: { type: "null" }, ...errors } } }, async (req, reply) => {
    const old = await sp.pages.getPage(req.params.slug);
    if (!old) return sendError(reply, 404, "UPBEAT_NOT_FOUND", `no status page "${req.params.slug}"`);
    await sp.pages.deletePage(old.id);
    await sp.changed(old.slug);
    return reply.code(204).send();
  });

  await incidentRoutes(app, sp);
}
