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

/** Rows written after row `afterId` (0 for all), oldest first: a cursor for following the trail live. */
export async function listFlowEventsAfter(db: Db, afterId: string, limit = 500): Promise<FlowEventRow[]> {
  return db.selectFrom('flow_events').selectAll().where('id', '>', afterId).orderBy('id').limit(limit).execute();
}

/** The id of the newest row, or '0' when the table is empty. */
export async function lastFlowEventId(db: Db): Promise<string> {
  const r = await db.selectFrom('flow_events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  return r?.id ?? '0';
}
