/**
 * Serves the built dashboard (`web/dist`) at `/`. The page uses hash routes, so only real files
 * are served: hashed assets cached for a year, `index.html` revalidated on every load so a new
 * build is picked up at once. Brotli and gzip files made at build time are sent when the browser
 * takes them; anything else is compressed on the fly.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { constants } from "node:zlib";
import compress from "@fastify/compress";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

/** Where `npm run build:web` puts the dashboard. */
export const WEB_DIST = fileURLToPath(new URL("../../web/dist/", import.meta.url));

/** The page's security policy: nothing from elsewhere, no inline scripts, never framed. */
export const DASHBOARD_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Upbeat</title><body style="font-family:sans-serif;margin:2rem">
<h1>Upbeat</h1><p>The dashboard is not built. Run <code>npm run build:web</code> (or <code>npm install</code>) and restart.</p>
<p>The API is at <a href="/api/v1/openapi.json">/api/v1</a>.</p></body>`;

/** Registers compression for this scope (the dashboard's data and files). */
export async function compression(app: FastifyInstance): Promise<void> {
  // Brotli's default (quality 11) costs tens of milliseconds on a large response; 4 is nearly as small and fast.
  await app.register(compress, { global: true, threshold: 1024, encodings: ["br", "gzip"], brotliOptions: { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } } });
}

/** Registers the dashboard's files (or a page saying how to build them). */
export async function webStatic(app: FastifyInstance, root = WEB_DIST): Promise<void> {
  if (!existsSync(join(root, "index.html"))) {
    app.get("/", (_req, reply) => reply.type("text/html; charset=utf-8").header("cache-control", "no-cache").send(NOT_BUILT));
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: "/",
    // One route per file found at start: unknown paths fall through to the API's 404.
    wildcard: false,
    globIgnore: ["**/*.br", "**/*.gz"],
    preCompressed: true,
    cacheControl: false,
    decorateReply: false,
    setHeaders(reply, path) {
      const hashed = path.includes("/assets/");
      reply.header("cache-control", hashed ? "public, max-age=31536000, immutable" : "no-cache");
      reply.header("x-content-type-options", "nosniff");
      if (path.endsWith(".html")) {
        reply.header("content-security-policy", DASHBOARD_CSP);
        reply.header("referrer-policy", "same-origin");
      }
    },
  });
}
