import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { AgentRunRow, RunOutcome, RunStatus } from '../tables/platform.table.js';

export interface NewRun {
  readonly correlationId: string;
  readonly projectId: string;
  readonly runtimeMode: 'full-env' | 'code-only';
  readonly repositoryFullName: string;
  readonly issueNumber: number | null;
  /** Full-env with a slot deploy (the namespace comes from the slot, not from the run id). */
  readonly runtimeDeploy?: boolean;
  readonly payload: Record<string, unknown>;
}

/**
 * Creates the run of a delivery once: `correlation_id` is unique, so a redelivered webhook finds the run it
 * already created (`inserted: false`) and never starts a second one.
 */
export async function insertRunOnce(db: Db, r: NewRun, namespaceOf: (runId: string) => string | null): Promise<{ inserted: boolean; run: AgentRunRow }> {
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('agent_runs')
      .values({
        correlation_id: r.correlationId,
        project_id: r.projectId,
        runtime_mode: r.runtimeMode,
        repository_full_name: r.repositoryFullName,
        issue_number: r.issueNumber,
        runtime_deploy: r.runtimeDeploy ?? false,
        run_payload: JSON.stringify(r.payload),
      })
      .onConflict((oc) => oc.column('correlation_id').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!inserted) {
      const run = await trx.selectFrom('agent_runs').selectAll().where('correlation_id', '=', r.correlationId).executeTakeFirstOrThrow();
      return { inserted: false, run };
    }
    // The namespace name derives from the run id, known only now.
    const run = await trx
      .updateTable('agent_runs')
      .set({ namespace: namespaceOf(inserted.id) })
      .where('id', '=', inserted.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { inserted: true, run };
  });
}

export async function getRun(db: Db, id: string): Promise<AgentRunRow | undefined> {
  return db.selectFrom('agent_runs').selectAll().where('id', '=', id).executeTakeFirst();
}

/** pending -> running with the Job reference; a run already running (a retry) keeps its first start time. */
export async function markRunStarted(db: Db, id: string, job: { name: string; namespace: string }): Promise<AgentRunRow | undefined> {
  return db
    .updateTable('agent_runs')
    .set({ status: 'running', job_name: job.name, job_namespace: job.namespace, started_at: sql`coalesce(started_at, now())` as never, updated_at: sql`now()` as never })
    .where('id', '=', id)
    .where('status', 'in', ['pending', 'running'])
    .returningAll()
    .executeTakeFirst();
}

/**
 * Ends a run exactly once: only a pending or running run moves to its final status, with the outcome that
 * decides the terminal event. Returns the row as stored afterwards (whoever won), or undefined if unknown.
 */
export async function finishRun(db: Db, id: string, status: Extract<RunStatus, 'succeeded' | 'failed' | 'canceled'>, outcome: RunOutcome): Promise<AgentRunRow | undefined> {
  await db
    .updateTable('agent_runs')
    .set({ status, outcome: JSON.stringify(outcome), finished_at: sql`now()` as never, updated_at: sql`now()` as never })
    .where('id', '=', id)
    .where('status', 'in', ['pending', 'running'])
    .execute();
  return getRun(db, id);
}

/**
 * Ends a run that is still pending (no Job started yet) with `status` and `outcome`; undefined when it was not
 * pending any more (a launch started it meanwhile, or it ended): the caller then treats it as running or ended.
 */
export async function endPendingRun(db: Db, id: string, status: Extract<RunStatus, 'canceled'>, outcome: RunOutcome): Promise<AgentRunRow | undefined> {
  return db
    .updateTable('agent_runs')
    .set({ status, outcome: JSON.stringify(outcome), finished_at: sql`now()` as never, updated_at: sql`now()` as never })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
}

/** Runs in one status, oldest first (the resync and sweeper inputs). */
export async function listRunsByStatus(db: Db, statuses: readonly RunStatus[], limit = 500): Promise<AgentRunRow[]> {
  return db.selectFrom('agent_runs').selectAll().where('status', 'in', [...statuses]).orderBy('created_at').limit(limit).execute();
}

/** Every run of one issue of a project (for `issues.closed`). */
export async function listRunsOfIssue(db: Db, projectId: string, issueNumber: number): Promise<AgentRunRow[]> {
  return db.selectFrom('agent_runs').selectAll().where('project_id', '=', projectId).where('issue_number', '=', issueNumber).orderBy('created_at').execute();
}

/** Records the slot a run holds and the namespace that slot resolved to. */
export async function setRunSlot(db: Db, id: string, slot: { slotNo: number; namespace: string }): Promise<void> {
  await db.updateTable('agent_runs').set({ slot_no: slot.slotNo, namespace: slot.namespace, updated_at: sql`now()` as never }).where('id', '=', id).execute();
}

/** Stores the tail of the agent's log (or why it could not be read) for the run's page. */
export async function setRunLogsTail(db: Db, id: string, tail: string): Promise<void> {
  await db.updateTable('agent_runs').set({ agent_logs_tail: tail.slice(-64_000), updated_at: sql`now()` as never }).where('id', '=', id).execute();
}

/**
 * Claims the finish of a running run for one caller: records the outcome on a row that is still `running` and
 * has none yet, in one conditional UPDATE, and returns the claimed row; undefined when another evaluation (this
 * process or a replica) claimed it first or the run is no longer running. The status stays `running` until
 * completeRunFinish, so a claim whose terminal event may not have gone out (a crash in between) is still found by
 * the listing of running runs (see agent-launcher's follow.ts).
 */
export async function claimRunFinish(db: Db, id: string, outcome: RunOutcome): Promise<AgentRunRow | undefined> {
  return db
    .updateTable('agent_runs')
    .set({ outcome: JSON.stringify(outcome), updated_at: sql`now()` as never })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .where('outcome', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/**
 * Ends a claimed run after its terminal event was published (the agent's output was stored before it, with
 * setRunLogsTail). Only a still-running row with an outcome moves; returns it, or undefined when it had already ended.
 */
export async function completeRunFinish(db: Db, id: string, status: Extract<RunStatus, 'succeeded' | 'failed' | 'canceled'>): Promise<AgentRunRow | undefined> {
  return db
    .updateTable('agent_runs')
    .set({ status, finished_at: sql`now()` as never, updated_at: sql`now()` as never })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .where('outcome', 'is not', null)
    .returningAll()
    .executeTakeFirst();
}

/** Whether a run is still live (pending or running): the only runs any step may still act on. Pure. */
export function isLiveRun(run: Pick<AgentRunRow, 'status'> | undefined): boolean {
  return run?.status === 'pending' || run?.status === 'running';
}
