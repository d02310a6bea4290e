/**
 * A local TCP target for benchmarks: accepts connections and closes each one when the client
 * does (a port that is open, as `tcp_connect` probes expect). Its own process, so its CPU is not
 * counted against the prober. Args: JSON `{ capMs, maxConnections }`. Listens on 127.0.0.1,
 * port 0; reports `ready { port }` and, when stopped, `stopped { connections }`.
 */
import net from "node:net";
import type { AddressInfo } from "node:net";
import { boundLifetime, fail, toParent } from "../lib/child-side.ts";

interface TargetConfig {
  /** Lifetime cap of the process. */
  capMs: number;
  /** Connections accepted at most; past it the server stops accepting. */
  maxConnections: number;
}

function main(): void {
  const cfg = JSON.parse(process.argv[2] ?? "{}") as TargetConfig;
  let connections = 0;
  const sockets = new Set<net.Socket>();
  // allowHalfOpen false (the default): the server ends its side when the client ends its own.
  const server = net.createServer((sock) => {
    connections++;
    if (connections >= cfg.maxConnections) server.close();
    sockets.add(sock);
    sock.on("error", () => {});
    sock.on("close", () => sockets.delete(sock));
    sock.resume();
  });
  server.on("error", fail);
  boundLifetime(cfg.capMs, () => {
    server.close();
    for (const s of sockets) s.destroy();
    process.send?.({ type: "stopped", connections }, () => process.exit(0));
  });
  server.listen(0, "127.0.0.1", () => toParent({ type: "ready", port: (server.address() as AddressInfo).port }));
}

main();
