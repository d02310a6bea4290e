/** Peer notify (compat §2.10): Lovebeat beats its own liveness into peer Lovebeats so they watch it. */

/** Options of {@link PeerNotifier}. */
export interface PeerNotifierOptions {
  /** Base URLs of the peers (`[[notify]] lovebeat`), `http` or `https`, with or without a trailing slash. */
  peers: string[];
  /** This machine's host name; its first label names the services on the peers. */
  hostname: string;
  /** Bound on one request, and on how long `stop()` waits for the queue (default 10000 ms, Lovebeat's 10 s). */
  timeoutMs?: number;
  /** Pending notifications kept while sending; more are dropped (default 10, Lovebeat's channel size). */
  queueSize?: number;
  /** Called for every failed request or dropped notification; notifying never throws. */
  onError?: (err: Error) => void;
}

/** The first label of a host name, lower-cased, with characters outside Lovebeat's service names replaced by `-`. */
export function shortHostname(hostname: string): string {
  const label = (hostname.split(".")[0] ?? "").toLowerCase().replace(/[^a-z0-9._-]/g, "-");
  // An empty label would make the peer's service name `lovebeat..monitor`: legal but useless.
  return label === "" ? "unknown" : label;
}

/** The URL a notification for `metric` is POSTed to on `peer`. */
export function peerNotifyUrl(peer: string, hostname: string, metric: string): string {
  return `${peer.replace(/\/+$/, "")}/api/services/lovebeat.${shortHostname(hostname)}.${metric}`;
}

/** `{"timeout":-2}`: one beat, and the auto timeout, on the peer. */
export const PEER_NOTIFY_BODY = '{"timeout":-2}';

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

/** Sends self-heartbeats to peer Lovebeats one at a time from a small bounded queue, never blocking or throwing. */
export class PeerNotifier {
  /** Requests that got a 2xx reply. */
  sent = 0;
  /** Requests that failed: network error, timeout or non-2xx reply. */
  failures = 0;
  /** Notifications refused because the queue was full (or given up at `stop()`). */
  dropped = 0;

  private readonly peers: string[];
  private readonly hostname: string;
  private readonly timeoutMs: number;
  private readonly queueSize: number;
  private readonly onError: ((err: Error) => void) | undefined;
  private readonly queue: string[] = [];
  private worker: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  /** Throws for a peer that is not an `http`/`https` URL, so bad configuration shows at start. */
  constructor(options: PeerNotifierOptions) {
    for (const peer of options.peers) {
      let protocol = "";
      try {
        protocol = new URL(peer).protocol;
      } catch {
        // Reported below with the same message as a wrong scheme.
      }
      if (protocol !== "http:" && protocol !== "https:") throw new Error(`peer notify: ${JSON.stringify(peer)} is not an http(s) URL`);
    }
    this.peers = [...options.peers];
    this.hostname = options.hostname;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.queueSize = options.queueSize ?? 10;
    this.onError = options.onError;
  }

  /** Queues `metric` ("monitor", "alerter", "save") for every peer; dropped and counted when the queue is full. */
  notify(metric: string): void {
    if (this.peers.length === 0) return;
    if (this.queue.length >= this.queueSize) {
      this.dropped++;
      this.report(new Error(`peer notify queue full, dropped ${JSON.stringify(metric)}`));
      return;
    }
    this.queue.push(metric);
    this.kick();
  }

  /** Sends "monitor" and "alerter" every `intervalMs`, as Lovebeat's monitor and alerter loops do. */
  start(intervalMs = 60_000): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.notify("monitor");
      this.notify("alerter");
    }, intervalMs);
    // Liveness beats alone must not keep the process alive.
    this.timer.unref();
  }

  /** Stops the timer and waits for queued notifications, at most `timeoutMs`; what is left then is dropped. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.worker === undefined) return;
    let expired = false;
    let bound: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      bound = setTimeout(() => {
        expired = true;
        resolve();
      }, this.timeoutMs);
    });
    // The worker may restart itself for a late notification, so wait for whichever one is current.
    for (let w: Promise<void> | undefined = this.worker; w !== undefined && !expired; w = this.worker) await Promise.race([w, timedOut]);
    clearTimeout(bound);
    // Whatever did not make it in time is given up, so the worker ends after its current request.
    this.dropped += this.queue.length;
    this.queue.length = 0;
  }

  private kick(): void {
    this.worker ??= this.work().finally(() => {
      this.worker = undefined;
      // A notification queued between the loop's last check and here would otherwise wait for the next one.
      if (this.queue.length > 0) this.kick();
    });
  }

  private async work(): Promise<void> {
    for (let metric = this.queue.shift(); metric !== undefined; metric = this.queue.shift()) {
      for (const peer of this.peers) await this.send(peer, metric);
    }
  }

  private async send(peer: string, metric: string): Promise<void> {
    const url = peerNotifyUrl(peer, this.hostname, metric);
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json", "User-Agent": "Lovebeat" },
        body: PEER_NOTIFY_BODY,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      // The reply is not needed; reading it frees the connection for the next beat.
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      this.sent++;
    } catch (e) {
      this.failures++;
      this.report(new Error(`peer notify ${url} failed: ${asError(e).message}`, { cause: e }));
    }
  }

  private report(err: Error): void {
    try {
      this.onError?.(err);
    } catch {
      // A throwing callback must not stop the notifier.
    }
  }
}
