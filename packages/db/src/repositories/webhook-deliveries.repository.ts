import { CompiledQuery } from 'kysely';
import type { Db } from '../database.js';
import type { WebhookDeliveryRow } from '../tables/webhook-deliveries.table.js';

/** What the inbox says about a delivery right after `recordDelivery` (the stored row, never the body). */
export interface DeliveryReceipt {
  /** True for the copy that stored the row; false for every later copy of the same delivery id. */
  readonly inserted: boolean;
  readonly row: Pick<WebhookDeliveryRow, 'event_type' | 'action' | 'received_at' | 'published_at' | 'duplicate_count'>;
}

// The two statements of every accepted webhook, as fixed SQL text: the ingress runs them hundreds of times a second,
// and building and compiling the query tree for each call was a visible part of its CPU.
const RECORD_DELIVERY = `insert into "webhook_deliveries"
  ("delivery_id", "event_type", "action", "repository_full_name", "body", "payload_bytes", "received_at")
  values ($1, $2, $3, $4, $5, $6, $7)
  on conflict ("delivery_id") do update set
    "duplicate_count" = "webhook_deliveries"."duplicate_count" + 1, "last_duplicate_at" = excluded."received_at"
  returning "event_type", "action", "received_at", "published_at", "duplicate_count"`;
const MARK_PUBLISHED = `update "webhook_deliveries" set "published_at" = now()
  where "delivery_id" = any($1::text[]) and "published_at" is null
  returning "delivery_id"`;

/** The columns recordDelivery writes (the exact signed bytes in `body`). */
export interface DeliveryToRecord {
  readonly delivery_id: string;
  readonly event_type: string;
  readonly action: string | null;
  readonly repository_full_name: string | null;
  readonly body: Buffer;
  readonly payload_bytes: number;
  readonly received_at: Date;
}

/**
 * Stores a delivery, or counts one more copy of a delivery id already stored, in ONE autocommitted statement (no
 * BEGIN/COMMIT): `INSERT ... ON CONFLICT (delivery_id) DO UPDATE SET duplicate_count = duplicate_count + 1 ...
 * RETURNING`. The row is committed when this resolves. Concurrent copies of one id serialize on the unique index
 * and the row lock; only the first gets `inserted: true` (a new row has `duplicate_count` 0, an updated one >= 1).
 * `duplicate_count` counts every later copy that reached the database, whatever it was answered;
 * `last_duplicate_at` is the latest such copy's `received_at`.
 */
export async function recordDelivery(db: Db, row: DeliveryToRecord): Promise<DeliveryReceipt> {
  const { rows } = await db.executeQuery<DeliveryReceipt['row']>(
    CompiledQuery.raw(RECORD_DELIVERY, [row.delivery_id, row.event_type, row.action, row.repository_full_name, row.body, row.payload_bytes, row.received_at]),
  );
  const stored = rows[0];
  if (!stored) throw new Error(`recording delivery ${row.delivery_id} returned no row`);
  return { inserted: stored.duplicate_count === 0, row: stored };
}

/**
 * Records that the `webhook.received` of each delivery is in JetStream (one statement for a whole batch). Returns
 * the ids this call changed: a delivery already marked (by another copy, in another batch or replica) is absent,
 * so exactly one caller per delivery id sees it returned.
 */
export async function markDeliveriesPublished(db: Db, deliveryIds: readonly string[]): Promise<Set<string>> {
  if (deliveryIds.length === 0) return new Set();
  const { rows } = await db.executeQuery<{ delivery_id: string }>(CompiledQuery.raw(MARK_PUBLISHED, [[...new Set(deliveryIds)]]));
  return new Set(rows.map((r) => r.delivery_id));
}

/** The inbox row of a delivery, if the ingress stored one (the proof that a signed delivery was accepted). */
export async function findDelivery(db: Db, deliveryId: string): Promise<WebhookDeliveryRow | undefined> {
  return db.selectFrom('webhook_deliveries').selectAll().where('delivery_id', '=', deliveryId).executeTakeFirst();
}
