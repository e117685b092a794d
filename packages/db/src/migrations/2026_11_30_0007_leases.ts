import { sql, type Kysely } from 'kysely';

// Named leases for periodic work that must run on one replica at a time (the namespace sweeper and the stalled-run
// reconciler): a holder keeps the lease by renewing it before it expires; an expired lease is free for anyone.
// Frozen in time: Kysely<any>, no app types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('leases').ifExists().execute();
}
