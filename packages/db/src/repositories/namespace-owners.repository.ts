import type { Db } from '../database.js';

/**
 * Claims a namespace for a project, first come first served: the first project to claim it owns it for good;
 * a later claim by the same project is a no-op. Returns the owning project id, whoever that is, so the caller
 * compares it with its own project and refuses when they differ. Concurrent claims converge on one owner
 * (the primary key decides).
 */
export async function claimNamespace(db: Db, c: { namespace: string; projectId: string; purpose: 'run' | 'slot' }): Promise<string> {
  await db
    .insertInto('namespace_owners')
    .values({ namespace: c.namespace, project_id: c.projectId, purpose: c.purpose })
    .onConflict((oc) => oc.column('namespace').doNothing())
    .execute();
  const row = await db.selectFrom('namespace_owners').select('project_id').where('namespace', '=', c.namespace).executeTakeFirstOrThrow();
  return row.project_id;
}

/** The project that owns a namespace, or undefined when none has claimed it. */
export async function namespaceOwner(db: Db, namespace: string): Promise<string | undefined> {
  const row = await db.selectFrom('namespace_owners').select('project_id').where('namespace', '=', namespace).executeTakeFirst();
  return row?.project_id;
}
