import { sql, type Kysely } from 'kysely';

// A staff "redeploy slot": the deployer applies the slot's last deploy again, every unit in order, under a fingerprint
// salted with the redeploy id. It belongs to the slot, not to a run, so it has a row of its own (keyed by the request's
// redeploy_id) holding its progress and stage logs the way runtime_deploy_tasks does for a run's deploy; keeping it
// out of runtime_deploy_tasks keeps the unchanged-deploy skip of runs reading run deploys only.
// `source_run_id` is the run whose deploy is repeated (repository, commit, services.yaml path), fixed when the
// redeploy starts; `failure_reason` is the reason slot.redeploy_failed carries, kept so a redelivered request
// publishes the same result again. Frozen in time: Kysely<any>, no app types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('slot_redeploys')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('project_id', 'uuid', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('slot_no', 'integer', (c) => c.notNull())
    .addColumn('namespace', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('source_run_id', 'uuid', (c) => c.references('agent_runs.id').onDelete('set null'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('running').check(sql`status in ('running', 'succeeded', 'failed')`))
    .addColumn('failure_reason', 'text', (c) => c.check(sql`failure_reason in ('slot_leased', 'never_deployed', 'deploy_failed')`))
    .addColumn('commit_sha', 'text')
    .addColumn('host', 'text')
    .addColumn('fingerprint', 'text')
    .addColumn('progress_fingerprint', 'text')
    .addColumn('units_done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('unit_started_at', 'timestamptz')
    .addColumn('unit_applied_at', 'timestamptz')
    .addColumn('logs_json', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .execute();
  // The slots page: the newest redeploy of each slot.
  await sql`create index slot_redeploys_slot_recent_idx on slot_redeploys (project_id, slot_no, created_at desc)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('slot_redeploys').ifExists().execute();
}
