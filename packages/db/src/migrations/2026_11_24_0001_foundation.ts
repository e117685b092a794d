import { sql, type Kysely } from 'kysely';

// Frozen in time: migrations use Kysely<any> and never import app types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('delivery_id', 'text', (c) => c.primaryKey())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('action', 'text')
    .addColumn('repository_full_name', 'text')
    // The exact body GitHub signed, as text (jsonb would normalise it and reject \u0000).
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('payload_bytes', 'integer', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('published_at', 'timestamptz')
    .addColumn('duplicate_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_duplicate_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('flow_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('event_id', 'uuid', (c) => c.notNull().unique())
    .addColumn('correlation_id', 'text', (c) => c.notNull())
    .addColumn('causation_id', 'text')
    .addColumn('actor_type', 'text', (c) => c.notNull().check(sql`actor_type in ('system', 'agent', 'human')`))
    .addColumn('actor_id', 'text')
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('schema_version', 'integer', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('stream_seq', 'bigint')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('flow_events_correlation_idx').on('flow_events').columns(['correlation_id', 'id']).execute();
  await db.schema.createIndex('flow_events_type_idx').on('flow_events').columns(['event_type', 'created_at']).execute();
  // Append-only: the audit trail cannot be edited, even by the service that writes it.
  await sql`
    create function flow_events_append_only() returns trigger language plpgsql as $$
    begin raise exception 'flow_events is append-only'; end $$`.execute(db);
  await sql`
    create trigger flow_events_no_update before update or delete on flow_events
    for each statement execute function flow_events_append_only()`.execute(db);

  await db.schema
    .createTable('projects')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('settings', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('repositories')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('project_id', 'uuid', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull().check(sql`provider in ('github', 'gitlab')`))
    .addColumn('external_id', 'bigint', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('clone_url', 'text', (c) => c.notNull())
    .addColumn('services_yaml_path', 'text', (c) => c.notNull().defaultTo('services.yaml'))
    .addColumn('default_ref', 'text', (c) => c.notNull().defaultTo('main'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('repositories_provider_external_uq', ['provider', 'external_id'])
    .addUniqueConstraint('repositories_project_owner_name_uq', ['project_id', 'provider', 'owner', 'name'])
    .execute();

  await db.schema
    .createTable('agent_runs')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('correlation_id', 'text', (c) => c.notNull().unique())
    .addColumn('project_id', 'uuid', (c) => c.references('projects.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('pending').check(sql`status in ('pending', 'running', 'succeeded', 'failed', 'canceled')`),
    )
    .addColumn('run_payload', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('learning_mode', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('agent_runs_status_idx').on('agent_runs').columns(['status', 'started_at']).execute();

  await db.schema
    .createTable('slots')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('project_id', 'uuid', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('slot_no', 'integer', (c) => c.notNull().check(sql`slot_no > 0`))
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('free').check(sql`state in ('free', 'leased', 'releasing')`))
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('slots_project_slot_uq', ['project_id', 'slot_no'])
    .execute();
  await db.schema.createIndex('slots_project_state_idx').on('slots').columns(['project_id', 'state']).execute();
  await db.schema.createIndex('slots_state_lease_idx').on('slots').columns(['state', 'lease_until']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['slots', 'agent_runs', 'repositories', 'projects', 'flow_events', 'webhook_deliveries']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
  await sql`drop function if exists flow_events_append_only()`.execute(db);
}
