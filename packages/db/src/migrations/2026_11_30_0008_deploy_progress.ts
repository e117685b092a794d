import type { Kysely } from 'kysely';

// A slot deploy is a sequence of short steps, one per bus delivery: the deploy task remembers how far it got so a
// redelivery (after a wait, a restart or on another replica) continues where the last step stopped instead of
// applying everything again. `progress_fingerprint` is the desired state the progress belongs to; `units_done`
// counts units applied and ready, in plan order; the current unit's work began at `unit_started_at` (its readiness
// deadline counts from there) and its objects were applied at `unit_applied_at` (null: not yet).
// Frozen in time: Kysely<any>, no app types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('runtime_deploy_tasks')
    .addColumn('progress_fingerprint', 'text')
    .addColumn('units_done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('unit_started_at', 'timestamptz')
    .addColumn('unit_applied_at', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('runtime_deploy_tasks').dropColumn('progress_fingerprint').dropColumn('units_done').dropColumn('unit_started_at').dropColumn('unit_applied_at').execute();
}
