import type { Kysely } from 'kysely';

// The tail of the agent's log, kept per run after it ends (the Job and its pods are deleted by their TTL).
// Frozen in time: Kysely<any>, no app types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('agent_runs').addColumn('agent_logs_tail', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('agent_runs').dropColumn('agent_logs_tail').execute();
}
