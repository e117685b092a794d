import { sql, type Kysely } from 'kysely';

// The agent contract: each run's bearer token (hashed) with the run's usage counters, the agent's reports, its
// artifacts and its log. Frozen in time: Kysely<any>, no app types.
export async function up(db: Kysely<any>): Promise<void> {
  const run = (c: any) => c.notNull().references('agent_runs.id').onDelete('cascade');
  await db.schema
    .createTable('agent_tokens')
    .addColumn('run_id', 'uuid', (c) => run(c).primaryKey())
    // SHA-256 of the token: the token itself is never stored.
    .addColumn('token_hash', 'bytea', (c) => c.notNull().unique())
    .addColumn('token_id', 'text', (c) => c.notNull())
    // The Job the token was placed for: a launch retried for the same Job keeps the token (and its Secret).
    .addColumn('job_uid', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('revoked_at', 'timestamptz')
    // The run's stored log and artifact bytes, counted here so a quota holds across gateway replicas.
    .addColumn('log_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('artifact_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('agent_reports')
    .addColumn('run_id', 'uuid', run)
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('started', 'ready', 'status', 'finished')`))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('message', 'text')
    .addColumn('exit_code', 'integer')
    .addColumn('summary', 'text')
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('agent_reports_pk', ['run_id', 'type', 'seq'])
    .execute();
  await db.schema
    .createTable('agent_artifacts')
    .addColumn('run_id', 'uuid', run)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('pull_request', 'branch', 'file', 'report', 'link')`))
    .addColumn('content_type', 'text')
    .addColumn('size_bytes', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'bytea')
    .addColumn('content', 'bytea')
    .addColumn('url', 'text')
    .addColumn('number', 'integer')
    .addColumn('branch', 'text')
    .addColumn('title', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('agent_artifacts_pk', ['run_id', 'name'])
    .execute();
  await db.schema
    .createTable('agent_log_chunks')
    .addColumn('run_id', 'uuid', run)
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('stream', 'text', (c) => c.notNull().check(sql`stream in ('stdout', 'stderr')`))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('bytes', 'integer', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('agent_log_chunks_pk', ['run_id', 'seq'])
    .execute();
  // The retention purge deletes by age.
  await db.schema.createIndex('agent_log_chunks_received_at').on('agent_log_chunks').column('received_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['agent_log_chunks', 'agent_artifacts', 'agent_reports', 'agent_tokens']) await db.schema.dropTable(t).ifExists().execute();
}
