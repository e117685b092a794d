import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WebhookDeliveryRow } from '@codex-k8s/db';
import { TerminalError } from '@codex-k8s/runtime';
import { endsAsPlanningFailed, inboxMismatch, storableDetail } from './plan.js';

const d = { delivery_id: 'd-1', event_type: 'issues', action: 'labeled', payload_bytes: 692 };
const row = { delivery_id: 'd-1', event_type: 'issues', action: 'labeled', payload_bytes: 692 } as WebhookDeliveryRow;

test('a webhook.received is obeyed only with the inbox row of the same signed delivery', () => {
  assert.equal(inboxMismatch(d, 'd-1', row), undefined);
  assert.match(inboxMismatch(d, 'd-1', undefined) ?? '', /no inbox row for delivery d-1: not a signed delivery the ingress accepted/);
  assert.match(inboxMismatch(d, 'other', row) ?? '', /correlation id other is not the delivery id d-1/);
  assert.match(inboxMismatch({ ...d, action: 'closed' }, 'd-1', row) ?? '', /differs from its inbox row/);
  assert.match(inboxMismatch({ ...d, payload_bytes: 10 }, 'd-1', row) ?? '', /differs from its inbox row/);
});

test('a planning failure is retried until the last delivery, then recorded as planning_failed', () => {
  assert.equal(endsAsPlanningFailed(new Error('connection refused'), { lastDelivery: false }), false);
  assert.equal(endsAsPlanningFailed(new Error('connection refused'), { lastDelivery: true }), true);
  assert.equal(endsAsPlanningFailed(new TerminalError('permanent'), { lastDelivery: false }), true);
});

test('the error detail is bounded and storable in jsonb', () => {
  assert.equal(storableDetail('relation "users" does not exist'), 'relation "users" does not exist');
  assert.equal(storableDetail('a\u0000b\ud800c\udc00d \ud83d\ude80'), 'a\ufffdb\ufffdc\ufffdd \ud83d\ude80');
  assert.equal(storableDetail('x'.repeat(5000)).length, 2048);
});
