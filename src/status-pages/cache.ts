/**
 * The render cache of the public pages: each page, feed or badge is rendered once per TTL and
 * served from memory (with its gzip and brotli forms made once, on first demand). Concurrent
 * misses share one render. A page change drops its entries at once; a monitor's status change
 * makes the pages showing it expire soon (at most one re-render per `minAgeMs`).
 */
import { createHash } from "node:crypto";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import type { FastifyReply, FastifyRequest } from "fastify";

/** What a render produced. */
export interface Rendered {
  /** Body. */
  body: string | Buffer;
  /** Content type. */
  type: string;
  /** HTTP status (200 unless told). */
  status?: number;
  /** Monitors shown (their status changes expire the entry). */
  monitors?: ReadonlySet<string>;
}

/** A cached response. */
export interface Entry {
  /** Body as sent without compression. */
  body: Buffer;
  /** gzip form (made on first demand). */
  gzip?: Buffer;
  /** brotli form (made on first demand). */
  br?: Buffer;
  /** Weak validator of the body. */
  etag: string;
  /** HTTP date of the render. */
  lastModified: string;
  /** Epoch ms rendered. */
  renderedAt: number;
  /** Epoch ms it stops being served. */
  expiresAt: number;
  /** Content type. */
  type: string;
  /** HTTP status. */
  status: number;
  /** Monitors shown. */
  monitors?: ReadonlySet<string>;
}

const SEP = "\u0000";

/** The cache. */
export class RenderCache {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<Entry>>();
  /** Bumped by `drop`: a render that started before is returned to its callers but not kept. */
  private readonly generation = new Map<string, number>();
  /** Epoch ms of each monitor's last status change, to shorten renders that were running across it. */
  private readonly changedAt = new Map<string, number>();
  /** Renders done (for tests and metrics). */
  renders = 0;

  /** `ttlMs` 0 disables caching (every request renders). */
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 2000,
    private readonly minAgeMs = 5000,
  ) {}

  /** A fresh entry, or a render shared by every concurrent caller. Keys are `<scope>\0<variant>`. */
  async get(scope: string, variant: string, render: () => Promise<Rendered>): Promise<Entry> {
    const key = scope + SEP + variant;
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > this.now()) return hit;
    const running = this.pending.get(key);
    if (running) return running;
    const gen = this.generation.get(scope) ?? 0;
    const startedAt = this.now();
    const work = render()
      .then((r) => this.store(key, r, startedAt, gen === (this.generation.get(scope) ?? 0)))
      .finally(() => {
        if (this.pending.get(key) === work) this.pending.delete(key);
      });
    this.pending.set(key, work);
    return work;
  }

  private store(key: string, r: Rendered, startedAt: number, current: boolean): Entry {
    this.renders++;
    const at = this.now();
    const body = typeof r.body === "string" ? Buffer.from(r.body) : r.body;
    const etag = `W/"${createHash("sha1").update(body).digest("base64url").slice(0, 22)}"`;
    const e: Entry = { body, etag, lastModified: new Date(Math.floor(at / 1000) * 1000).toUTCString(), renderedAt: at, expiresAt: at + this.ttlMs, type: r.type, status: r.status ?? 200, ...(r.monitors ? { monitors: r.monitors } : {}) };
    // A monitor that changed while this was rendering may show its old state: keep it only briefly.
    if (r.monitors) for (const id of r.monitors) if ((this.changedAt.get(id) ?? -1) >= startedAt) e.expiresAt = Math.min(e.expiresAt, startedAt + this.minAgeMs);
    if (this.ttlMs > 0 && current) {
      this.entries.delete(key);
      this.entries.set(key, e);
      // Oldest first in a Map: drop from the front when full.
      while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    }
    return e;
  }

  /** Drops every entry of a scope (a page's slug, or every badge); renders running now are not kept. */
  drop(scope: string): void {
    const prefix = scope + SEP;
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
    for (const k of this.pending.keys()) if (k.startsWith(prefix)) this.pending.delete(k);
    this.generation.set(scope, (this.generation.get(scope) ?? 0) + 1);
  }

  /** Drops everything. */
  clear(): void {
    this.entries.clear();
  }

  /** A monitor changed status: entries showing it expire now, or `minAgeMs` after their render if that is later. */
  monitorChanged(id: string): void {
    const at = this.now();
    this.changedAt.set(id, at);
    for (const e of this.entries.values()) if (e.monitors?.has(id)) e.expiresAt = Math.min(e.expiresAt, Math.max(at, e.renderedAt + this.minAgeMs));
  }

  /** Entries held. */
  get size(): number {
    return this.entries.size;
  }
}

/** Whether the request's validators match the entry (RFC 9110: If-None-Match wins over If-Modified-Since). */
function notModified(req: FastifyRequest, e: Entry): boolean {
  const inm = req.headers["if-none-match"];
  if (inm !== undefined) {
    const tags = inm.split(",").map((t) => t.trim().replace(/^W\//, ""));
    return tags.includes("*") || tags.includes(e.etag.replace(/^W\//, ""));
  }
  const ims = req.headers["if-modified-since"];
  if (ims === undefined) return false;
  const t = Date.parse(ims);
  return !Number.isNaN(t) && Math.floor(e.renderedAt / 1000) * 1000 <= t;
}

/** The body in the best encoding the client takes (compressed forms made once per entry). */
function encoded(req: FastifyRequest, e: Entry): { body: Buffer; encoding?: "br" | "gzip" } {
  if (e.body.length < 1024) return { body: e.body };
  const accept = String(req.headers["accept-encoding"] ?? "");
  if (/\bbr\b/.test(accept)) {
    e.br ??= brotliCompressSync(e.body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: e.body.length } });
    return { body: e.br, encoding: "br" };
  }
  if (/\bgzip\b/.test(accept)) {
    e.gzip ??= gzipSync(e.body, { level: 6 });
    return { body: e.gzip, encoding: "gzip" };
  }
  return { body: e.body };
}

/** Sends an entry with its validators, `Cache-Control` and the encoding the client accepts; 304 when unchanged. */
export function sendEntry(req: FastifyRequest, reply: FastifyReply, e: Entry, cacheControl: string): FastifyReply {
  reply.header("etag", e.etag).header("last-modified", e.lastModified).header("cache-control", cacheControl).header("vary", "Accept-Encoding");
  if (e.status === 200 && notModified(req, e)) return reply.code(304).send();
  const { body, encoding } = encoded(req, e);
  if (encoding) reply.header("content-encoding", encoding);
  return reply.code(e.status).type(e.type).send(body);
}
