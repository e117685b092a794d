import { sql } from 'kysely';
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

/**
 * Inserts many audit rows in one statement (one round trip, one commit); rows whose event id is already in the
 * table, or earlier in `rows`, are skipped. Returns how many rows this call inserted. An empty list is a no-op.
 * One row Postgres rejects (e.g. a \u0000 in jsonb) fails the whole statement and inserts nothing.
 * The rows travel as 11 arrays (`unnest`), not 11 parameters a row: the statement is the same text whatever the
 * batch size, so Postgres parses and plans a small statement instead of a VALUES list of thousands of parameters.
 */
export async function insertFlowEvents(db: Db, rows: readonly NewFlowEventRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const col = <T>(f: (r: NewFlowEventRow) => T): T[] => rows.map(f);
  const res = await sql`
    insert into flow_events (event_id, correlation_id, causation_id, actor_type, actor_id, event_type, schema_version, subject, payload, occurred_at, stream_seq)
    select * from unnest(
      ${col((r) => r.event_id)}::uuid[], ${col((r) => r.correlation_id)}::text[], ${col((r) => r.causation_id ?? null)}::text[],
      ${col((r) => r.actor_type)}::text[], ${col((r) => r.actor_id ?? null)}::text[], ${col((r) => r.event_type)}::text[],
      ${col((r) => r.schema_version)}::integer[], ${col((r) => r.subject)}::text[], ${col((r) => r.payload ?? '{}')}::jsonb[],
      ${col((r) => r.occurred_at)}::timestamptz[], ${col((r) => r.stream_seq ?? null)}::bigint[]
    )
    on conflict (event_id) do nothing`.execute(db);
  return Number(res.numAffectedRows ?? 0n);
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
