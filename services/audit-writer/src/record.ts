import { STAFF_ACTED_EVENTS, StaffLogin, type EventEnvelope } from '@codex-k8s/contracts';
import { insertFlowEvent, insertFlowEvents, type Db, type NewFlowEventRow } from '@codex-k8s/db';
import { TerminalError } from '@codex-k8s/runtime';

/** The service whose events speak for a run's agent: the agent is their actor, named by its run (`run/<id>`). */
export const AGENT_VOICE = 'agent-gateway';

/** Who an event's act is: the agent (through agent-gateway), a staff member (their requests and what carried them out), or the platform. Pure. */
export function actorOf(env: EventEnvelope): { type: 'system' | 'agent' | 'human'; id: string } {
  if (env.source === AGENT_VOICE) return { type: 'agent', id: env.subject };
  if (STAFF_ACTED_EVENTS.includes(env.type)) {
    // The contract of these events requires the login (the decoder checked the source); a row without one stays the service's.
    const login = StaffLogin.safeParse((env.data as { requested_by?: unknown } | null)?.requested_by);
    if (login.success) return { type: 'human', id: login.data };
  }
  return { type: 'system', id: env.source };
}

/** Maps an envelope to its `flow_events` row (pure). */
export function toFlowEventRow(env: EventEnvelope, streamSeq: number): NewFlowEventRow {
  const actor = actorOf(env);
  return {
    event_id: env.id,
    correlation_id: env.correlationid,
    causation_id: env.causationid ?? null,
    actor_type: actor.type,
    actor_id: actor.id,
    event_type: env.type,
    schema_version: env.dataschemaversion,
    subject: env.subject,
    payload: JSON.stringify(env.data ?? {}),
    occurred_at: env.time,
    stream_seq: streamSeq,
  };
}

/**
 * Postgres errors that retrying cannot fix: data exceptions (class 22, e.g. a \u0000 jsonb rejects) and
 * integrity violations other than the unique key we already tolerate (class 23). Everything else, such as a
 * refused connection or an admin shutdown, is transient.
 */
export function isPermanentDbError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

/** Writes exactly one row per event id; the caller acks only after this resolves (after commit). */
export async function recordEvent(db: Db, env: EventEnvelope, streamSeq: number): Promise<boolean> {
  try {
    return await insertFlowEvent(db, toFlowEventRow(env, streamSeq));
  } catch (err) {
    if (isPermanentDbError(err)) throw new TerminalError(`flow_events rejected the event: ${(err as Error).message}`, { cause: err });
    throw err;
  }
}

/** One event of a batch and where it sits in the stream. */
export interface RecordItem {
  readonly env: EventEnvelope;
  readonly streamSeq: number;
}

/** The database side of recordBatch (a seam for tests). */
export interface FlowEventWriter {
  insertMany(rows: readonly NewFlowEventRow[]): Promise<number>;
  insertOne(row: NewFlowEventRow): Promise<boolean>;
}

export const dbWriter = (db: Db): FlowEventWriter => ({
  insertMany: (rows) => insertFlowEvents(db, rows),
  insertOne: (row) => insertFlowEvent(db, row),
});

/**
 * Writes a batch: one row per distinct event id, in one multi-row INSERT ... ON CONFLICT DO NOTHING (one commit),
 * rows in stream order; an id repeated inside the batch is written once, from its first message. Returns one
 * outcome per item (undefined = recorded or already there; the caller acks only after this resolves).
 * A transient error (Postgres unreachable, shut down, ...) is thrown: the whole batch is retried, nothing is
 * acked. A permanent one (a row the table rejects) fails the statement for every row, so the batch is written row
 * by row to find the culprit: its item gets a TerminalError (terminated and dead-lettered), the others are written
 * (a transient error in that pass is that item's own outcome: it is retried alone).
 */
export async function recordBatch(writer: FlowEventWriter, items: readonly RecordItem[]): Promise<(Error | undefined)[]> {
  const outcome: (Error | undefined)[] = items.map(() => undefined);
  const first = new Map<string, number>();
  const order = items.map((_, i) => i).sort((x, y) => (items[x]?.streamSeq ?? 0) - (items[y]?.streamSeq ?? 0));
  for (const i of order) {
    const id = (items[i] as RecordItem).env.id;
    if (!first.has(id)) first.set(id, i);
  }
  const writes = [...first.values()];
  const rows = writes.map((i) => toFlowEventRow((items[i] as RecordItem).env, (items[i] as RecordItem).streamSeq));
  try {
    await writer.insertMany(rows);
    return outcome;
  } catch (err) {
    if (!isPermanentDbError(err)) throw err;
  }
  // Row by row, in stream order, exactly as if each message were handled alone (an id repeated after a rejected
  // message gets its own chance).
  for (const i of order) {
    const it = items[i] as RecordItem;
    try {
      await writer.insertOne(toFlowEventRow(it.env, it.streamSeq));
    } catch (err) {
      outcome[i] = isPermanentDbError(err)
        ? new TerminalError(`flow_events rejected the event: ${(err as Error).message}`, { cause: err })
        : err instanceof Error
          ? err
          : new Error(String(err));
    }
  }
  return outcome;
}
