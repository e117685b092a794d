import type { EventEnvelope } from '@codex-k8s/contracts';
import { insertFlowEvent, type Db, type NewFlowEventRow } from '@codex-k8s/db';
import { TerminalError } from '@codex-k8s/runtime';

/** Maps an envelope to its `flow_events` row (pure). The agent runner is the only non-system actor so far. */
export function toFlowEventRow(env: EventEnvelope, streamSeq: number): NewFlowEventRow {
  return {
    event_id: env.id,
    correlation_id: env.correlationid,
    causation_id: env.causationid ?? null,
    actor_type: env.source === 'agent-runner' ? 'agent' : 'system',
    actor_id: env.source,
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
