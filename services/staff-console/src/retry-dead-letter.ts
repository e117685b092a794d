import { DeadLetterParam, DeadLetterRetriedV1, DeadLetterRetryRequestedV1, deterministicId } from '@codex-k8s/contracts';
import { getDeadLetter } from '@codex-k8s/db';
import { randomUUID } from 'node:crypto';
import type { Access } from './access.js';
import { awaitRecorded } from './await-event.js';
import { ok, parse, refused, type Answer, type ConsoleDeps } from './deps.js';

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * `POST /api/v1/staff/dead-letters/{id}/retry` (platform admins): asks audit-writer to publish the dead letter's
 * recorded original to its subject again (bus.dead_letter.retry_requested) and answers once `bus.dead_letter.retried`
 * is recorded (`retried`), or `pending` (202). A dead letter without a retriable original (a poison body, the message
 * gone from the stream) is refused with 409 and nothing is published.
 */
export async function handleRetryDeadLetter(deps: ConsoleDeps, access: Access, params: unknown): Promise<Answer> {
  const p = parse(DeadLetterParam, params);
  if (!p.ok) return p.answer;
  if (!access.platformAdmin) return refused(403, 'only platform admins may retry dead letters');
  const row = await getDeadLetter(deps.db, p.value.id);
  if (!row) return refused(404, 'no such dead letter');
  const payload = (row.payload ?? {}) as Record<string, unknown>;
  const original = payload.original;
  const subject = text(payload.original_subject);
  if (!subject || !original || typeof original !== 'object') return refused(409, 'the dead letter holds no event to publish again (a poison body, or the message was gone from the stream)');
  const requestId = randomUUID();
  await deps.bus.publish(DeadLetterRetryRequestedV1, {
    id: requestId,
    correlationId: row.correlation_id,
    causationId: row.event_id,
    subject: row.subject,
    data: { dead_letter_id: row.event_id, requested_by: access.login },
  });
  deps.log.info({ deadLetter: row.event_id, by: access.login }, 'dead letter retry requested');
  const done = await awaitRecorded(deps.db, deterministicId(DeadLetterRetriedV1.type, requestId), deps.actionWaitMs);
  return ok({ request_id: requestId, outcome: done ? 'retried' : 'pending', original_subject: subject, original_event_id: text(payload.original_event_id) }, done ? 200 : 202);
}
