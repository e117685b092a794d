import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retryTargetOf } from './retry.js';

const original = {
  specversion: '1.0',
  id: '5d9c2f0e-1b2a-5c3d-8e4f-0a1b2c3d4e5f',
  type: 'webhook.duplicate',
  source: 'webhook-ingress',
  time: '2026-11-24T10:00:00.000Z',
  subject: 'delivery/d-1',
  correlationid: 'd-1',
  dataschemaversion: 1,
  data: { x: 1 },
};

test('a recorded envelope is republished as recorded, to its own type\'s subject', () => {
  const t = retryTargetOf({ original, original_subject: 'platform.webhook.duplicate.v1' }, 'platform');
  assert.ok(t.ok);
  assert.deepEqual([t.subject, t.originalId, t.originalType, JSON.parse(t.body)], ['platform.webhook.duplicate.v1', original.id, 'webhook.duplicate', original]);
});

test('poison, unknown types, dead letters of dead letters and mismatched subjects are never republished', () => {
  const refused = (payload: unknown, why: RegExp): void => {
    const t = retryTargetOf(payload, 'platform');
    assert.ok(!t.ok && why.test(t.reason), JSON.stringify(t));
  };
  refused({ original: '{not-json', original_subject: 'platform.webhook.duplicate.v1' }, /poison/);
  refused({ original: { ...original, type: 'made.up' }, original_subject: 'platform.made.up.v1' }, /not in the event catalog/);
  refused({ original: { ...original, type: 'bus.dead_lettered' }, original_subject: 'platform.bus.dead_lettered.v1' }, /dead letter of a dead letter/);
  // A recorded original whose subject was another type's: never published anywhere but its own.
  refused({ original, original_subject: 'platform.run.succeeded.v1' }, /not on its type's subject/);
  // Another root (another platform's stream) is not this one's subject either.
  assert.ok(!retryTargetOf({ original, original_subject: 'platform.webhook.duplicate.v1' }, 'staging').ok);
  refused(null, /poison/);
});
