import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EVENT_CATALOG, SERVICE_NAMES, RunCreatedV1, WebhookReceivedV1 } from '@codex-k8s/contracts';
import { checkConsumes } from './event-consumer.js';

test('a service may consume exactly the events the catalog lists it under consumedBy', () => {
  assert.doesNotThrow(() => checkConsumes('planner', WebhookReceivedV1));
  assert.throws(() => checkConsumes('planner', RunCreatedV1), /planner consumes run\.created v1, but the event catalog does not list it in consumedBy/);
  for (const s of SERVICE_NAMES) {
    for (const d of EVENT_CATALOG) {
      if (d.consumedBy.includes(s)) assert.doesNotThrow(() => checkConsumes(s, d));
      else assert.throws(() => checkConsumes(s, d));
    }
  }
});
