import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AckPolicy, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { ensureConsumer, ensureStream } from '@codex-k8s/bus';
import { requireEnv, uniqueBus } from '../support/env.js';

// A service that gains an input (one filter -> several) must be able to update its existing durable consumer:
// the real server refuses a config holding both filter_subject and filter_subjects.
test('ensureConsumer upgrades a single-filter consumer to several filters, and is a no-op when unchanged', async () => {
  const nc = await connect({ servers: requireEnv('NATS_URL') });
  try {
    const jsm = await jetstreamManager(nc);
    const { BUS_STREAM: stream, BUS_SUBJECT_ROOT: root } = uniqueBus();
    await ensureStream(jsm, { name: stream, subjects: [`${root}.>`], maxAgeMs: 60_000, duplicateWindowMs: 60_000 });
    await jsm.consumers.add(stream, { durable_name: 'svc', ack_policy: AckPolicy.Explicit, filter_subject: `${root}.a.v1` });
    const spec = { durable: 'svc', filterSubjects: [`${root}.a.v1`, `${root}.b.v1`], ackWaitMs: 5_000, maxDeliver: 5, maxAckPending: 100 };
    await ensureConsumer(jsm, stream, spec);
    const after = (await jsm.consumers.info(stream, 'svc')).config;
    assert.deepEqual([...(after.filter_subjects ?? [])].sort(), [`${root}.a.v1`, `${root}.b.v1`]);
    assert.ok(!after.filter_subject, 'the single filter is cleared');
    assert.equal(after.max_deliver, 5);
    const created = (await jsm.consumers.info(stream, 'svc')).created;
    await ensureConsumer(jsm, stream, spec);
    assert.equal((await jsm.consumers.info(stream, 'svc')).created, created);
    await jsm.streams.delete(stream);
  } finally {
    await nc.close();
  }
});
