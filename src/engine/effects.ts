/**
 * Carries out committed effects from the outbox. Until notification channels exist, carrying out
 * means logging the transition and marking the entry done; the alerting layer plugs in as a
 * handler. Entries left pending by a crash are picked up at start.
 */
import type { Logger } from "pino";
import { errorMessage } from "../lib/errors.ts";
import type { OutboxRecord, Store } from "../store/types.ts";

/** Does whatever an effect asks; a rejection leaves the entry pending for the next start. */
export type EffectHandler = (entry: { id: number; record: OutboxRecord }) => Promise<void>;

/** The handler used before any channel exists: a log line per transition. */
export function logEffects(log: Logger): EffectHandler {
  return async ({ record }) => {
    const p = record.payload as { incident?: { number: number; cause: string }; durationText?: string; from?: string; to?: string };
    if (record.type === "incident.opened") log.info({ monitor: record.monitorId, incident: p.incident?.number, cause: p.incident?.cause }, "incident opened");
    else if (record.type === "incident.resolved") log.info({ monitor: record.monitorId, incident: p.incident?.number, after: p.durationText }, "incident resolved");
    else log.debug({ monitor: record.monitorId, type: record.type, from: p.from, to: p.to }, "state changed");
  };
}

/** Runs handlers for committed entries and marks them done in batches. */
export class EffectDispatcher {
  private done: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = new Set<Promise<void>>();
  /** Effects carried out. */
  handled = 0;
  /** Effects whose handler failed. */
  failed = 0;
  private readonly listeners = new Set<(r: OutboxRecord) => void>();

  /** Creates a dispatcher. */
  constructor(
    private readonly store: Store,
    private readonly handler: EffectHandler,
    private readonly log: Logger,
  ) {}

  /** Subscribes to every committed effect (live updates, tests). */
  subscribe(fn: (r: OutboxRecord) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Hands committed entries to the handler. */
  dispatch(entries: Array<{ id: number; record: OutboxRecord }>): void {
    for (const e of entries) {
      for (const l of this.listeners) l(e.record);
      const p = this.handler(e).then(
        () => {
          this.handled++;
          this.done.push(e.id);
          this.schedule();
        },
        (err: unknown) => {
          this.failed++;
          this.log.error({ err: errorMessage(err), id: e.id, type: e.record.type }, "effect failed; left pending");
        },
      );
      this.running.add(p);
      void p.finally(() => this.running.delete(p));
    }
  }

  /** Re-dispatches entries a previous process committed but did not finish. */
  async resumePending(): Promise<number> {
    const pending = await this.store.outbox("pending", 10_000);
    this.dispatch(pending.map((p) => ({ id: p.id, record: { monitorId: p.monitorId, type: p.type, at: p.at, payload: p.payload } })));
    return pending.length;
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => void this.flush(), 200);
  }

  /** Marks finished entries done. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const ids = this.done.splice(0);
    if (!ids.length) return;
    try {
      await this.store.markOutbox(ids, "done", Date.now());
    } catch (err) {
      this.log.error({ err: errorMessage(err) }, "cannot mark effects done; they will run again at start");
    }
  }

  /** Waits for running handlers, then marks them done. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running]);
    await this.flush();
  }
}
