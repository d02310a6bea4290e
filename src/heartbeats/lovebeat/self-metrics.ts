/** Lovebeat's own metrics (compat §2.10): statsd counters and gauges sent over UDP to `[metrics] server`. */
import { createSocket, type Socket } from "node:dgram";
import { lookup as dnsLookup } from "node:dns/promises";
import { isIPv6 } from "node:net";
import type { LovebeatAlarmState, LovebeatServiceState } from "./model.ts";

/** A parsed `host:port`. */
export interface HostPort {
  /** Host name or IP address, without IPv6 brackets. */
  host: string;
  /** Port, 1–65535. */
  port: number;
}

const HOST_RE = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;

/**
 * Parses `host:port` or `[v6]:port` as Go's `net.SplitHostPort` accepts them for a UDP dial; an empty
 * host (`:8125`) means this machine, as in Go. Throws an Error naming `what` and the value.
 */
export function parseHostPort(text: string, what: string): HostPort {
  const bad = (why: string) => new Error(`${what}: ${why} in ${JSON.stringify(text)} (expected host:port or [ipv6]:port)`);
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):([0-9]+)$/.exec(text.trim());
  if (!m) throw bad("no port or a malformed address");
  const [, v6, name, portText] = m;
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad(`port ${portText ?? ""} out of range`);
  if (v6 !== undefined) {
    if (!isIPv6(v6)) throw bad(`${JSON.stringify(v6)} is not an IPv6 address`);
    return { host: v6, port };
  }
  if (name === undefined || name === "") return { host: "127.0.0.1", port };
  if (!HOST_RE.test(name)) throw bad(`${JSON.stringify(name)} is not a host name or IPv4 address`);
  return { host: name, port };
}

/** The gauge value Lovebeat reports for a service or alarm state. */
export function serviceStateGauge(state: LovebeatServiceState | LovebeatAlarmState): number {
  switch (state) {
    case "new":
      return 0;
    case "ok":
      return 1;
    case "error":
      return 2;
    case "muted":
      return 3;
  }
}

/** Resolves a host to one address (injectable so tests never leave loopback). */
export type ResolveHost = (host: string) => Promise<{ address: string; family: number }>;

/** Options of {@link StatsdSink}. */
export interface StatsdSinkOptions {
  /** Where to send: `host:port` text (`[metrics] server`) or already parsed. */
  server: string | HostPort;
  /** Prefix before every metric name (`[metrics] prefix`, default `lovebeat`); empty for none. */
  prefix?: string;
  /** How long metrics may wait to share a datagram (default 100 ms). */
  flushMs?: number;
  /** Largest datagram built from several lines (default 512 bytes, safe on any path MTU). */
  maxDatagramBytes?: number;
  /** Called for every resolution or send failure; metrics are best effort and never throw. */
  onError?: (err: Error) => void;
  /** Host resolution (default `dns.lookup`). */
  resolve?: ResolveHost;
}

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

/** Fire-and-forget statsd client: lines batched into datagrams of at most `maxDatagramBytes`, flushed within `flushMs`. */
export class StatsdSink {
  /** Resolution and send failures so far. */
  errors = 0;
  /** Datagrams handed to the socket. */
  sent = 0;

  private readonly target: HostPort;
  private readonly prefix: string;
  private readonly flushMs: number;
  private readonly maxBytes: number;
  private readonly resolve: ResolveHost;
  private pending: string[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private socket: Socket | undefined;
  private socketType: "udp4" | "udp6" | undefined;
  private address: { address: string; family: number } | undefined;
  private closed = false;

  /** Throws only for a malformed `server` string, so bad configuration shows at start. */
  constructor(private readonly options: StatsdSinkOptions) {
    this.target = typeof options.server === "string" ? parseHostPort(options.server, "metrics server") : options.server;
    this.prefix = options.prefix ?? "lovebeat";
    this.flushMs = options.flushMs ?? 100;
    this.maxBytes = options.maxDatagramBytes ?? 512;
    this.resolve = options.resolve ?? ((host) => dnsLookup(host));
  }

  /** Counts `n` occurrences: `<prefix>.<name>:<n>|c`. */
  count(name: string, n = 1): void {
    this.add(name, n, "c");
  }

  /** Reports the current value: `<prefix>.<name>:<v>|g`. */
  gauge(name: string, value: number): void {
    this.add(name, value, "g");
  }

  /** Sends whatever is queued now; resolves once every datagram so far has been handed to the socket. */
  async flush(): Promise<void> {
    this.sendPending();
    await this.chain;
  }

  /** Flushes and releases the socket; later metrics are ignored. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    this.socket?.close();
    this.socket = undefined;
  }

  private add(name: string, value: number, type: "c" | "g"): void {
    if (this.closed || !Number.isFinite(value)) return;
    // statsd's separators in a name would split or corrupt the line, so they become `_`.
    const safe = name.replace(/[:|@\r\n]/g, "_");
    const line = `${this.prefix === "" ? "" : `${this.prefix}.`}${safe}:${value}|${type}\n`;
    const bytes = Buffer.byteLength(line);
    if (this.pendingBytes + bytes > this.maxBytes) this.sendPending();
    this.pending.push(line);
    this.pendingBytes += bytes;
    if (this.pendingBytes >= this.maxBytes) this.sendPending();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.sendPending(), this.flushMs);
      // Metrics alone must not keep the process alive at shutdown.
      this.timer.unref();
    }
  }

  private sendPending(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const datagram = Buffer.from(this.pending.join(""));
    this.pending = [];
    this.pendingBytes = 0;
    // One at a time, so datagrams leave in the order their metrics were recorded.
    this.chain = this.chain.then(() => this.send(datagram));
  }

  private async send(datagram: Buffer): Promise<void> {
    try {
      const socket = await this.socketFor();
      const { address } = this.address ?? { address: this.target.host };
      await new Promise<void>((resolve, reject) => socket.send(datagram, this.target.port, address, (e) => (e ? reject(e) : resolve())));
      this.sent++;
    } catch (e) {
      // Resolve again next time: the name may have moved, or the failure was transient.
      this.address = undefined;
      this.fail(e);
    }
  }

  private fail(e: unknown): void {
    this.errors++;
    try {
      this.options.onError?.(asError(e));
    } catch {
      // A throwing callback must not stop metrics.
    }
  }

  private async socketFor(): Promise<Socket> {
    if (!this.address) this.address = await this.resolve(this.target.host);
    const type = this.address.family === 6 ? "udp6" : "udp4";
    if (this.socket && this.socketType !== type) {
      this.socket.close();
      this.socket = undefined;
    }
    if (!this.socket) {
      const socket = createSocket(type);
      // An ICMP-induced error on an idle socket is no reason to crash; it is counted at the next send.
      socket.on("error", (e) => this.fail(e));
      socket.unref();
      this.socket = socket;
      this.socketType = type;
    }
    return this.socket;
  }
}
