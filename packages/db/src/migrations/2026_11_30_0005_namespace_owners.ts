import { sql, type Kysely } from 'kysely';

// Which project owns a slot namespace, recorded by the platform the first time the namespace is leased. The name
// comes from the tenant's services.yaml, so ownership cannot: a second project naming the same namespace is
// refused instead of deploying into the first one's slot. Frozen in time: Kysely<any>, no app types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('namespace_owners')
    .addColumn('namespace', 'text', (c) => c.primaryKey().check(sql`namespace ~ '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$'`))
    .addColumn('project_id', 'uuid', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose in ('run', 'slot')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('namespace_owners_project_idx').on('namespace_owners').column('project_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('namespace_owners').ifExists().execute();
}
