import type { EventDefinition } from '../define.js';
import { DeadLetteredV1 } from './bus.js';
import { RunCreatedV1, RunNamespacePreparedV1, SlotDeployedV1 } from './run.js';
import { WebhookDuplicateV1, WebhookIgnoredV1, WebhookReceivedV1 } from './webhook.js';

/** Every published event contract; proto/ is generated from this list. */
export const EVENT_CATALOG: readonly EventDefinition[] = [
  WebhookReceivedV1,
  WebhookDuplicateV1,
  WebhookIgnoredV1,
  RunCreatedV1,
  RunNamespacePreparedV1,
  SlotDeployedV1,
  DeadLetteredV1,
];

/** Looks a contract up by type and version. */
export function findEvent(type: string, version: number): EventDefinition | undefined {
  return EVENT_CATALOG.find((e) => e.type === type && e.version === version);
}
