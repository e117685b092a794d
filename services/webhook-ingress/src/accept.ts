import { WebhookDuplicateV1, WebhookReceivedV1, deterministicId } from '@codex-k8s/contracts';
import type { Bus, PublishOptions } from '@codex-k8s/bus';
import type { Inbox } from './inbox.js';
import { normalizeDelivery } from './normalize.js';

export interface AcceptDeps {
  readonly inbox: Inbox;
  readonly publish: Bus['publish'];
}

export interface Delivery {
  readonly deliveryId: string;
  readonly eventType: string;
  readonly payload: Record<string, unknown>;
  readonly rawBody: Buffer;
  readonly receivedAt: Date;
}

export type AcceptResult = { readonly status: 'accepted' | 'duplicate' };

/**
 * The publish budget of a delivery: two attempts of 3 s, so a bus that does not answer ends the request with 503
 * in about 6.5 s, before GitHub gives up on it (10 s), instead of holding the request for the bus default's ~15 s.
 * GitHub redelivers a refused delivery.
 */
export const INGRESS_PUBLISH: PublishOptions = { timeoutMs: 3_000, retries: 2 };

/**
 * Stores the delivery in the inbox, publishes `webhook.received`, records it as published, and only then lets the
 * caller answer 202. Two round trips to Postgres, no transaction, and no pooled connection held during the publish:
 *
 *   1. `record`: one autocommitted INSERT ... ON CONFLICT DO UPDATE ... RETURNING. A new id stores the row (the
 *      exact signed bytes); a known id counts one more copy and returns the stored row.
 *   2. publish `webhook.received` (deterministic event id = `Nats-Msg-Id`) and wait for JetStream's ack.
 *   3. `markPublished`: sets `published_at` where it is still null, in one UPDATE shared with the concurrent
 *      requests (inbox.ts batchMarks). Exactly one copy of a delivery id sets it: that one is `accepted`.
 *   Every other copy is `duplicate`: it publishes one `webhook.duplicate` (deterministic id) and answers 200.
 *
 * Why the contract holds ("stored and published before the 2xx; a repeated id gets 200 duplicate and one
 * webhook.duplicate, never a second run; a failed publish is 503 and nothing is recorded as published"):
 * - The row commits before the event exists, so the planner (which acts only on a `webhook.received` whose
 *   signed delivery is in the inbox) never sees an event without its row.
 * - A 2xx (either) is sent only after step 3 committed, i.e. after the row is stored and the ack arrived.
 * - A copy that finds the row with `published_at` null (another copy is publishing right now, or an earlier one
 *   failed or died) does not answer before it has published `webhook.received` itself (same event id: JetStream
 *   keeps one message within its duplicate window) and a mark committed. So a 200 `duplicate` is never sent for a
 *   delivery whose event may be missing, and if the first copy then fails, the delivery is not lost.
 * - The event id is the same for every copy and retry, and the planner makes one run per delivery id, so a
 *   republished `webhook.received` (after the duplicate window) can never start a second run.
 * - A failed publish throws before step 3: the caller answers 503 and `published_at` stays null. (A publish
 *   whose ack was lost may still have stored the event: that is the "between 2 and 3" case below, one run.)
 *
 * The process dying between two steps (GitHub gets no 2xx and may redeliver):
 * - before 1 commits: nothing stored; a redelivery is a new delivery.
 * - between 1 and 2: the row is stored, `published_at` null, no event: nothing acts on it. A redelivery finds the
 *   row unpublished, publishes, wins the mark and is answered 202 `accepted`.
 * - between 2 and 3: row and event both exist, so the planner plans the run once; a redelivery publishes the same
 *   event id again (deduplicated, or at worst a second message that the planner's one-run-per-delivery absorbs),
 *   marks the row and is answered 202.
 * - between 3 and the answer: everything is recorded; a redelivery is a 200 `duplicate`.
 * During a bus outage the row stays stored and unpublished (503 after the publish budget); during a database
 * outage step 1 (or 3) fails within the pool's connect timeout (503).
 * @throws UnstorablePayloadError (before touching the database) when a field it would store cannot be stored.
 */
export async function acceptDelivery(deps: AcceptDeps, d: Delivery): Promise<AcceptResult> {
  const data = normalizeDelivery({
    deliveryId: d.deliveryId,
    eventType: d.eventType,
    payload: d.payload,
    payloadBytes: d.rawBody.length,
    receivedAt: d.receivedAt,
  });
  const { inserted, row } = await deps.inbox.record({
    delivery_id: d.deliveryId,
    event_type: d.eventType,
    action: data.action,
    repository_full_name: data.repository?.full_name ?? null,
    // The exact signed bytes, not their UTF-8 decoding (which would replace invalid sequences).
    body: d.rawBody,
    payload_bytes: d.rawBody.length,
    received_at: d.receivedAt,
  });
  const common = { correlationId: d.deliveryId, causationId: d.deliveryId, subject: `delivery/${d.deliveryId}` };
  if (row.published_at === null) {
    await deps.publish(WebhookReceivedV1, {
      ...common,
      id: deterministicId(WebhookReceivedV1.type, d.deliveryId),
      data: inserted ? data : { ...data, received_at: row.received_at.toISOString() },
    }, INGRESS_PUBLISH);
    if (await deps.inbox.markPublished(d.deliveryId)) return { status: 'accepted' };
    // Another copy recorded the publication first: it is the accepted one, this one is a duplicate.
  }
  await deps.publish(WebhookDuplicateV1, {
    ...common,
    id: deterministicId(WebhookDuplicateV1.type, d.deliveryId),
    data: {
      source: 'github',
      delivery_id: d.deliveryId,
      event_type: row.event_type,
      action: row.action,
      first_received_at: row.received_at.toISOString(),
    },
  }, INGRESS_PUBLISH);
  return { status: 'duplicate' };
}
