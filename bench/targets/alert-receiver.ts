/**
 * A local webhook receiver for the alerts benchmark, in its own process so its timing and CPU are
 * not on the engine's event loop. Every request is answered 200 at once; when its body has fully
 * arrived it is recorded with `Date.now()`, its `Idempotency-Key` header, its `kind` and the ids in
 * `monitors[].id`. Args: JSON `{ capMs, maxRequests }`. Listens on 127.0.0.1, port 0 (keep-alive on).
 * IPC: `ready { port }`; `expect { kind, prefix, count }` → `complete { atMs }` once `count` distinct
 * ids starting with `prefix` arrived in messages of that kind; `collect` → `collected { records }`
 * (every record so far: the harness checks the whole run for doubles).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { boundLifetime, fail, toParent } from "../lib/child-side.ts";
import type { Message } from "../lib/child.ts";

interface ReceiverConfig {
  /** Lifetime cap of the process. */
  capMs: number;
  /** Requests recorded at most; past it the server stops accepting connections. */
  maxRequests: number;
}

/** One request as the receiver saw it. */
export interface Received {
  /** Date.now() when the whole body had arrived. */
  atMs: number;
  /** The `Idempotency-Key` header ("" when absent). */
  key: string;
  /** The body's `kind` (`incident.opened`, `incident.resolved`, …; "" when unreadable). */
  kind: string;
  /** The body's `monitors[].id`. */
  ids: string[];
}

interface Expectation {
  kind: string;
  prefix: string;
  count: number;
  seen: Set<string>;
}

function parse(body: string): { kind: string; ids: string[] } {
  try {
    const b = JSON.parse(body) as { kind?: unknown; monitors?: Array<{ id?: unknown }> };
    return { kind: typeof b.kind === "string" ? b.kind : "", ids: (b.monitors ?? []).map((m) => String(m.id)) };
  } catch {
    return { kind: "", ids: [] };
  }
}

function main(): void {
  const cfg = JSON.parse(process.argv[2] ?? "{}") as ReceiverConfig;
  const records: Received[] = [];
  let expectation: Expectation | undefined;
  const check = () => {
    const e = expectation;
    if (e && e.seen.size >= e.count) {
      expectation = undefined;
      toParent({ type: "complete", atMs: Date.now() });
    }
  };
  const note = (r: Received) => {
    const e = expectation;
    if (!e || r.kind !== e.kind) return;
    for (const id of r.ids) if (id.startsWith(e.prefix)) e.seen.add(id);
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const atMs = Date.now();
      const key = req.headers["idempotency-key"];
      const r: Received = { atMs, key: typeof key === "string" ? key : "", ...parse(Buffer.concat(chunks).toString("utf8")) };
      records.push(r);
      if (records.length >= cfg.maxRequests) server.close();
      res.writeHead(200, { "content-length": 0 }).end();
      note(r);
      check();
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on("error", fail);
  process.on("message", (m: Message) => {
    if (m.type === "expect") {
      expectation = { kind: String(m.kind), prefix: String(m.prefix), count: Number(m.count), seen: new Set() };
      for (const r of records) note(r);
      check();
    } else if (m.type === "collect") toParent({ type: "collected", records });
  });
  boundLifetime(cfg.capMs, () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
  server.listen(0, "127.0.0.1", () => toParent({ type: "ready", port: (server.address() as AddressInfo).port }));
}

main();
