import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { DeployLogLine, RedeployFailureReason, SlotRedeployRow } from '../tables/platform.table.js';
import type { DeployProgress } from './deploy-tasks.repository.js';

/** A staff redeploy as it is first recorded (migration 0011). */
export interface NewSlotRedeploy {
  readonly id: string;
  readonly projectId: string;
  readonly slotNo: number;
  readonly namespace: string;
  readonly requestedBy: string;
  /** The run whose deploy is repeated; null when there is none (a refused request). */
  readonly sourceRunId: string | null;
  readonly commitSha: string | null;
  readonly host: string | null;
  /** Recorded as already failed: a request refused before anything was done (slot leased, never deployed). */
  readonly refused?: { readonly reason: RedeployFailureReason; readonly error: string };
}

/**
 * Records a redeploy once (a redelivered request keeps the first row: on conflict do nothing); a refused one is
 * recorded finished at once, so every later delivery of the request answers the same. Returns the row as stored.
 */
export async function startSlotRedeploy(db: Db, r: NewSlotRedeploy): Promise<SlotRedeployRow> {
  await db
    .insertInto('slot_redeploys')
    .values({
      id: r.id,
      project_id: r.projectId,
      slot_no: r.slotNo,
      namespace: r.namespace,
      requested_by: r.requestedBy,
      source_run_id: r.sourceRunId,
      commit_sha: r.commitSha,
      host: r.host,
      fingerprint: null,
      progress_fingerprint: null,
      unit_started_at: null,
      unit_applied_at: null,
      last_error: r.refused ? r.refused.error.slice(0, 4000) : null,
      failure_reason: r.refused?.reason ?? null,
      finished_at: r.refused ? (sql`now()` as never) : null,
      ...(r.refused ? { status: 'failed' as const } : {}),
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  return db.selectFrom('slot_redeploys').selectAll().where('id', '=', r.id).executeTakeFirstOrThrow();
}

/** One redeploy by its id, or undefined. */
export async function slotRedeployOf(db: Db, id: string): Promise<SlotRedeployRow | undefined> {
  return db.selectFrom('slot_redeploys').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The progress recorded on a redeploy row (the deploy step continues from it). Pure. */
export function redeployProgressOf(row: Pick<SlotRedeployRow, 'progress_fingerprint' | 'units_done' | 'unit_started_at' | 'unit_applied_at'>): DeployProgress {
  return { fingerprint: row.progress_fingerprint, unitsDone: row.units_done, unitStartedAt: row.unit_started_at, unitAppliedAt: row.unit_applied_at };
}

/** Records a redeploy's progress; only while it runs (a finished redeploy is never moved back). */
export async function saveRedeployProgress(db: Db, id: string, p: DeployProgress): Promise<void> {
  await db
    .updateTable('slot_redeploys')
    .set({ progress_fingerprint: p.fingerprint, units_done: p.unitsDone, unit_started_at: p.unitStartedAt, unit_applied_at: p.unitAppliedAt })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .execute();
}

/** Appends stage log lines to a redeploy (the last 300 are kept, messages cut to 4000 characters), as appendDeployLog does for a run's deploy. */
export async function appendRedeployLog(db: Db, id: string, lines: readonly Omit<DeployLogLine, 'created_at'>[]): Promise<void> {
  const stamped = lines.map((l) => ({ ...l, message: l.message.slice(0, 4000), created_at: new Date().toISOString() }));
  await db
    .updateTable('slot_redeploys')
    .set({
      logs_json: sql`(select coalesce(jsonb_agg(e order by o), '[]'::jsonb) from (select e, o from jsonb_array_elements(logs_json || ${JSON.stringify(stamped)}::jsonb) with ordinality as t(e, o) order by o desc limit 300) s)` as never,
    })
    .where('id', '=', id)
    .execute();
}

/** How a redeploy ended. */
export type RedeployEnd =
  | { readonly status: 'succeeded'; readonly fingerprint: string; readonly commitSha: string; readonly host: string | null }
  | { readonly status: 'failed'; readonly reason: RedeployFailureReason; readonly error: string };

/**
 * Ends a running redeploy, once: a redeploy that already ended keeps its first end. Returns the row as it stands
 * afterwards (whichever end it has), or undefined when there is no such redeploy.
 */
export async function finishSlotRedeploy(db: Db, id: string, end: RedeployEnd): Promise<SlotRedeployRow | undefined> {
  await db
    .updateTable('slot_redeploys')
    .set(
      end.status === 'succeeded'
        ? { status: 'succeeded', fingerprint: end.fingerprint, commit_sha: end.commitSha, host: end.host, last_error: null, finished_at: sql`now()` as never }
        : { status: 'failed', failure_reason: end.reason, last_error: end.error.slice(0, 4000), finished_at: sql`now()` as never },
    )
    .where('id', '=', id)
    .where('status', '=', 'running')
    .execute();
  return slotRedeployOf(db, id);
}

/** A redeploy as the slots page lists it (without its log). */
export type SlotRedeploySummary = Omit<SlotRedeployRow, 'logs_json'>;

/** The newest redeploy of each slot of these projects (null: of every project), for the staff console's slots page. */
export async function lastSlotRedeploys(db: Db, projectIds: readonly string[] | null): Promise<SlotRedeploySummary[]> {
  if (projectIds !== null && projectIds.length === 0) return [];
  let q = db
    .selectFrom('slot_redeploys')
    .distinctOn(['project_id', 'slot_no'])
    .select([
      'id',
      'project_id',
      'slot_no',
      'namespace',
      'requested_by',
      'source_run_id',
      'status',
      'failure_reason',
      'commit_sha',
      'host',
      'fingerprint',
      'progress_fingerprint',
      'units_done',
      'unit_started_at',
      'unit_applied_at',
      'last_error',
      'created_at',
      'finished_at',
    ]);
  if (projectIds !== null) q = q.where('project_id', 'in', [...projectIds]);
  return q.orderBy('project_id').orderBy('slot_no').orderBy('created_at', 'desc').execute();
}

/**
 * Whether the newest deploy into a project's namespace is a staff redeploy that failed part-way (it may have deleted
 * a Job or left a unit half-rolled): then the objects in the slot are not known to match the last run deploy's
 * fingerprint, and the next run must apply everything instead of skipping an "unchanged" state. Only redeploys after
 * that run deploy count, the newest of them decides, and refused requests (slot leased, never deployed) applied
 * nothing, so they are not looked at.
 */
export async function redeployBrokeSlot(db: Db, projectId: string, namespace: string): Promise<boolean> {
  const r = await sql<{ broke: boolean }>`
    select r.failure_reason is not distinct from 'deploy_failed' as broke from slot_redeploys r
    where r.project_id = ${projectId} and r.namespace = ${namespace}
      and r.failure_reason is distinct from 'slot_leased' and r.failure_reason is distinct from 'never_deployed'
      and r.created_at > coalesce((
        select max(t.finished_at) from runtime_deploy_tasks t join agent_runs a on a.id = t.run_id
        where a.project_id = ${projectId} and t.namespace = ${namespace} and t.status = 'succeeded'), '-infinity'::timestamptz)
    order by r.created_at desc limit 1`.execute(db);
  return r.rows[0]?.broke ?? false;
}
