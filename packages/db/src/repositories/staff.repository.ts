import { sql, type SqlBool } from 'kysely';
import type { Db } from '../database.js';
import type { FlowEventRow } from '../tables/flow-events.table.js';
import type { AgentRunRow, MemberRole, RuntimeDeployTaskRow, SlotRow } from '../tables/platform.table.js';

// The staff console's reads. Every list is keyset-paged on its sort key (never OFFSET, never count(*)), and every
// read is scoped to the project ids the caller may see (null: a platform admin, every project).

/** A run's position in the newest-first order: its creation time as Postgres keeps it (microseconds) and its id. */
export interface RunKey {
  readonly created: string;
  readonly id: string;
}

/** The creation time as exact text (a JS Date keeps milliseconds only, which would skip or repeat rows). */
const createdKey = sql<string>`to_char(r.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export interface StaffProject {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly role: MemberRole;
}

/** What a login may see: every project for a platform admin, else the projects it is a member of (with its role). */
export async function staffAccessOf(db: Db, login: string): Promise<{ known: boolean; platformAdmin: boolean; projects: StaffProject[] }> {
  const user = await db.selectFrom('users').select(['id', 'is_platform_admin']).where('github_login', '=', login).executeTakeFirst();
  if (!user) return { known: false, platformAdmin: false, projects: [] };
  if (user.is_platform_admin) {
    const all = await db.selectFrom('projects').select(['id', 'slug', 'name']).orderBy('slug').execute();
    return { known: true, platformAdmin: true, projects: all.map((p) => ({ ...p, role: 'admin' as const })) };
  }
  const mine = await db
    .selectFrom('project_members as m')
    .innerJoin('projects as p', 'p.id', 'm.project_id')
    .select(['p.id', 'p.slug', 'p.name', 'm.role'])
    .where('m.user_id', '=', user.id)
    .orderBy('p.slug')
    .execute();
  return { known: true, platformAdmin: false, projects: mine };
}

/** agent_runs' columns except the stored end of the agent's output (up to 64,000 characters; only the logs endpoints read it: runLogsTail). */
const RUN_COLUMNS = ['r.id', 'r.correlation_id', 'r.project_id', 'r.status', 'r.run_payload', 'r.learning_mode', 'r.started_at', 'r.finished_at', 'r.created_at', 'r.updated_at', 'r.runtime_mode', 'r.repository_full_name', 'r.issue_number', 'r.namespace', 'r.job_name', 'r.job_namespace', 'r.slot_no', 'r.runtime_deploy', 'r.outcome', 'r.trigger_label'] as const;

/** A run row (without its stored log tail) with its project and its position key. */
export type StaffRunRow = Omit<AgentRunRow, 'agent_logs_tail'> & { project_slug: string; project_name: string; created_key: string };

/** The stored end of a run's agent output (agent-launcher's copy), or null. */
export async function runLogsTail(db: Db, id: string): Promise<string | null> {
  return (await db.selectFrom('agent_runs').select('agent_logs_tail').where('id', '=', id).executeTakeFirst())?.agent_logs_tail ?? null;
}

export interface RunFilter {
  /** The projects to look in; null = all (platform admins). */
  readonly projectIds: readonly string[] | null;
  readonly status?: string;
  readonly trigger?: string;
  readonly issue?: number;
  /** A prefix of the correlation id, the namespace or the run id. */
  readonly q?: string;
  readonly after?: RunKey;
  readonly limit: number;
}

const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** One page of runs, newest first; `limit + 1` rows are read so the caller knows whether a next page exists. */
export async function listStaffRuns(db: Db, f: RunFilter): Promise<StaffRunRow[]> {
  let q = db
    .selectFrom('agent_runs as r')
    .innerJoin('projects as p', 'p.id', 'r.project_id')
    .select([...RUN_COLUMNS, 'p.slug as project_slug', 'p.name as project_name', createdKey.as('created_key')]);
  if (f.projectIds) q = f.projectIds.length === 1 ? q.where('r.project_id', '=', f.projectIds[0] as string) : q.where('r.project_id', 'in', f.projectIds.length ? [...f.projectIds] : ['00000000-0000-0000-0000-000000000000']);
  if (f.status) q = q.where('r.status', '=', f.status as AgentRunRow['status']);
  if (f.trigger) q = q.where('r.trigger_label', '=', f.trigger);
  if (f.issue !== undefined) q = q.where('r.issue_number', '=', f.issue);
  if (f.q) {
    const like = `${escapeLike(f.q)}%`;
    // A run id prefix as a range of the primary key (`r.id::text like` read every run): the lowest and highest
    // uuid with that text prefix, when it can start one.
    const lo = f.q + '00000000-0000-0000-0000-000000000000'.slice(f.q.length);
    const hi = f.q + 'ffffffff-ffff-ffff-ffff-ffffffffffff'.slice(f.q.length);
    const byId = UUID_TEXT.test(lo) && UUID_TEXT.test(hi);
    q = q.where((eb) => eb.or([eb('r.correlation_id', 'like', like), eb('r.namespace', 'like', like), ...(byId ? [eb.between('r.id', lo, hi)] : [])]));
  }
  if (f.after) q = q.where(sql<SqlBool>`(r.created_at, r.id) < (${f.after.created}::timestamptz, ${f.after.id}::uuid)`);
  return q.orderBy('r.created_at', 'desc').orderBy('r.id', 'desc').limit(f.limit + 1).execute() as Promise<StaffRunRow[]>;
}

/** A run with its project, or undefined. */
export async function getStaffRun(db: Db, id: string): Promise<StaffRunRow | undefined> {
  return db
    .selectFrom('agent_runs as r')
    .innerJoin('projects as p', 'p.id', 'r.project_id')
    .select([...RUN_COLUMNS, 'p.slug as project_slug', 'p.name as project_name', createdKey.as('created_key')])
    .where('r.id', '=', id)
    .executeTakeFirst() as Promise<StaffRunRow | undefined>;
}

/** The runs with these correlation ids (the live stream maps new events to their runs). */
export async function staffRunsByCorrelation(db: Db, correlationIds: readonly string[]): Promise<StaffRunRow[]> {
  if (correlationIds.length === 0) return [];
  return db
    .selectFrom('agent_runs as r')
    .innerJoin('projects as p', 'p.id', 'r.project_id')
    .select([...RUN_COLUMNS, 'p.slug as project_slug', 'p.name as project_name', createdKey.as('created_key')])
    .where('r.correlation_id', 'in', [...correlationIds])
    .execute() as Promise<StaffRunRow[]>;
}

/** The first event of each of `types` in a run's story (one index probe per type, however many events it has). */
export async function firstEventsOf(db: Db, correlationId: string, types: readonly string[]): Promise<{ event_type: string; occurred_at: Date }[]> {
  if (types.length === 0) return [];
  const res = await sql<{ event_type: string; occurred_at: Date | null }>`
    select t.type as event_type,
      (select f.occurred_at from flow_events f where f.correlation_id = ${correlationId} and f.event_type = t.type order by f.id limit 1) as occurred_at
    from unnest(${[...types]}::text[]) as t(type)`.execute(db);
  return res.rows.filter((r): r is { event_type: string; occurred_at: Date } => r.occurred_at !== null);
}

export type EventHead = Pick<FlowEventRow, 'id' | 'event_id' | 'event_type' | 'actor_type' | 'actor_id' | 'occurred_at' | 'created_at' | 'correlation_id'>;

/** A run's events newest first, without payloads; `limit + 1` rows. */
export async function listRunEventHeads(db: Db, correlationId: string, o: { before?: string; limit: number }): Promise<EventHead[]> {
  // The page's ids first, from (correlation_id, id) alone: `order by id desc limit n` over the whole table let the
  // planner walk the primary key backwards past every newer event of other runs (a busy run's first page).
  let ids = db.selectFrom('flow_events').select('id').where('correlation_id', '=', correlationId);
  if (o.before) ids = ids.where('id', '<', o.before);
  return db
    .selectFrom('flow_events')
    .select(['id', 'event_id', 'event_type', 'actor_type', 'actor_id', 'occurred_at', 'created_at', 'correlation_id'])
    .where('id', 'in', ids.orderBy('id', 'desc').limit(o.limit + 1))
    .orderBy('id', 'desc')
    .execute();
}

/** One event of a run, with its payload (only when it belongs to that run's story). */
export async function getRunEvent(db: Db, correlationId: string, id: string): Promise<FlowEventRow | undefined> {
  return db.selectFrom('flow_events').selectAll().where('id', '=', id).where('correlation_id', '=', correlationId).executeTakeFirst();
}

/** New events after `afterId` (the live stream's poll), without payloads, oldest first. */
export async function eventHeadsAfter(db: Db, afterId: string, limit: number): Promise<EventHead[]> {
  return db
    .selectFrom('flow_events')
    .select(['id', 'event_id', 'event_type', 'actor_type', 'actor_id', 'occurred_at', 'created_at', 'correlation_id'])
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** The agent's status lines of a run, in its order. */
export async function listStatusLines(db: Db, runId: string): Promise<{ seq: number; message: string | null; received_at: Date }[]> {
  return db.selectFrom('agent_reports').select(['seq', 'message', 'received_at']).where('run_id', '=', runId).where('type', '=', 'status').orderBy('seq').limit(1_000).execute();
}

/**
 * The last `lines` lines of the log a run's agent streamed (read back chunk by chunk from the end), and whether
 * older lines exist.
 */
export async function agentLogLines(db: Db, runId: string, lines: number): Promise<{ lines: string[]; truncated: boolean; found: boolean }> {
  let text = '';
  let before = 2_147_483_647;
  for (;;) {
    const rows = await db.selectFrom('agent_log_chunks').select(['seq', 'text']).where('run_id', '=', runId).where('seq', '<', before).orderBy('seq', 'desc').limit(100).execute();
    for (const r of rows) text = r.text + text;
    const all = text.replace(/\n$/, '').split('\n');
    if (rows.length < 100 || all.length > lines) {
      const found = text !== '';
      return { lines: found ? all.slice(-lines) : [], truncated: all.length > lines || rows.length === 100, found };
    }
    before = (rows[rows.length - 1] as { seq: number }).seq;
  }
}

/** The slots of these projects with what their last deploy left there (namespace, host, commit, fingerprint). */
export async function listStaffSlots(db: Db, projectIds: readonly string[] | null): Promise<(SlotRow & { project_slug: string; project_name: string; task: RuntimeDeployTaskRow | null })[]> {
  let q = db.selectFrom('slots as s').innerJoin('projects as p', 'p.id', 's.project_id').selectAll('s').select(['p.slug as project_slug', 'p.name as project_name']);
  if (projectIds) q = q.where('s.project_id', 'in', projectIds.length ? [...projectIds] : ['00000000-0000-0000-0000-000000000000']);
  const slots = await q.orderBy('p.slug').orderBy('s.slot_no').limit(1_000).execute();
  return Promise.all(
    slots.map(async (s) => {
      const task = await db
        .selectFrom('runtime_deploy_tasks as t')
        .innerJoin('agent_runs as r', 'r.id', 't.run_id')
        .selectAll('t')
        .where('r.project_id', '=', s.project_id)
        .where('t.slot_no', '=', s.slot_no)
        .orderBy('t.created_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      return { ...s, task: task ?? null };
    }),
  );
}

/** One slot of a project, or undefined. */
export async function getSlot(db: Db, projectId: string, slotNo: number): Promise<SlotRow | undefined> {
  return db.selectFrom('slots').selectAll().where('project_id', '=', projectId).where('slot_no', '=', slotNo).executeTakeFirst();
}

/** Deploy tasks newest first, keyset on (created_at, run_id). */
export async function listStaffDeployTasks(db: Db, projectIds: readonly string[] | null, o: { after?: RunKey; limit: number }): Promise<(RuntimeDeployTaskRow & { project_id: string; project_slug: string; project_name: string; created_key: string })[]> {
  let q = db
    .selectFrom('runtime_deploy_tasks as t')
    .innerJoin('agent_runs as r', 'r.id', 't.run_id')
    .innerJoin('projects as p', 'p.id', 'r.project_id')
    .selectAll('t')
    .select(['p.id as project_id', 'p.slug as project_slug', 'p.name as project_name', sql<string>`to_char(t.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('created_key')]);
  if (projectIds) q = q.where('r.project_id', 'in', projectIds.length ? [...projectIds] : ['00000000-0000-0000-0000-000000000000']);
  if (o.after) q = q.where(sql<SqlBool>`(t.created_at, t.run_id) < (${o.after.created}::timestamptz, ${o.after.id}::uuid)`);
  return q.orderBy('t.created_at', 'desc').orderBy('t.run_id', 'desc').limit(o.limit + 1).execute() as never;
}

/** The event types that mean a run's namespace was deleted. */
export const NAMESPACE_GONE_EVENTS: readonly string[] = Object.freeze(['run.namespace.cleaned', 'run.namespace.delete_by_system', 'run.namespace.delete_by_staff']);

export interface StaffNamespaceRow {
  readonly namespace: string;
  readonly project_id: string;
  readonly project_slug: string;
  readonly project_name: string;
  readonly purpose: 'run' | 'slot';
  readonly run_id: string | null;
  readonly run_status: AgentRunRow['status'] | null;
  readonly created_at: Date;
  readonly created_key: string;
  readonly deleted: boolean;
}

/**
 * The namespaces the platform made: slot namespaces (namespace_owners) and the namespaces of full-env runs outside
 * slots, newest first, with whether a cleanup recorded their deletion. Keyset on (created_at, namespace).
 */
export async function listStaffNamespaces(db: Db, projectIds: readonly string[] | null, o: { after?: RunKey; limit: number }): Promise<StaffNamespaceRow[]> {
  const scope = projectIds ? (projectIds.length ? projectIds : ['00000000-0000-0000-0000-000000000000']) : null;
  const inScope = (col: string) => (scope ? sql`${sql.ref(col)} = any(${[...scope]}::uuid[])` : sql`true`);
  const after = o.after ? sql`where (x.created_at, x.namespace) < (${o.after.created}::timestamptz, ${o.after.id})` : sql``;
  const res = await sql<StaffNamespaceRow>`
    select x.*, p.slug as project_slug, p.name as project_name,
      to_char(x.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_key
    from (
      select o.namespace, o.project_id, o.purpose, null::uuid as run_id, null::text as run_status, o.created_at, false as deleted
        from namespace_owners o where o.purpose = 'slot' and ${inScope('o.project_id')}
      union all
      select r.namespace, r.project_id, 'run' as purpose, r.id as run_id, r.status as run_status, r.created_at,
        exists (select 1 from flow_events f where f.correlation_id = r.correlation_id and f.event_type = any(${[...NAMESPACE_GONE_EVENTS]}::text[])) as deleted
        from agent_runs r where r.runtime_mode = 'full-env' and not r.runtime_deploy and r.namespace is not null and ${inScope('r.project_id')}
    ) x join projects p on p.id = x.project_id
    ${after}
    order by x.created_at desc, x.namespace desc
    limit ${o.limit + 1}`.execute(db);
  return res.rows;
}

/** Whether a run's story records the deletion of its namespace. */
export async function namespaceDeletedFor(db: Db, correlationId: string): Promise<boolean> {
  const row = await db.selectFrom('flow_events').select('id').where('correlation_id', '=', correlationId).where('event_type', 'in', [...NAMESPACE_GONE_EVENTS]).limit(1).executeTakeFirst();
  return row !== undefined;
}

/** Dead letters newest first (bus.dead_lettered events), keyset on id; `limit + 1` rows. */
export async function listDeadLetters(db: Db, o: { before?: string; limit: number }): Promise<FlowEventRow[]> {
  let q = db.selectFrom('flow_events').selectAll().where('event_type', '=', 'bus.dead_lettered');
  if (o.before) q = q.where('id', '<', o.before);
  return q.orderBy('id', 'desc').limit(o.limit + 1).execute();
}

/** One dead letter by its position (flow_events.id), or undefined. */
export async function getDeadLetter(db: Db, id: string): Promise<FlowEventRow | undefined> {
  return db.selectFrom('flow_events').selectAll().where('id', '=', id).where('event_type', '=', 'bus.dead_lettered').executeTakeFirst();
}

/** When each of these dead letters (by event id) was last retried from the console. */
export async function deadLetterRetries(db: Db, deadLetterIds: readonly string[]): Promise<Map<string, Date>> {
  if (deadLetterIds.length === 0) return new Map();
  const res = await sql<{ id: string; at: Date }>`
    select payload->>'dead_letter_id' as id, max(created_at) as at from flow_events
    where event_type = 'bus.dead_letter.retried' and payload->>'dead_letter_id' = any(${[...deadLetterIds]}::text[])
    group by 1`.execute(db);
  return new Map(res.rows.map((r) => [r.id, new Date(r.at)]));
}

/** The recorded event with this id, once audit-writer has written it (action results are looked up by their id). */
export async function flowEventById(db: Db, eventId: string): Promise<FlowEventRow | undefined> {
  return db.selectFrom('flow_events').selectAll().where('event_id', '=', eventId).executeTakeFirst();
}
