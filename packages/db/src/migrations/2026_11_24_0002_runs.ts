import { sql, type Kysely } from 'kysely';

// Runs as the run orchestration needs them: who may trigger (users, project members) and what a run
// resolved to (mode, namespace, Job, terminal outcome), so every service can resume from the database.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('github_login', 'text', (c) => c.notNull().unique())
    .addColumn('is_platform_admin', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('users_login_lower_ck', sql`github_login = lower(github_login)`)
    .execute();
  await db.schema
    .createTable('project_members')
    .addColumn('project_id', 'uuid', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'read_write', 'read_only')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('project_members_pk', ['project_id', 'user_id'])
    .execute();

  await db.schema
    .alterTable('agent_runs')
    .addColumn('runtime_mode', 'text', (c) => c.check(sql`runtime_mode in ('full-env', 'code-only')`))
    .addColumn('repository_full_name', 'text')
    .addColumn('issue_number', 'integer')
    .addColumn('namespace', 'text')
    .addColumn('job_name', 'text')
    .addColumn('job_namespace', 'text')
    .addColumn('outcome', 'jsonb')
    .execute();
  await db.schema.createIndex('agent_runs_issue_idx').on('agent_runs').columns(['project_id', 'issue_number']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('agent_runs_issue_idx').ifExists().execute();
  for (const c of ['outcome', 'job_namespace', 'job_name', 'namespace', 'issue_number', 'repository_full_name', 'runtime_mode']) {
    await db.schema.alterTable('agent_runs').dropColumn(c).execute();
  }
  await db.schema.dropTable('project_members').ifExists().execute();
  await db.schema.dropTable('users').ifExists().execute();
}
