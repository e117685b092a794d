import { markDeliveriesPublished, recordDelivery, type DeliveryReceipt, type DeliveryToRecord, type Db } from '@codex-k8s/db';

/** The ingress's view of `webhook_deliveries` (accept.ts), so the accept logic can be tested without Postgres. */
export interface Inbox {
  /** Stores the delivery or counts one more copy of it: one autocommitted statement (recordDelivery). */
  record(row: DeliveryToRecord): Promise<DeliveryReceipt>;
  /**
   * Records that the delivery's `webhook.received` is in JetStream. True for the one caller, across all copies
   * and replicas, whose mark set `published_at`; false when another copy had recorded it first.
   */
  markPublished(deliveryId: string): Promise<boolean>;
}

/** The inbox over the service's pool; marks of concurrent requests share one UPDATE (batchMarks). */
export function createInbox(db: Db): Inbox {
  return {
    record: (row) => recordDelivery(db, row),
    markPublished: batchMarks((ids) => markDeliveriesPublished(db, ids)),
  };
}

/**
 * Group commit of the "published" marks: each call waits for a batch, and a batch is one statement for every mark
 * asked while the previous batch was in flight (or in the same event-loop turn), so under load the ingress sends
 * far fewer UPDATEs than it accepts deliveries, and at most one is in flight. Each caller still waits for its own
 * mark to be committed before it answers 2xx.
 *
 * A failed batch fails its callers and every caller queued behind it (the database just failed; waiting for
 * another full connection timeout would hold them past GitHub's 10 s). Their deliveries are stored and published
 * but not marked: they are answered 503, and a redelivery publishes the same event id again and marks it.
 *
 * When one batch holds two copies of a delivery id, only the first caller gets true.
 */
export function batchMarks(mark: (ids: readonly string[]) => Promise<ReadonlySet<string>>): (deliveryId: string) => Promise<boolean> {
  interface Waiter {
    readonly id: string;
    readonly resolve: (won: boolean) => void;
    readonly reject: (err: unknown) => void;
  }
  let queue: Waiter[] = [];
  let inFlight = false;
  let scheduled = false;

  const flush = async (): Promise<void> => {
    scheduled = false;
    if (inFlight || queue.length === 0) return;
    const batch = queue;
    queue = [];
    inFlight = true;
    try {
      const marked = new Set(await mark(batch.map((w) => w.id)));
      for (const w of batch) w.resolve(marked.delete(w.id));
    } catch (err) {
      const failed = [...batch, ...queue];
      queue = [];
      for (const w of failed) w.reject(err);
    } finally {
      inFlight = false;
    }
    if (queue.length > 0) schedule();
  };
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    // setImmediate: the acks JetStream sends in one read resolve in the same turn and share the batch.
    setImmediate(() => {
      flush().catch(() => undefined); // settles every caller itself; never rejects
    });
  };
  return (deliveryId) =>
    new Promise<boolean>((resolve, reject) => {
      queue.push({ id: deliveryId, resolve, reject });
      if (!inFlight) schedule();
    });
}
