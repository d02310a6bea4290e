/** Queue depths read from the store for `/metrics`: small index range counts, cached for a few seconds. */
import type { Store } from "../store/types.ts";

/** Delivery statuses that are work outstanding (done and suppressed rows are history, not depth). */
export const DELIVERY_DEPTH_STATUSES = ["pending", "held", "dead"] as const;

/** Depths at one moment. */
export interface StoreCounts {
  /** Deliveries by outstanding status. */
  deliveries: Record<(typeof DELIVERY_DEPTH_STATUSES)[number], number>;
  /** Outbox entries not yet turned into deliveries. */
  outboxPending: number;
}

/** Reads the depths. */
async function readCounts(store: Store): Promise<StoreCounts> {
  const rows = await store.db
    .selectFrom("deliveries")
    .select(["status", (eb) => eb.fn.countAll().as("n")])
    .where("status", "in", [...DELIVERY_DEPTH_STATUSES])
    .groupBy("status")
    .execute();
  const outbox = await store.db.selectFrom("outbox").select((eb) => eb.fn.countAll().as("n")).where("status", "=", "pending").executeTakeFirst();
  const deliveries = { pending: 0, held: 0, dead: 0 };
  for (const r of rows) if (r.status in deliveries) deliveries[r.status as keyof typeof deliveries] = Number(r.n);
  return { deliveries, outboxPending: Number(outbox?.n ?? 0) };
}

/** Caches the depths for `maxAgeMs`; concurrent scrapes share one read. */
export class StoreCountsCache {
  private value: StoreCounts | undefined;
  private at = Number.NEGATIVE_INFINITY;
  private reading: Promise<StoreCounts | undefined> | undefined;
  /** Reads that failed (the last good value is served meanwhile). */
  failures = 0;

  /** A cache over `store`. */
  constructor(
    private readonly store: Store,
    private readonly maxAgeMs = 5000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The depths, at most `maxAgeMs` old when the store answers; undefined when it never has. */
  async get(): Promise<StoreCounts | undefined> {
    if (this.now() - this.at < this.maxAgeMs) return this.value;
    this.reading ??= readCounts(this.store)
      .then((v) => {
        this.value = v;
        this.at = this.now();
        return v;
      })
      .catch(() => {
        this.failures++;
        return this.value;
      })
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }
}
