import { sql, type Kysely } from 'kysely';

// The staff console: keyset indexes for the runs list and a run's page, the trigger label as a column, and the
// console's one-time login links and sessions (both stored as SHA-256 only). Frozen in time: Kysely<any>.
export async function up(db: Kysely<any>): Promise<void> {
  // The label that triggered a run lives in its payload (planner); a stored generated column makes it filterable
  // by an index. jsonb `#>>` is immutable, so Postgres accepts it.
  await sql`alter table agent_runs add column trigger_label text generated always as (run_payload #>> '{trigger,label}') stored`.execute(db);
  // Runs, newest first, keyset on (created_at, id): across projects, per project, and per filter.
  await sql`create index agent_runs_recent_idx on agent_runs (created_at desc, id desc)`.execute(db);
  await sql`create index agent_runs_project_recent_idx on agent_runs (project_id, created_at desc, id desc)`.execute(db);
  await sql`create index agent_runs_project_status_idx on agent_runs (project_id, status, created_at desc, id desc)`.execute(db);
  await sql`create index agent_runs_project_trigger_idx on agent_runs (project_id, trigger_label, created_at desc, id desc)`.execute(db);
  await sql`create index agent_runs_project_issue_recent_idx on agent_runs (project_id, issue_number, created_at desc, id desc)`.execute(db);
  // Prefix search on the delivery id and the namespace (LIKE 'x%' needs the pattern operator class).
  await sql`create index agent_runs_correlation_prefix_idx on agent_runs (correlation_id text_pattern_ops)`.execute(db);
  await sql`create index agent_runs_namespace_prefix_idx on agent_runs (namespace text_pattern_ops)`.execute(db);
  // A run page's phase timeline: the first event of each type of a run, one index probe per type.
  await sql`create index flow_events_correlation_type_idx on flow_events (correlation_id, event_type, id)`.execute(db);
  // Dead letters (and any one event type) newest first, keyset on id.
  await sql`create index flow_events_type_id_idx on flow_events (event_type, id)`.execute(db);
  // One-time login links (printed by `npm run dev`) and the sessions they open.
  await db.schema
    .createTable('staff_login_links')
    .addColumn('token_hash', 'bytea', (c) => c.primaryKey())
    .addColumn('login', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .execute();
  await db.schema
    .createTable('staff_sessions')
    .addColumn('token_hash', 'bytea', (c) => c.primaryKey())
    .addColumn('login', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('staff_sessions_expires_idx').on('staff_sessions').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('staff_sessions').execute();
  await db.schema.dropTable('staff_login_links').execute();
  for (const i of ['flow_events_type_id_idx', 'flow_events_correlation_type_idx', 'agent_runs_namespace_prefix_idx', 'agent_runs_correlation_prefix_idx', 'agent_runs_project_issue_recent_idx', 'agent_runs_project_trigger_idx', 'agent_runs_project_status_idx', 'agent_runs_project_recent_idx', 'agent_runs_recent_idx']) {
    await db.schema.dropIndex(i).execute();
  }
  await sql`alter table agent_runs drop column trigger_label`.execute(db);
}
