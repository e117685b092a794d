import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { ensureConsumer, ensureStream } from '@codex-k8s/bus';
import { connectAs } from '../support/bus.js';
import { uniqueBus } from '../support/env.js';

// Bus permissions pin a consumer's one filter in its create subject, so every consumer is kept at exactly one
// filter_subject: one created earlier with filter_subjects (the former multi-input durables) is rewritten.
test('ensureConsumer rewrites a filter_subjects consumer to a single filter_subject, and is a no-op when unchanged', async () => {
  const nc = await connectAs();
  try {
    const jsm = await jetstreamManager(nc);
    const { BUS_STREAM: stream, BUS_SUBJECT_ROOT: root } = uniqueBus();
    await ensureStream(jsm, { name: stream, subjects: [`${root}.>`], maxAgeMs: 60_000, duplicateWindowMs: 60_000 });
    await jsm.consumers.add(stream, { durable_name: 'svc', ack_policy: AckPolicy.Explicit, filter_subjects: [`${root}.a.v1`, `${root}.b.v1`] });
    const spec = { durable: 'svc', filterSubject: `${root}.a.v1`, ackWaitMs: 5_000, maxDeliver: 5, maxAckPending: 100 };
    await ensureConsumer(jsm, stream, spec);
    const after = (await jsm.consumers.info(stream, 'svc')).config;
    assert.equal(after.filter_subject, `${root}.a.v1`);
    assert.ok(!after.filter_subjects?.length, 'the filter list is cleared');
    assert.equal(after.max_deliver, 5);
    const created = (await jsm.consumers.info(stream, 'svc')).created;
    await ensureConsumer(jsm, stream, spec);
    assert.equal((await jsm.consumers.info(stream, 'svc')).created, created);
    // The dead-letter capture reads its whole stream: its former two-filter consumer loses the filters.
    await jsm.consumers.add(stream, { durable_name: 'whole', ack_policy: AckPolicy.Explicit, filter_subjects: [`${root}.a.v1`, `${root}.b.v1`] });
    await ensureConsumer(jsm, stream, { ...spec, durable: 'whole', filterSubject: undefined });
    const whole = (await jsm.consumers.info(stream, 'whole')).config;
    assert.ok(!whole.filter_subject && !whole.filter_subjects?.length, 'no filter: the whole stream');
    await jsm.streams.delete(stream);
  } finally {
    await nc.close();
  }
});

// Upgrading from one multi-input durable per service to one durable per input must not replay the stream.
test('a consumer that replaces a former durable starts after that durable\'s ack floor', async () => {
  const nc = await connectAs();
  try {
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    const { BUS_STREAM: stream, BUS_SUBJECT_ROOT: root } = uniqueBus();
    await ensureStream(jsm, { name: stream, subjects: [`${root}.>`], maxAgeMs: 60_000, duplicateWindowMs: 60_000 });
    for (let i = 0; i < 3; i++) await js.publish(`${root}.a.v1`, `m${i}`);
    await jsm.consumers.add(stream, { durable_name: 'svc', ack_policy: AckPolicy.Explicit, filter_subjects: [`${root}.a.v1`, `${root}.b.v1`] });
    const old = await js.consumers.get(stream, 'svc');
    for (let i = 0; i < 2; i++) await (await old.next())?.ackAck();
    await ensureConsumer(jsm, stream, { durable: 'svc--a-v1', filterSubject: `${root}.a.v1`, ackWaitMs: 5_000, maxDeliver: 5, maxAckPending: 100, replaces: 'svc' });
    assert.equal((await jsm.consumers.info(stream, 'svc--a-v1')).num_pending, 1, 'only the message the former durable had not acked');
    await ensureConsumer(jsm, stream, { durable: 'fresh', filterSubject: `${root}.a.v1`, ackWaitMs: 5_000, maxDeliver: 5, maxAckPending: 100, replaces: 'nobody' });
    assert.equal((await jsm.consumers.info(stream, 'fresh')).num_pending, 3, 'no former durable: from the start');
    await jsm.streams.delete(stream);
  } finally {
    await nc.close();
  }
});
