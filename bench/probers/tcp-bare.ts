/**
 * Baseline TCP prober: the least a Node prober can do. `net.connect`, and once connected close
 * the socket (what blackbox_exporter's `tcp_connect` does).
 */
import net from "node:net";
import { proberMain } from "../lib/prober-main.ts";

const TIMEOUT_MS = 10_000;

function bareConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    sock.setTimeout(TIMEOUT_MS, () => sock.destroy(new Error("timeout")));
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}

proberMain(async (url) => {
  const u = new URL(url);
  const host = u.hostname;
  const port = Number(u.port);
  return { task: () => bareConnect(host, port) };
});
