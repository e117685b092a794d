import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deterministicId, runEndedEventId } from './ids.js';

const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('deterministicId is a stable RFC 9562 version-5 UUID', () => {
  const a = deterministicId('webhook', 'delivery-1');
  assert.match(a, UUID_V5);
  assert.equal(deterministicId('webhook', 'delivery-1'), a, 'same cause, same id');
});

test('deterministicId separates parts, so different causes never share an id', () => {
  const ids = [
    deterministicId('webhook', 'delivery-1'),
    deterministicId('webhook', 'delivery-2'),
    deterministicId('webhook-delivery', '1'),
    deterministicId('webhook', 'delivery', '1'),
    deterministicId('webhookdelivery-1'),
    deterministicId('run', 1),
    deterministicId('run', 10),
  ];
  assert.equal(new Set(ids).size, ids.length);
});

test('every end of one run shares one event id; different runs do not', () => {
  assert.equal(runEndedEventId('run-a'), runEndedEventId('run-a'));
  assert.notEqual(runEndedEventId('run-a'), runEndedEventId('run-b'));
  assert.match(runEndedEventId('run-a'), UUID_V5);
});
