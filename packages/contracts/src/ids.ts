import { createHash } from 'node:crypto';

// A fixed namespace for UUIDv5 event ids (RFC 9562 name-based ids): "codex-k8s.dev/events".
const NAMESPACE = Buffer.from('6f1c2b7e3d9a4f0c8b5e2a1d7c3f9e04', 'hex');

/**
 * A deterministic UUIDv5 from a name. The same cause always yields the same id, so a redelivered input
 * republishes the same `Nats-Msg-Id` and the same `flow_events.event_id`.
 */
export function deterministicId(...parts: readonly (string | number)[]): string {
  const hash = createHash('sha1').update(NAMESPACE).update(parts.join('\u001f')).digest();
  const b = Buffer.from(hash.subarray(0, 16));
  b[6] = ((b[6] as number) & 0x0f) | 0x50;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * The event id of a run's end. run.succeeded, run.failed, run.failed.job_not_found and run.failed.launch_error
 * of one run all use it, whichever service decides, so JetStream and flow_events can only ever record one end.
 */
export function runEndedEventId(runId: string): string {
  return deterministicId('run.finished', runId);
}
