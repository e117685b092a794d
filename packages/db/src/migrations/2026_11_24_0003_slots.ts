import { sql, type Kysely } from 'kysely';

// Slot deploys: which slot a run holds, and the persisted progress of its deploy (what the original codex-k8s keeps in
// runtime_deploy_tasks). Frozen in time: Kysely<any>, no app types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('agent_runs').addColumn('slot_no', 'integer').addColumn('runtime_deploy', 'boolean', (c) => c.notNull().defaultTo(false)).execute();
  await db.schema
    .createTable('runtime_deploy_tasks')
    .addColumn('run_id', 'uuid', (c) => c.primaryKey().references('agent_runs.id').onDelete('cascade'))
    .addColumn('namespace', 'text', (c) => c.notNull())
    .addColumn('target_env', 'text', (c) => c.notNull().defaultTo('ai'))
    .addColumn('slot_no', 'integer', (c) => c.notNull())
    .addColumn('repository_full_name', 'text', (c) => c.notNull())
    .addColumn('services_yaml_path', 'text', (c) => c.notNull())
    .addColumn('build_ref', 'text', (c) => c.notNull())
    .addColumn('commit_sha', 'text')
    .addColumn('host', 'text')
    .addColumn('fingerprint', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`status in ('pending', 'running', 'succeeded', 'failed', 'canceled')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('logs_json', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('runtime_deploy_tasks_status_idx').on('runtime_deploy_tasks').columns(['status', 'updated_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('runtime_deploy_tasks').ifExists().execute();
  await db.schema.alterTable('agent_runs').dropColumn('runtime_deploy').dropColumn('slot_no').execute();
}
