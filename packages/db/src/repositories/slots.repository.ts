import { sql } from 'kysely';
import type { Db } from '../database.js';

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
