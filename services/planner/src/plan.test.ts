import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WebhookDeliveryRow } from '@codex-k8s/db';
import { inboxMismatch } from './plan.js';

const d = { delivery_id: 'd-1', event_type: 'issues', action: 'labeled', payload_bytes: 692 };
const row = { delivery_id: 'd-1', event_type: 'issues', action: 'labeled', payload_bytes: 692 } as WebhookDeliveryRow;

test('a webhook.received is obeyed only with the inbox row of the same signed delivery', () => {
  assert.equal(inboxMismatch(d, 'd-1', row), undefined);
  assert.match(inboxMismatch(d, 'd-1', undefined) ?? '', /no inbox row for delivery d-1: not a signed delivery the ingress accepted/);
  assert.match(inboxMismatch(d, 'other', row) ?? '', /correlation id other is not the delivery id d-1/);
  assert.match(inboxMismatch({ ...d, action: 'closed' }, 'd-1', row) ?? '', /differs from its inbox row/);
  assert.match(inboxMismatch({ ...d, payload_bytes: 10 }, 'd-1', row) ?? '', /differs from its inbox row/);
});
