/** The kernel's UDP counters (/proc/net/snmp), for datagrams dropped before any process saw them. */
import { readFileSync } from "node:fs";

/** UDP counters of the network namespace (every socket on the machine, not one process). */
export interface UdpStats {
  /** Datagrams delivered to sockets. */
  inDatagrams: number;
  /** Datagrams dropped because a socket's receive buffer was full. */
  rcvbufErrors: number;
}

/** Reads the `Udp:` lines of /proc/net/snmp (NaN fields when absent). */
export function udpStats(): UdpStats {
  const lines = readFileSync("/proc/net/snmp", "utf8").split("\n").filter((l) => l.startsWith("Udp: "));
  const names = (lines[0] ?? "").split(/\s+/).slice(1);
  const values = (lines[1] ?? "").split(/\s+/).slice(1).map(Number);
  const get = (name: string) => values[names.indexOf(name)] ?? Number.NaN;
  return { inDatagrams: get("InDatagrams"), rcvbufErrors: get("RcvbufErrors") };
}
