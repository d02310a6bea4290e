/**
 * A local HTTP target for benchmarks: answers every request with 200 "ok" at once.
 * Run by the harness as its own process so its CPU is not counted against the prober.
 * Args: JSON `{ capMs, maxRequests }`. Listens on 127.0.0.1, port 0; reports `ready { port }`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { boundLifetime, fail, toParent } from "../lib/child-side.ts";

interface TargetConfig {
  /** Lifetime cap of the process. */
  capMs: number;
  /** Requests served at most; past it the server stops accepting connections. */
  maxRequests: number;
}

function main(): void {
  const cfg = JSON.parse(process.argv[2] ?? "{}") as TargetConfig;
  let requests = 0;
  const body = Buffer.from("ok");
  const server = http.createServer((_req, res) => {
    requests++;
    if (requests >= cfg.maxRequests) server.close();
    res.writeHead(200, { "content-type": "text/plain", "content-length": body.length });
    res.end(body);
  });
  server.on("error", fail);
  boundLifetime(cfg.capMs, () => {
    server.close();
    server.closeAllConnections();
    process.send?.({ type: "stopped", requests }, () => process.exit(0));
  });
  server.listen(0, "127.0.0.1", () => toParent({ type: "ready", port: (server.address() as AddressInfo).port }));
}

main();
