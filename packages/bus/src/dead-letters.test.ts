import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deadLetterFrom } from './dead-letters.js';

const adv = (type: string, reason?: string) => ({
  type,
  stream: 'PLATFORM',
  consumer: 'planner',
  stream_seq: 17,
  deliveries: 8,
  ...(reason ? { reason } : {}),
});

test('a max_deliver advisory with a JSON envelope keeps the original and its id and type', () => {
  const original = { id: '5d9c2f0e-1b2a-5c3d-8e4f-0a1b2c3d4e5f', type: 'webhook.received', correlationid: 'd-1', data: { a: 1 } };
  const dl = deadLetterFrom(adv('io.nats.jetstream.advisory.v1.max_deliver'), {
    subject: 'platform.webhook.received.v1',
    data: Buffer.from(JSON.stringify(original)),
  });
  assert.equal(dl.reason, 'max_deliveries');
  assert.equal(dl.deliveries, 8);
  assert.equal(dl.stream_seq, 17);
  assert.equal(dl.original_subject, 'platform.webhook.received.v1');
  assert.equal(dl.original_event_id, original.id);
  assert.equal(dl.original_type, 'webhook.received');
  assert.deepEqual(dl.original, original);
  assert.equal(dl.detail, null);
});

test('a terminated poison body is kept as raw text with the term reason', () => {
  const dl = deadLetterFrom(adv('io.nats.jetstream.advisory.v1.terminated', 'message body is not JSON'), {
    subject: 'platform.webhook.received.v1',
    data: Buffer.from('{not json'),
  });
  assert.equal(dl.reason, 'terminated');
  assert.equal(dl.detail, 'message body is not JSON');
  assert.equal(dl.original, '{not json');
  assert.equal(dl.original_event_id, null);
});

test('a message already gone from the stream still yields a dead letter', () => {
  const dl = deadLetterFrom(adv('io.nats.jetstream.advisory.v1.max_deliver'), null);
  assert.equal(dl.original, null);
  assert.equal(dl.original_subject, null);
});
