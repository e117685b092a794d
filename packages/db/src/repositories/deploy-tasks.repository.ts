import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { DeployLogLine, RuntimeDeployTaskRow } from '../tables/platform.table.js';

export interface DesiredDeploy {
  readonly runId: string;
  readonly namespace: string;
  readonly slotNo: number;
  readonly repositoryFullName: string;
  readonly servicesYamlPath: string;
  readonly buildRef: string;
}

/** Records (or re-opens) the deploy task of a run; a repeated request with the same desired state keeps it. */
export async function upsertDeployTask(db: Db, d: DesiredDeploy): Promise<RuntimeDeployTaskRow> {
  return db
    .insertInto('runtime_deploy_tasks')
    .values({ run_id: d.runId, namespace: d.namespace, slot_no: d.slotNo, repository_full_name: d.repositoryFullName, services_yaml_path: d.servicesYamlPath, build_ref: d.buildRef })
    .onConflict((oc) => oc.column('run_id').doUpdateSet({ namespace: d.namespace, slot_no: d.slotNo, build_ref: d.buildRef, updated_at: sql`now()` as never }))
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Appends stage log lines (the last 300 are kept, messages cut to 4000 characters). */
export async function appendDeployLog(db: Db, runId: string, lines: readonly Omit<DeployLogLine, 'created_at'>[]): Promise<void> {
  const stamped = lines.map((l) => ({ ...l, message: l.message.slice(0, 4000), created_at: new Date().toISOString() }));
  await db
    .updateTable('runtime_deploy_tasks')
    .set({
      logs_json: sql`(select coalesce(jsonb_agg(e order by o), '[]'::jsonb) from (select e, o from jsonb_array_elements(logs_json || ${JSON.stringify(stamped)}::jsonb) with ordinality as t(e, o) order by o desc limit 300) s)` as never,
      updated_at: sql`now()` as never,
    })
    .where('run_id', '=', runId)
    .execute();
}

/** Moves a deploy task through its states with the facts of that state. */
export async function setDeployTask(
  db: Db,
  runId: string,
  s: { status: 'running' | 'succeeded' | 'failed'; commit?: string; host?: string | null; fingerprint?: string; error?: string },
): Promise<void> {
  await db
    .updateTable('runtime_deploy_tasks')
    .set({
      status: s.status,
      ...(s.commit ? { commit_sha: s.commit } : {}),
      ...(s.host !== undefined ? { host: s.host } : {}),
      ...(s.fingerprint ? { fingerprint: s.fingerprint } : {}),
      last_error: s.error ? s.error.slice(0, 4000) : null,
      ...(s.status === 'running' ? { attempts: sql`attempts + 1` as never, started_at: sql`coalesce(started_at, now())` as never } : { finished_at: sql`now()` as never }),
      updated_at: sql`now()` as never,
    })
    .where('run_id', '=', runId)
    .execute();
}

export async function getDeployTask(db: Db, runId: string): Promise<RuntimeDeployTaskRow | undefined> {
  return db.selectFrom('runtime_deploy_tasks').selectAll().where('run_id', '=', runId).executeTakeFirst();
}

/**
 * The fingerprint of the last successful deploy of one project into a namespace (for the unchanged-state skip).
 * Keyed by project and namespace: another project's deploy never makes this one's look unchanged.
 */
export async function lastFingerprint(db: Db, projectId: string, namespace: string): Promise<string | undefined> {
  const r = await db
    .selectFrom('runtime_deploy_tasks')
    .innerJoin('agent_runs', 'agent_runs.id', 'runtime_deploy_tasks.run_id')
    .select('runtime_deploy_tasks.fingerprint')
    .where('agent_runs.project_id', '=', projectId)
    .where('runtime_deploy_tasks.namespace', '=', namespace)
    .where('runtime_deploy_tasks.status', '=', 'succeeded')
    .orderBy('runtime_deploy_tasks.finished_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r?.fingerprint ?? undefined;
}

/** How far a slot deploy got (see migration 0008): the deployer continues from here on the next delivery. */
export interface DeployProgress {
  readonly fingerprint: string | null;
  readonly unitsDone: number;
  readonly unitStartedAt: Date | null;
  readonly unitAppliedAt: Date | null;
}

/** The progress recorded on a deploy task row. Pure. */
export function deployProgressOf(row: Pick<RuntimeDeployTaskRow, 'progress_fingerprint' | 'units_done' | 'unit_started_at' | 'unit_applied_at'>): DeployProgress {
  return { fingerprint: row.progress_fingerprint, unitsDone: row.units_done, unitStartedAt: row.unit_started_at, unitAppliedAt: row.unit_applied_at };
}

/** Records a deploy's progress (and touches updated_at: the task made progress). Only while the task is running. */
export async function saveDeployProgress(db: Db, runId: string, p: DeployProgress): Promise<void> {
  await db
    .updateTable('runtime_deploy_tasks')
    .set({ progress_fingerprint: p.fingerprint, units_done: p.unitsDone, unit_started_at: p.unitStartedAt, unit_applied_at: p.unitAppliedAt, updated_at: sql`now()` as never })
    .where('run_id', '=', runId)
    .where('status', '=', 'running')
    .execute();
}
