import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventEnvelope } from '@codex-k8s/contracts';
import type { NewFlowEventRow } from '@codex-k8s/db';
import { TerminalError } from '@codex-k8s/runtime';
import { isPermanentDbError, recordBatch, toFlowEventRow, type FlowEventWriter, type RecordItem } from './record.js';

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
  const byAgent = toFlowEventRow({ ...env, source: 'agent-gateway', subject: 'run/r-1', causationid: 'c' }, 1);
  assert.equal(byAgent.actor_type, 'agent', 'what the agent reports through agent-gateway is its own act');
  assert.equal(byAgent.actor_id, 'run/r-1', 'the agent is named by its run');
  assert.equal(byAgent.causation_id, 'c');
  assert.equal(toFlowEventRow({ ...env, source: 'agent-launcher' }, 1).actor_type, 'system', 'the token events are the platform\'s');
});

test('a staff action is recorded as the staff member\'s act: the request and what carried it out', () => {
  for (const [type, source] of [['run.cancel_requested', 'staff-console'], ['run.canceled', 'agent-launcher'], ['run.namespace.delete_requested', 'staff-console'], ['run.namespace.delete_by_staff', 'namespace-provisioner']] as const) {
    const row = toFlowEventRow({ ...env, type, source, data: { requested_by: 'alice' } }, 1);
    assert.deepEqual([row.actor_type, row.actor_id], ['human', 'alice'], type);
  }
  // Another type carrying the field, or a login that is not one, stays the service's act.
  assert.deepEqual(Object.values((({ actor_type, actor_id }) => ({ actor_type, actor_id }))(toFlowEventRow({ ...env, data: { requested_by: 'alice' } }, 1))), ['system', 'webhook-ingress']);
  assert.equal(toFlowEventRow({ ...env, type: 'run.canceled', source: 'agent-launcher', data: { requested_by: 'Not A Login!' } }, 1).actor_type, 'system');
});

test('isPermanentDbError: data and integrity errors are permanent, outages are not', () => {
  assert.equal(isPermanentDbError({ code: '22P05' }), true, 'unsupported unicode escape in jsonb');
  assert.equal(isPermanentDbError({ code: '23514' }), true, 'check violation');
  assert.equal(isPermanentDbError({ code: '57P01' }), false, 'admin shutdown');
  assert.equal(isPermanentDbError({ code: '08006' }), false, 'connection failure');
  assert.equal(isPermanentDbError(new Error('ECONNREFUSED')), false);
});

/** A writer that records what it was asked and fails as told. */
function fakeWriter(opts: { many?: unknown; one?: (row: NewFlowEventRow) => unknown } = {}): FlowEventWriter & { many: NewFlowEventRow[][]; ones: NewFlowEventRow[] } {
  const many: NewFlowEventRow[][] = [];
  const ones: NewFlowEventRow[] = [];
  return {
    many,
    ones,
    insertMany: async (rows) => {
      many.push([...rows]);
      if (opts.many) throw opts.many;
      return rows.length;
    },
    insertOne: async (row) => {
      ones.push(row);
      const err = opts.one?.(row);
      if (err) throw err;
      return true;
    },
  };
}
const item = (id: string, seq: number, data: unknown = { seq }): RecordItem => ({ env: { ...env, id, data }, streamSeq: seq });
const ID = (n: number): string => `00000000-0000-5000-8000-${String(n).padStart(12, '0')}`;

test('recordBatch: one INSERT for the batch, rows in stream order, a repeated id written once (its first message)', async () => {
  const w = fakeWriter();
  const out = await recordBatch(w, [item(ID(3), 30), item(ID(1), 10), item(ID(2), 20), item(ID(1), 40, { again: true })]);
  assert.deepEqual(out, [undefined, undefined, undefined, undefined], 'every message acked, the repeat too');
  assert.equal(w.many.length, 1);
  assert.equal(w.ones.length, 0);
  assert.deepEqual(w.many[0]?.map((r) => [r.event_id, r.stream_seq]), [[ID(1), 10], [ID(2), 20], [ID(3), 30]]);
});

test('recordBatch: a transient error fails the whole batch (nothing acked, all retried)', async () => {
  const w = fakeWriter({ many: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
  await assert.rejects(recordBatch(w, [item(ID(1), 1), item(ID(2), 2)]), /ECONNREFUSED/);
  assert.equal(w.ones.length, 0, 'no row-by-row pass during an outage');
  const shutdown = fakeWriter({ many: Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }) });
  await assert.rejects(recordBatch(shutdown, [item(ID(1), 1)]));
});

test('recordBatch: a row the table rejects is terminated alone; the rest of the batch is written', async () => {
  const bad = Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' });
  const w = fakeWriter({ many: bad, one: (row) => (row.event_id === ID(2) ? bad : undefined) });
  const out = await recordBatch(w, [item(ID(1), 1), item(ID(2), 2), item(ID(3), 3)]);
  assert.equal(out[0], undefined);
  assert.ok(out[1] instanceof TerminalError && /rejected the event/.test(out[1].message));
  assert.equal(out[2], undefined);
  assert.deepEqual(w.ones.map((r) => r.event_id), [ID(1), ID(2), ID(3)]);
});

test('recordBatch: in the row-by-row pass a transient error is retried for that message only', async () => {
  const bad = Object.assign(new Error('check violation'), { code: '23514' });
  const down = Object.assign(new Error('connection terminated'), { code: '08006' });
  const w = fakeWriter({ many: bad, one: (row) => (row.event_id === ID(1) ? bad : row.event_id === ID(2) ? down : undefined) });
  const out = await recordBatch(w, [item(ID(1), 1), item(ID(2), 2), item(ID(3), 3)]);
  assert.ok(out[0] instanceof TerminalError);
  assert.equal(out[1], down);
  assert.equal(out[2], undefined);
});

test('recordBatch: an empty batch writes nothing', async () => {
  const w = fakeWriter();
  assert.deepEqual(await recordBatch(w, []), []);
  assert.equal(w.many.length, 1);
  assert.equal(w.many[0]?.length, 0);
});
