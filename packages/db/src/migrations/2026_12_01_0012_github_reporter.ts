import { sql, type Kysely } from 'kysely';

// github-reporter's memory of what it said on GitHub.
// `github_comments`: one row per comment the platform keeps on an issue, keyed `run/<run id>` (a run's status
// comment) or `delivery/<delivery id>` (a reply to an ignored trigger). `phase` only moves forward and `facts` only
// grows (merged per event), so a redelivered or late event cannot move a comment back; `sent_sha256` is the hash of
// the body GitHub has, so an event that changes nothing sends nothing and, after an outage, the first delivery that
// succeeds sends the newest body (coalesced).
// `github_redeliveries`: deliveries the resync asked GitHub to send again, with how many times: bounded, and
// never asked twice in one interval by two replicas.
// `github_rate_limits`: until when GitHub told one replica a limit lasts (per installation, or the App itself), so
// the other replica does not keep calling meanwhile. Frozen in time: Kysely<any>, no app types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('github_comments')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('repository_full_name', 'text', (c) => c.notNull())
    .addColumn('issue_number', 'integer', (c) => c.notNull())
    .addColumn('installation_id', 'bigint')
    .addColumn('phase', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('facts', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('comment_id', 'bigint')
    .addColumn('comment_url', 'text')
    .addColumn('sent_sha256', 'text')
    .addColumn('sent_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable('github_redeliveries')
    .addColumn('delivery_id', 'text', (c) => c.primaryKey())
    .addColumn('hook_delivery_id', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('last_requested_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('github_rate_limits')
    .addColumn('scope', 'text', (c) => c.primaryKey())
    .addColumn('limited_until', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('github_rate_limits').ifExists().execute();
  await db.schema.dropTable('github_redeliveries').ifExists().execute();
  await db.schema.dropTable('github_comments').ifExists().execute();
}
