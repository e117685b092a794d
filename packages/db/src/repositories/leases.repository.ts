import { sql } from 'kysely';
import type { Db } from '../database.js';

/**
 * Takes or renews a named lease for `ttlMs`: it succeeds when the lease is free, expired, or already held by
 * `holder`, atomically (one statement), so of several replicas asking at once exactly one holds it.
 * Returns whether `holder` holds the lease now.
 */
export async function tryAcquireLease(db: Db, l: { name: string; holder: string; ttlMs: number }): Promise<boolean> {
  const until = sql<Date>`now() + ${`${l.ttlMs} milliseconds`}::interval`;
  const row = await db
    .insertInto('leases')
    .values({ name: l.name, holder: l.holder, expires_at: until as never })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet({ holder: l.holder, expires_at: until as never, updated_at: sql`now()` as never })
        .where((eb) => eb.or([eb('leases.expires_at', '<', sql<Date>`now()`), eb('leases.holder', '=', l.holder)])),
    )
    .returning('holder')
    .executeTakeFirst();
  return row?.holder === l.holder;
}
