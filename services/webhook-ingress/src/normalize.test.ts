import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { normalizeDelivery } from './normalize.js';

const fixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/issues-labeled.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const receivedAt = new Date('2026-11-24T10:00:00Z');

test('normalizeDelivery extracts repository, issue, label and sender from issues.labeled', () => {
  const d = normalizeDelivery({ deliveryId: 'd-1', eventType: 'issues', payload: fixture, payloadBytes: 123, receivedAt });
  assert.equal(d.delivery_id, 'd-1');
  assert.equal(d.action, 'labeled');
  assert.equal(d.received_at, '2026-11-24T10:00:00.000Z');
  assert.equal(d.repository?.id, 987654321);
  assert.equal(d.repository?.full_name, 'acme/shop');
  assert.equal(d.issue?.number, 42);
  assert.equal(d.issue?.is_pull_request, false);
  assert.equal(d.label, 'run:dev');
  assert.equal(d.sender?.login, 'alice');
  assert.equal(d.payload_bytes, 123);
});

test('normalizeDelivery records null for parts that are missing or malformed', () => {
  const d = normalizeDelivery({
    deliveryId: 'd-2',
    eventType: 'ping',
    payload: { zen: 'Keep it logically awesome.', repository: { id: 'not-a-number' }, issue: { number: -1 }, sender: null },
    payloadBytes: 10,
    receivedAt,
  });
  assert.equal(d.action, null);
  assert.equal(d.repository, null);
  assert.equal(d.issue, null);
  assert.equal(d.sender, null);
  assert.equal(d.label, null);
  assert.equal(d.installation_id, null);
});

test('a pull request issue is marked as such', () => {
  const payload = { ...fixture, issue: { ...(fixture.issue as object), pull_request: { url: 'x' } } };
  const d = normalizeDelivery({ deliveryId: 'd-3', eventType: 'issues', payload, payloadBytes: 1, receivedAt });
  assert.equal(d.issue?.is_pull_request, true);
});
