import { WebhookDuplicateV1, WebhookReceivedV1, deterministicId } from '@codex-k8s/contracts';
import type { Bus, PublishOptions } from '@codex-k8s/bus';
import { countDuplicate, insertDeliveryIfAbsent, markDeliveryPublished, type Db } from '@codex-k8s/db';
import { normalizeDelivery } from './normalize.js';

export interface AcceptDeps {
  readonly db: Db;
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
 * in about 6.5 s, before GitHub gives up on it (10 s), instead of holding the request and its inbox transaction
 * (a pooled connection) for the bus default's ~15 s. GitHub redelivers a refused delivery.
 */
export const INGRESS_PUBLISH: PublishOptions = { timeoutMs: 3_000, retries: 2 };

/**
 * Stores the delivery in the inbox and publishes `webhook.received`, in one transaction: the row commits only
 * after JetStream acknowledged the event, and a failed publish rolls the row back (the caller answers 5xx and
 * GitHub may redeliver). Concurrent copies of one delivery id wait on the unique key; all but one become
 * `duplicate`, which publishes one `webhook.duplicate` per delivery id (deterministic event id).
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
  return deps.db.transaction().execute(async (trx) => {
    const { inserted, row } = await insertDeliveryIfAbsent(trx, {
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
    if (inserted || row.published_at === null) {
      await deps.publish(WebhookReceivedV1, {
        ...common,
        id: deterministicId(WebhookReceivedV1.type, d.deliveryId),
        data: inserted ? data : { ...data, received_at: row.received_at.toISOString() },
      }, INGRESS_PUBLISH);
      await markDeliveryPublished(trx, d.deliveryId);
      return { status: 'accepted' };
    }
    await countDuplicate(trx, d.deliveryId);
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
  });
}
