import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

export interface WebhookDeliveriesTable {
  delivery_id: string;
  event_type: string;
  action: string | null;
  repository_full_name: string | null;
  /** The exact bytes GitHub signed (migration 0006). */
  body: ColumnType<Buffer, Buffer, never>;
  /** Rows before migration 0006: the body decoded as UTF-8. Read-only; new rows leave it null. */
  payload: ColumnType<string | null, never, never>;
  payload_bytes: number;
  received_at: ColumnType<Date, Date | undefined, never>;
  published_at: ColumnType<Date | null, never, Date>;
  duplicate_count: Generated<number>;
  last_duplicate_at: ColumnType<Date | null, never, Date>;
}
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type NewWebhookDeliveryRow = Insertable<WebhookDeliveriesTable>;
