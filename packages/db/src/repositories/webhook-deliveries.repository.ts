import { sql, type Transaction } from 'kysely';
import type { Database, Db } from '../database.js';
import type { NewWebhookDeliveryRow, WebhookDeliveryRow } from '../tables/webhook-deliveries.table.js';

/**
 * Inserts the delivery if its id is new. Concurrent inserts of the same id wait on the unique index until the
 * first transaction ends, so exactly one caller gets `inserted: true` (or a later one if the first rolls back).
 */
export async function insertDeliveryIfAbsent(
  trx: Transaction<Database>,
  row: NewWebhookDeliveryRow,
): Promise<{ inserted: boolean; row: WebhookDeliveryRow }> {
  const inserted = await trx
    .insertInto('webhook_deliveries')
    .values(row)
    .onConflict((oc) => oc.column('delivery_id').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { inserted: true, row: inserted };
  const existing = await trx
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('delivery_id', '=', row.delivery_id)
    .forUpdate()
    .executeTakeFirstOrThrow();
  return { inserted: false, row: existing };
}

/** Marks a delivery as published on the bus. */
export async function markDeliveryPublished(trx: Transaction<Database>, deliveryId: string): Promise<void> {
  await trx.updateTable('webhook_deliveries').set({ published_at: new Date() }).where('delivery_id', '=', deliveryId).execute();
}

/** Counts one more repeat of a delivery. */
export async function countDuplicate(trx: Transaction<Database>, deliveryId: string): Promise<void> {
  await trx
    .updateTable('webhook_deliveries')
    .set({ duplicate_count: sql`duplicate_count + 1`, last_duplicate_at: new Date() })
    .where('delivery_id', '=', deliveryId)
    .execute();
}

/** The inbox row of a delivery, if the ingress stored one (the proof that a signed delivery was accepted). */
export async function findDelivery(db: Db, deliveryId: string): Promise<WebhookDeliveryRow | undefined> {
  return db.selectFrom('webhook_deliveries').selectAll().where('delivery_id', '=', deliveryId).executeTakeFirst();
}
