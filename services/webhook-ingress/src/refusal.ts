import { z } from 'zod';
import { UnstorablePayloadError } from './normalize.js';

/** How a delivery that was not accepted is answered, and its `codexk8s_webhook_requests_total` result. */
export interface Refusal {
  readonly status: number;
  readonly reason: string;
  readonly result: string;
}

/**
 * Maps a failure to store or publish a signed delivery to its answer (pure). Only a failure a retry can fix (the
 * database or the bus unavailable) is 503 "retry later"; a delivery that can never be stored is 422 with the
 * reason, since GitHub (or an operator redelivering it) would only get the same answer again.
 */
export function refusalFor(err: unknown): Refusal {
  if (err instanceof UnstorablePayloadError) return { status: 422, reason: err.message, result: 'rejected_unstorable' };
  // The normalised data refused by the contract when publishing: normalize.ts uses the same bounds, so this is a
  // disagreement between the two, permanent for this payload.
  if (err instanceof z.ZodError || (err as { name?: unknown } | null)?.name === 'ZodError') {
    return { status: 422, reason: 'the payload does not fit the webhook.received contract', result: 'rejected_unstorable' };
  }
  // Postgres class 22 (data exception: a value out of range, invalid text): the same row would fail again.
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code)) {
    return { status: 422, reason: `the delivery cannot be stored (Postgres ${code})`, result: 'rejected_unstorable' };
  }
  return { status: 503, reason: 'delivery not accepted (the database or the bus is unavailable); retry later', result: 'error' };
}
