import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WebhookDuplicateV1, deterministicId } from '@codex-k8s/contracts';
import { runConsumer, type Bus, type RunningConsumer } from '@codex-k8s/bus';
import { listFlowEventsByType } from '@codex-k8s/db';
import { adminBus } from '../support/bus.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { requireEnv, uniqueBus, uniqueSuffix } from '../support/env.js';
import { eventually } from '../support/github.js';
import { startService, type RunningService } from '../support/services.js';

// T15 + T16: nothing disappears silently. A message a consumer keeps failing on ends, after max_deliver,
// as a bus.dead_lettered flow event; a poison body is terminated at once and recorded the same way.
let tdb: TestDatabase;
let bus: Bus;
let audit: RunningService;
let failing: RunningConsumer | undefined;
const names = uniqueBus();

before(async () => {
  tdb = await freshDatabase();
  // Publishes webhook.duplicate, so it claims the only source the catalog allows for it (credentials: bus-admin).
  bus = await adminBus({ name: 'webhook-ingress', stream: names.BUS_STREAM, subjectRoot: names.BUS_SUBJECT_ROOT });
  audit = await startService('audit-writer', { ...names, NATS_URL: requireEnv('NATS_URL'), DATABASE_URL: tdb.url, BUS_ACK_WAIT_MS: '2000' });
});
after(async () => {
  await failing?.close();
  await audit?.stop();
  await bus?.drain();
  await tdb?.drop();
});

test('a message that exhausts max_deliver becomes a dead-letter flow event with payload and reason', async () => {
  const correlation = `poison-${uniqueSuffix()}`;
  const attempts: number[] = [];
  failing = await runConsumer(bus, {
    durable: 'always-failing-step',
    filterSubject: bus.subjectOf(WebhookDuplicateV1),
    decode: (b) => b,
    handle: async (_v, meta) => {
      attempts.push(meta.deliveryCount);
      throw new Error('downstream keeps failing');
    },
    concurrency: 1,
    ackWaitMs: 2_000,
    maxDeliver: 3,
    backoffMs: [100],
  });
  const id = deterministicId('dead-letter-test', correlation);
  await bus.publish(WebhookDuplicateV1, {
    id,
    correlationId: correlation,
    subject: `delivery/${correlation}`,
    data: { source: 'github', delivery_id: correlation, event_type: 'issues', action: null, first_received_at: new Date().toISOString() },
  });
  const row = await eventually('dead-letter row', async () => {
    const rows = await listFlowEventsByType(tdb.db, 'bus.dead_lettered');
    return rows.find((r) => r.correlation_id === correlation && (r.payload as { consumer: string }).consumer === 'always-failing-step');
  });
  assert.deepEqual(attempts, [1, 2, 3]);
  const p = row.payload as Record<string, unknown>;
  assert.equal(p.reason, 'max_deliveries');
  assert.equal(p.deliveries, 3);
  assert.equal(p.original_event_id, id);
  assert.equal(p.original_type, 'webhook.duplicate');
  assert.equal((p.original as { data: { delivery_id: string } }).data.delivery_id, correlation);
  assert.equal(row.causation_id, id);
  assert.equal(row.actor_id, 'audit-writer');
  await failing.close();
  failing = undefined;
});

test('a poison body is terminated, not retried, and recorded with its raw text', async () => {
  const marker = `not-json-${uniqueSuffix()}`;
  await bus.js.publish(bus.subjectOf(WebhookDuplicateV1), `{${marker}`);
  const row = await eventually('terminated dead-letter row', async () => {
    const rows = await listFlowEventsByType(tdb.db, 'bus.dead_lettered');
    return rows.find((r) => (r.payload as { original: unknown }).original === `{${marker}`);
  });
  const p = row.payload as Record<string, unknown>;
  assert.equal(p.reason, 'terminated');
  assert.equal(p.consumer, 'audit-writer');
  assert.equal(p.deliveries, 1);
  assert.match(String(p.detail), /not JSON/);
  assert.equal(row.correlation_id, `dead-letter/${names.BUS_STREAM}/${p.stream_seq as number}`);
});
