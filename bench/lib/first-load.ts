/**
 * A dashboard's first load as a browser with an empty cache makes it, at the HTTP level:
 * `index.html`, then the files it links (scripts, styles, preloads, icon) six at a time over
 * keep-alive connections, then the first screen's data (`/api/v1/dashboard`), each asking for
 * `gzip, deflate, br` as a browser does. Bytes are as transferred (status line, headers and the
 * body as sent, compressed). Rendering and script run time are not in it.
 */
import http from "node:http";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";

/** What one request cost. */
export interface Fetched {
  /** Path asked for. */
  path: string;
  /** HTTP status. */
  status: number;
  /** Bytes as transferred: status line, headers, body as sent. */
  bytes: number;
  /** Body bytes as sent (compressed when it was). */
  bodyBytes: number;
  /** content-encoding of the answer ("" when none). */
  encoding: string;
  /** Time from the request to the last byte, ms. */
  ms: number;
  /** Body decoded. */
  body: Buffer;
}

/** The whole first load. */
export interface FirstLoad {
  /** `index.html`, the files, the data: wall time, ms. */
  totalMs: number;
  /** Bytes transferred, all requests. */
  bytes: number;
  /** Every request. */
  requests: Fetched[];
  /** Why the load is not a dashboard's, when it is not (a 404, no built files, no access). */
  unavailable?: string;
}

const ACCEPT_ENCODING = "gzip, deflate, br";

function decode(raw: Buffer, encoding: string): Buffer {
  if (encoding === "gzip") return gunzipSync(raw);
  if (encoding === "br") return brotliDecompressSync(raw);
  if (encoding === "deflate") return inflateSync(raw);
  return raw;
}

/** GET `path` with a browser's Accept-Encoding; counts the bytes as they arrive. */
export function get(base: string, path: string, agent: http.Agent, headers: Record<string, string> = {}): Promise<Fetched> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get(new URL(path, base), { agent, headers: { "accept-encoding": ACCEPT_ENCODING, accept: "*/*", ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const raw = Buffer.concat(chunks);
        const head = `HTTP/1.1 ${String(res.statusCode)} ${res.statusMessage ?? ""}\r\n`.length + res.rawHeaders.reduce((n, h) => n + h.length + 2, 0) + 2; // "name: value\r\n" per header, then "\r\n"
        const encoding = String(res.headers["content-encoding"] ?? "");
        resolve({ path, status: res.statusCode ?? 0, bytes: head + raw.length, bodyBytes: raw.length, encoding, ms: performance.now() - t0, body: decode(raw, encoding) });
      });
      res.on("error", reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`GET ${path}: no answer in 30 s`)));
    req.on("error", reject);
  });
}

/** Local files an HTML page links: script src, link href (stylesheets, module preloads, icons). */
export function linkedFiles(html: string): string[] {
  const out = new Set<string>();
  for (const m of html.matchAll(/<(script|link)\b[^>]*>/gi)) {
    const tag = m[0];
    const attr = /\b(?:src|href)\s*=\s*["']([^"']+)["']/i.exec(tag)?.[1];
    if (!attr || /^[a-z]+:|^\/\//i.test(attr) || attr.startsWith("#")) continue;
    out.add(new URL(attr, "http://x/").pathname);
  }
  return [...out];
}

/** Loads the dashboard at `base` as a browser would on its first visit; `auth` headers go with the data request. */
export async function firstLoad(base: string, dataPath: string, auth: Record<string, string>): Promise<FirstLoad> {
  // A browser opens up to six connections to one host and keeps them alive.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 6 });
  try {
    const t0 = performance.now();
    const index = await get(base, "/", agent);
    const files = index.status === 200 ? linkedFiles(index.body.toString("utf8")) : [];
    const assets = await Promise.all(files.map((f) => get(base, f, agent)));
    const data = await get(base, dataPath, agent, { ...auth, accept: "application/json" });
    const totalMs = performance.now() - t0;
    const requests = [index, ...assets, data];
    const bytes = requests.reduce((n, r) => n + r.bytes, 0);
    const bad = requests.find((r) => r.status !== 200);
    const unavailable =
      index.status !== 200 ? `GET / answered ${String(index.status)}` : !files.length ? "GET / links no script or style (is the dashboard built? npm run build:web)" : bad ? `GET ${bad.path} answered ${String(bad.status)}` : undefined;
    return { totalMs, bytes, requests, ...(unavailable ? { unavailable } : {}) };
  } finally {
    agent.destroy();
  }
}
