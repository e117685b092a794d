import { sql, type Kysely } from 'kysely';

// The inbox keeps the exact bytes GitHub signed. `payload text` held them decoded as UTF-8, which replaces invalid
// sequences (a signer can send them inside a string value) and so is not what was signed. `body bytea` holds the
// bytes; existing rows are backfilled from the text, which is their exact body whenever it was valid UTF-8 (the
// only bodies GitHub sends). `payload` stays, nullable and no longer written, so rows and queries from before stay
// readable; a later migration drops it once nothing reads it. Frozen in time: Kysely<any>, no app types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhook_deliveries').addColumn('body', 'bytea').execute();
  await sql`update webhook_deliveries set body = convert_to(payload, 'UTF8') where body is null`.execute(db);
  await db.schema.alterTable('webhook_deliveries').alterColumn('body', (c) => c.setNotNull()).execute();
  await db.schema.alterTable('webhook_deliveries').alterColumn('payload', (c) => c.dropNotNull()).execute();
}

// Refuses (convert_from fails) when a body is not valid UTF-8: the text column could not hold it.
export async function down(db: Kysely<any>): Promise<void> {
  await sql`update webhook_deliveries set payload = convert_from(body, 'UTF8') where payload is null`.execute(db);
  await db.schema.alterTable('webhook_deliveries').alterColumn('payload', (c) => c.setNotNull()).execute();
  await db.schema.alterTable('webhook_deliveries').dropColumn('body').execute();
}
