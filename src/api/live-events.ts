/**
 * Live updates for the dashboard over Server-Sent Events. One hub listens to the engine once and
 * fans out to every open stream: `status` events as they happen, `result` events batched at most
 * once a second (the latest result per monitor), a comment every 15 s to keep proxies from
 * closing an idle stream. A client that stops reading is not allowed to grow the server's memory:
 * past a bound its stream is cut back to nothing and, once it drains, it gets `resync` and fetches
 * the current state again.
 */
import type { ServerResponse } from "node:http";
import type { MonitorStatus } from "../core/monitor-state.ts";
import type { Health, Observation } from "../core/types.ts";
import type { Engine } from "../engine/engine.ts";

/** A status change as sent. */
export interface StatusEvent {
  /** Monitor id. */
  id: string;
  /** Status before. */
  from: MonitorStatus;
  /** Status after. */
  to: MonitorStatus;
  /** Epoch ms of the change. */
  at: number;
  /** Why, when it went down: the cause of the incident it opened. */
  reason?: string;
}

/** A result as sent (the latest per monitor within a batch). */
export interface ResultEvent {
  /** Monitor id. */
  id: string;
  /** The check's verdict. */
  health: Health;
  /** Total time of an answered check (ms); null for a failure. */
  latencyMs: number | null;
  /** Epoch ms of the result. */
  at: number;
}

/** Settings of the hub (the defaults suit production; tests shorten them). */
export interface LiveEventsOptions {
  /** Results are sent at most this often (ms). */
  flushMs?: number;
  /** A keep-alive comment is sent this often (ms). */
  heartbeatMs?: number;
  /** Bytes waiting to be written to one client past which it is cut off until it drains. */
  maxBufferedBytes?: number;
  /** Epoch-ms clock. */
  now?: () => number;
}

interface Client {
  res: ServerResponse;
  /** Dropping events until the socket drains. */
  behind: boolean;
}

/** Counters for tests and `/readyz`. */
export interface LiveEventsCounters {
  /** Open streams. */
  clients: number;
  /** Events written. */
  sent: number;
  /** Times a slow client was cut off and told to resync. */
  resyncs: number;
}

/** The hub. */
export class LiveEvents {
  private readonly clients = new Set<Client>();
  private readonly pending = new Map<string, ResultEvent>();
  private flushTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly flushMs: number;
  private readonly heartbeatMs: number;
  private readonly maxBuffered: number;
  private readonly now: () => number;
  private attached: Engine | undefined;
  private sent = 0;
  private resyncs = 0;

  /** A hub with no clients yet. */
  constructor(o: LiveEventsOptions = {}) {
    this.flushMs = o.flushMs ?? 1000;
    this.heartbeatMs = o.heartbeatMs ?? 15_000;
    this.maxBuffered = o.maxBufferedBytes ?? 256 * 1024;
    this.now = o.now ?? Date.now;
  }

  /** Listens to an engine's status changes and observations (once per engine). */
  attach(engine: Engine): void {
    if (this.attached === engine) return;
    this.attached = engine;
    engine.onStatus((id, from, to, at) => {
      if (!this.clients.size) return;
      // The engine has taken the new state when it calls: a down monitor's incident is there.
      const cause = to === "down" ? engine.get(id)?.state.incident?.cause : undefined;
      this.status({ id, from, to, at, ...(cause ? { reason: cause } : {}) });
    });
    engine.onObservation((o) => this.result(o));
  }

  /** Sends a status change to every client now. */
  status(e: StatusEvent): void {
    if (!this.clients.size) return;
    this.broadcast(frame("status", JSON.stringify(e)));
  }

  /** Queues a result for the next batch (a later result of the same monitor replaces it). */
  result(o: Pick<Observation, "monitorId" | "health" | "at" | "timings">): void {
    if (!this.clients.size) return;
    this.pending.set(o.monitorId, { id: o.monitorId, health: o.health, latencyMs: o.health === "down" ? null : (o.timings?.totalMs ?? null), at: o.at });
  }

  /** Takes an open response and keeps it as an event stream until it closes. */
  open(res: ServerResponse): void {
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      // nginx would otherwise hold the events in its buffer.
      "x-accel-buffering": "no",
    });
    const c: Client = { res, behind: false };
    this.clients.add(c);
    res.on("close", () => this.drop(c));
    res.on("drain", () => {
      if (!c.behind) return;
      c.behind = false;
      this.resyncs++;
      this.write(c, frame("resync", JSON.stringify({ at: this.now() })));
    });
    this.write(c, `retry: 3000\n${frame("hello", JSON.stringify({ at: this.now() }))}`);
    this.startTimers();
  }

  /** Counters. */
  counters(): LiveEventsCounters {
    return { clients: this.clients.size, sent: this.sent, resyncs: this.resyncs };
  }

  /** Ends every stream (server shutdown) and stops the timers. */
  close(): void {
    for (const c of [...this.clients]) {
      this.drop(c);
      c.res.end();
    }
  }

  private drop(c: Client): void {
    this.clients.delete(c);
    if (this.clients.size) return;
    clearInterval(this.flushTimer);
    clearInterval(this.heartbeatTimer);
    this.flushTimer = this.heartbeatTimer = undefined;
    this.pending.clear();
  }

  private startTimers(): void {
    this.flushTimer ??= setInterval(() => this.flush(), this.flushMs);
    this.heartbeatTimer ??= setInterval(() => this.broadcast(": keep-alive\n\n"), this.heartbeatMs);
    this.flushTimer.unref();
    this.heartbeatTimer.unref();
  }

  /** Sends the queued results as one event. */
  flush(): void {
    if (!this.pending.size) return;
    const batch = [...this.pending.values()];
    this.pending.clear();
    this.broadcast(frame("result", JSON.stringify(batch)));
  }

  private broadcast(chunk: string): void {
    for (const c of this.clients) this.write(c, chunk);
  }

  private write(c: Client, chunk: string): void {
    if (c.behind || c.res.writableEnded || c.res.destroyed) return;
    if (c.res.writableLength > this.maxBuffered) {
      // What is queued is stale anyway: the client refetches everything on `resync`.
      c.behind = true;
      return;
    }
    c.res.write(chunk);
    this.sent++;
  }
}

/** One SSE frame. */
function frame(event: string, data: string): string {
  return `event: ${event}\ndata: ${data}\n\n`;
}
