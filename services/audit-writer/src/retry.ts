import { DeadLetterRetriedV1, DeadLetteredV1, EventEnvelope, deterministicId, findEvent, subjectFor, type DeadLetterRetryRequestedData, type Envelope } from '@codex-k8s/contracts';
import type { Bus } from '@codex-k8s/bus';
import { flowEventById, type Db } from '@codex-k8s/db';
import type { Logger } from '@codex-k8s/runtime';

/** What a dead letter's retry publishes, or why it cannot be retried. */
export type RetryTarget =
  | { readonly ok: true; readonly subject: string; readonly body: string; readonly originalId: string; readonly originalType: string }
  | { readonly ok: false; readonly reason: string };

/**
 * The message a recorded dead letter's retry publishes (pure): its original envelope, exactly as recorded, to the
 * subject that envelope's own type and version map to, and only when the recorded subject is that one. A poison body
 * (not an envelope), an unknown event type or a subject that does not match its type is never republished, so a
 * retry can only ever repeat a well-formed catalog event on its own subject.
 */
export function retryTargetOf(payload: unknown, root: string): RetryTarget {
  const p = (payload && typeof payload === 'object' ? payload : {}) as { original?: unknown; original_subject?: unknown };
  const env = EventEnvelope.safeParse(p.original);
  if (!env.success) return { ok: false, reason: 'the original is not an event envelope (a poison message): nothing to retry' };
  const def = findEvent(env.data.type, env.data.dataschemaversion);
  if (!def) return { ok: false, reason: `the original's type ${env.data.type} v${env.data.dataschemaversion} is not in the event catalog` };
  if (def.type === DeadLetteredV1.type) return { ok: false, reason: 'a dead letter of a dead letter is not retried' };
  const subject = subjectFor(root, def);
  if (p.original_subject !== subject) return { ok: false, reason: `the original was on ${String(p.original_subject)}, not on its type's subject ${subject}` };
  return { ok: true, subject, body: JSON.stringify(p.original), originalId: env.data.id, originalType: env.data.type };
}

export interface RetryDeps {
  readonly db: Db;
  readonly bus: Pick<Bus, 'js' | 'publish' | 'subjectRoot'>;
  readonly log: Logger;
}

/**
 * `bus.dead_letter.retry_requested` (staff console): publishes the recorded original of a dead letter again to its
 * subject, read from flow_events (never from the request), then records `bus.dead_letter.retried`. The republish
 * has a message id of its own (from the request), so the stream's duplicate window never swallows it while a
 * redelivered request publishes it once; the envelope keeps its id, so consumers and flow_events see the same
 * event. A request for something that is not a retriable dead letter is logged and dropped (the console checks first).
 */
export async function handleRetryRequested(deps: RetryDeps, e: Envelope<DeadLetterRetryRequestedData>): Promise<void> {
  const row = await flowEventById(deps.db, e.data.dead_letter_id);
  if (row?.event_type !== DeadLetteredV1.type) {
    deps.log.warn({ request: e.id, deadLetter: e.data.dead_letter_id }, 'retry requested for something that is not a recorded dead letter; ignored');
    return;
  }
  const target = retryTargetOf(row.payload, deps.bus.subjectRoot);
  if (!target.ok) {
    deps.log.warn({ request: e.id, deadLetter: row.event_id, reason: target.reason }, 'dead letter not retried');
    return;
  }
  const ack = await deps.bus.js.publish(target.subject, target.body, { msgID: deterministicId('dead-letter-retry', e.id) });
  await deps.bus.publish(DeadLetterRetriedV1, {
    id: deterministicId(DeadLetterRetriedV1.type, e.id),
    correlationId: row.correlation_id,
    causationId: e.id,
    subject: row.subject,
    data: { dead_letter_id: row.event_id, requested_by: e.data.requested_by, original_subject: target.subject, original_event_id: target.originalId, original_type: target.originalType, stream_seq: ack.seq },
  });
  deps.log.info({ deadLetter: row.event_id, original: target.originalId, by: e.data.requested_by, seq: ack.seq }, 'dead letter retried');
}
