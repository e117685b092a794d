import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventEnvelope } from '@codex-k8s/contracts';
import { isPermanentDbError, toFlowEventRow } from './record.js';

const env: EventEnvelope = {
  specversion: '1.0',
  id: '5d9c2f0e-1b2a-5c3d-8e4f-0a1b2c3d4e5f',
  type: 'webhook.received',
  source: 'webhook-ingress',
  time: '2026-11-24T10:00:00.000Z',
  subject: 'delivery/d-1',
  correlationid: 'd-1',
  dataschemaversion: 1,
  data: { x: 1 },
};

test('toFlowEventRow maps the envelope one to one', () => {
  const row = toFlowEventRow(env, 42);
  assert.equal(row.event_id, env.id);
  assert.equal(row.correlation_id, 'd-1');
  assert.equal(row.causation_id, null);
  assert.equal(row.actor_type, 'system');
  assert.equal(row.actor_id, 'webhook-ingress');
  assert.equal(row.event_type, 'webhook.received');
  assert.equal(row.schema_version, 1);
  assert.equal(row.stream_seq, 42);
  assert.deepEqual(JSON.parse(row.payload as string), { x: 1 });
  assert.equal(toFlowEventRow({ ...env, source: 'agent-runner', causationid: 'c' }, 1).actor_type, 'agent');
  assert.equal(toFlowEventRow({ ...env, source: 'agent-runner', causationid: 'c' }, 1).causation_id, 'c');
});

test('isPermanentDbError: data and integrity errors are permanent, outages are not', () => {
  assert.equal(isPermanentDbError({ code: '22P05' }), true, 'unsupported unicode escape in jsonb');
  assert.equal(isPermanentDbError({ code: '23514' }), true, 'check violation');
  assert.equal(isPermanentDbError({ code: '57P01' }), false, 'admin shutdown');
  assert.equal(isPermanentDbError({ code: '08006' }), false, 'connection failure');
  assert.equal(isPermanentDbError(new Error('ECONNREFUSED')), false);
});
