import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { AgentRunRow } from '../tables/platform.table.js';

/**
 * Live runs (pending or running) that have shown no progress for `idleMs`: no change to the run row, no flow event
 * of its delivery and no deploy-task update in that time. Oldest first, at most `limit`.
 */
export async function listStalledRuns(db: Db, o: { idleMs: number; limit?: number }): Promise<(AgentRunRow & { last_progress_at: Date })[]> {
  const lastProgress = sql<Date>`greatest(
    agent_runs.updated_at,
    coalesce((select max(t.updated_at) from runtime_deploy_tasks t where t.run_id = agent_runs.id), agent_runs.updated_at),
    coalesce((select max(f.occurred_at) from flow_events f where f.correlation_id = agent_runs.correlation_id), agent_runs.updated_at)
  )`;
  return db
    .selectFrom('agent_runs')
    .selectAll()
    .select(lastProgress.as('last_progress_at'))
    .where('status', 'in', ['pending', 'running'])
    .where(lastProgress, '<', sql<Date>`now() - ${`${o.idleMs} milliseconds`}::interval`)
    .orderBy('created_at')
    .limit(o.limit ?? 100)
    .execute();
}
