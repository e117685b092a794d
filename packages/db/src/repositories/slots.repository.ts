import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { RuntimeDeployTaskRow } from '../tables/platform.table.js';

/**
 * Leases the lowest free slot of a project to a run (reference 5.1): slots 1..count exist, a slot whose lease
 * expired counts as free, and a run that already holds a slot gets the same one again (idempotent retries).
 * Returns the slot number, or null when every slot is taken.
 */
export async function leaseSlot(db: Db, o: { projectId: string; runId: string; count: number; ttlMs: number }): Promise<number | null> {
  return db.transaction().execute(async (trx) => {
    const rows = Array.from({ length: o.count }, (_, i) => ({ project_id: o.projectId, slot_no: i + 1 }));
    await trx.insertInto('slots').values(rows).onConflict((oc) => oc.columns(['project_id', 'slot_no']).doNothing()).execute();
    const held = await trx.selectFrom('slots').select('slot_no').where('project_id', '=', o.projectId).where('lease_owner', '=', o.runId).where('state', '=', 'leased').executeTakeFirst();
    if (held) {
      await trx.updateTable('slots').set({ lease_until: sql`now() + ${`${o.ttlMs} milliseconds`}::interval` as never, updated_at: sql`now()` as never }).where('project_id', '=', o.projectId).where('slot_no', '=', held.slot_no).execute();
      return held.slot_no;
    }
    const free = await trx
      .selectFrom('slots')
      .select('slot_no')
      .where('project_id', '=', o.projectId)
      .where('slot_no', '<=', o.count)
      .where((eb) => eb.or([eb('state', '=', 'free'), eb('lease_until', '<', sql<Date>`now()`)]))
      .orderBy('slot_no')
      .forUpdate()
      .skipLocked()
      .limit(1)
      .executeTakeFirst();
    if (!free) return null;
    await trx
      .updateTable('slots')
      .set({ state: 'leased', lease_owner: o.runId, lease_until: sql`now() + ${`${o.ttlMs} milliseconds`}::interval` as never, updated_at: sql`now()` as never })
      .where('project_id', '=', o.projectId)
      .where('slot_no', '=', free.slot_no)
      .execute();
    return free.slot_no;
  });
}

/** Keeps a run's slot lease alive (long deploys and runs). */
export async function renewSlot(db: Db, o: { projectId: string; runId: string; ttlMs: number }): Promise<void> {
  await db
    .updateTable('slots')
    .set({ lease_until: sql`now() + ${`${o.ttlMs} milliseconds`}::interval` as never, updated_at: sql`now()` as never })
    .where('project_id', '=', o.projectId)
    .where('lease_owner', '=', o.runId)
    .execute();
}

/** Frees the slot a run holds; returns its number, or null when it held none (already released). */
export async function releaseSlot(db: Db, o: { projectId: string; runId: string }): Promise<number | null> {
  const r = await db
    .updateTable('slots')
    .set({ state: 'free', lease_owner: null, lease_until: null, updated_at: sql`now()` as never })
    .where('project_id', '=', o.projectId)
    .where('lease_owner', '=', o.runId)
    .returning('slot_no')
    .executeTakeFirst();
  return r?.slot_no ?? null;
}

/** What a lease attempt on one slot found: taken (or already held) by the owner, or who holds it (null: no such slot). */
export type SlotLeaseResult = { readonly leased: true } | { readonly leased: false; readonly holder: string | null; readonly until: Date | null };

/**
 * Leases one given slot to `owner` (a staff redeploy: `redeploy/<id>`), if it is free, its lease has expired, or the
 * owner already holds it (then the lease is only extended: redeliveries and later steps renew it). One conditional
 * UPDATE: it re-checks its condition under the row lock, so it never takes a slot a run's leaseSlot is taking at
 * that moment (and leaseSlot skips the row while this holds it). The lease ends `ttlMs` from the database's now(),
 * the clock every other lease check uses.
 */
export async function leaseSlotFor(db: Db, o: { projectId: string; slotNo: number; owner: string; ttlMs: number }): Promise<SlotLeaseResult> {
  const taken = await db
    .updateTable('slots')
    .set({ state: 'leased', lease_owner: o.owner, lease_until: sql`now() + ${`${o.ttlMs} milliseconds`}::interval` as never, updated_at: sql`now()` as never })
    .where('project_id', '=', o.projectId)
    .where('slot_no', '=', o.slotNo)
    .where((eb) => eb.or([eb('state', '=', 'free'), eb('lease_until', '<', sql<Date>`now()`), eb('lease_owner', '=', o.owner)]))
    .returning('slot_no')
    .executeTakeFirst();
  if (taken) return { leased: true };
  const slot = await db.selectFrom('slots').select(['lease_owner', 'lease_until']).where('project_id', '=', o.projectId).where('slot_no', '=', o.slotNo).executeTakeFirst();
  return { leased: false, holder: slot ? (slot.lease_owner ?? '(unknown)') : null, until: slot?.lease_until ?? null };
}

/** Frees one slot if `owner` still holds it (a lease taken over since is left alone); true when it did. */
export async function releaseSlotOf(db: Db, o: { projectId: string; slotNo: number; owner: string }): Promise<boolean> {
  const r = await db
    .updateTable('slots')
    .set({ state: 'free', lease_owner: null, lease_until: null, updated_at: sql`now()` as never })
    .where('project_id', '=', o.projectId)
    .where('slot_no', '=', o.slotNo)
    .where('lease_owner', '=', o.owner)
    .returning('slot_no')
    .executeTakeFirst();
  return r !== undefined;
}

/**
 * The last successful deploy of a slot: the newest succeeded runtime_deploy_tasks row of the project's runs for
 * that slot number (a staff redeploy repeats it), or undefined when the slot was never deployed.
 */
export async function lastSlotDeploy(db: Db, projectId: string, slotNo: number): Promise<RuntimeDeployTaskRow | undefined> {
  return db
    .selectFrom('runtime_deploy_tasks')
    .innerJoin('agent_runs', 'agent_runs.id', 'runtime_deploy_tasks.run_id')
    .selectAll('runtime_deploy_tasks')
    .where('agent_runs.project_id', '=', projectId)
    .where('runtime_deploy_tasks.slot_no', '=', slotNo)
    .where('runtime_deploy_tasks.status', '=', 'succeeded')
    .orderBy('runtime_deploy_tasks.finished_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}
