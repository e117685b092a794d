import type { Db } from '../database.js';
import type { FlowEventRow, NewFlowEventRow } from '../tables/flow-events.table.js';

/**
 * Inserts one audit row; a row with the same event id already there makes this a no-op.
 * Returns true when this call inserted the row.
 */
export async function insertFlowEvent(db: Db, row: NewFlowEventRow): Promise<boolean> {
  const res = await db
    .insertInto('flow_events')
    .values(row)
    .onConflict((oc) => oc.column('event_id').doNothing())
    .returning('id')
    .executeTakeFirst();
  return res !== undefined;
}

/** The timeline of one correlation id (one GitHub delivery), oldest first. */
export async function listFlowEvents(db: Db, correlationId: string): Promise<FlowEventRow[]> {
  return db.selectFrom('flow_events').selectAll().where('correlation_id', '=', correlationId).orderBy('id').execute();
}

/** Rows of one event type, oldest first. */
export async function listFlowEventsByType(db: Db, eventType: string, limit = 1000): Promise<FlowEventRow[]> {
  return db.selectFrom('flow_events').selectAll().where('event_type', '=', eventType).orderBy('id').limit(limit).execute();
}
