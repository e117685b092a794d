import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WebhookDuplicateV1, deterministicId } from '@codex-k8s/contracts';
import type { Bus } from '@codex-k8s/bus';
import { startPostgres, stopPostgres, type PostgresHandle } from '@codex-k8s/stack';
import { adminBus } from '../support/bus.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { requireEnv, uniqueBus, uniqueSuffix } from '../support/env.js';
import { eventually } from '../support/github.js';
import { startService, type RunningService } from '../support/services.js';

// T10 + T14: audit-writer SIGKILLed mid-stream, then Postgres stopped while events keep coming.
// Postgres here is a dedicated real server so stopping it does not disturb parallel tests.
const TOTAL = 300;
let pgDir: string;
let pgH: PostgresHandle;
let tdb: TestDatabase;
let bus: Bus;
const names = uniqueBus();
const running: RunningService[] = [];

before(async () => {
  pgDir = mkdtempSync(join(tmpdir(), 'codex-k8s-pg-'));
  pgH = await startPostgres({ stateDir: pgDir });
  tdb = await freshDatabase(pgH.url);
  // Publishes webhook.duplicate, so it claims the only source the catalog allows for it (credentials: bus-admin).
  bus = await adminBus({ name: 'webhook-ingress', stream: names.BUS_STREAM, subjectRoot: names.BUS_SUBJECT_ROOT });
});
after(async () => {
  await Promise.all(running.map((s) => s.kill()));
  await bus?.drain();
  await tdb?.db.destroy();
  if (pgH) await stopPostgres(pgH.pid);
});

test('every published event lands in flow_events exactly once across a crash and a Postgres outage', async () => {
  const env = { ...names, NATS_URL: requireEnv('NATS_URL'), DATABASE_URL: tdb.url, BUS_ACK_WAIT_MS: '2000' };
  const correlation = `recovery-${uniqueSuffix()}`;
  const ids: string[] = [];
  const publish = async (i: number): Promise<void> => {
    const id = deterministicId('recovery-test', correlation, i);
    ids.push(id);
    await bus.publish(WebhookDuplicateV1, {
      id,
      correlationId: correlation,
      subject: `delivery/${correlation}-${i}`,
      data: { source: 'github', delivery_id: `${correlation}-${i}`, event_type: 'issues', action: 'labeled', first_received_at: new Date().toISOString() },
    });
  };
  const count = async (): Promise<number> =>
    Number((await tdb.db.selectFrom('flow_events').select((eb) => eb.fn.countAll<string>().as('n')).where('correlation_id', '=', correlation).executeTakeFirstOrThrow()).n);

  const first = await startService('audit-writer', env);
  running.push(first);
  for (let i = 0; i < 100; i++) await publish(i);
  await first.kill(); // mid-stream: whatever it had pulled but not acked is redelivered after ack_wait
  const recordedAtCrash = await count();

  for (let i = 100; i < 150; i++) await publish(i);
  const second = await startService('audit-writer', env);
  running.push(second);
  await stopPostgres(pgH.pid); // outage while the writer runs and events keep arriving
  for (let i = 150; i < TOTAL; i++) await publish(i);
  await new Promise((r) => setTimeout(r, 3_000));
  pgH = await startPostgres({ stateDir: pgDir, port: pgH.port });

  await eventually(`all ${TOTAL} events recorded`, async () => ((await count()) === TOTAL ? true : undefined), 60_000);
  await new Promise((r) => setTimeout(r, 1_000));
  const rows = await tdb.db.selectFrom('flow_events').select(['event_id']).where('correlation_id', '=', correlation).execute();
  assert.equal(rows.length, TOTAL, 'no duplicates after catching up');
  assert.deepEqual(new Set(rows.map((r) => r.event_id)), new Set(ids), 'exactly the published ids');
  const info = await bus.jsm.consumers.info(names.BUS_STREAM, 'audit-writer');
  assert.equal(info.num_pending, 0);
  assert.equal(info.num_ack_pending, 0);
  // The outage was really hit: the running writer's batches failed and were handed back (its own metric), unless the
  // crash already left events to redeliver. A batched writer often records all 100 before the kill.
  const metrics = await (await fetch(`http://127.0.0.1:${second.healthPort}/metrics`)).text();
  const retried = Number(/^codexk8s_bus_messages_total\{consumer="audit-writer",outcome="retry"\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
  assert.ok(retried > 0 || info.num_redelivered > 0 || recordedAtCrash < 100, 'the faults were really hit (failed batches handed back, or redeliveries)');
  console.log(`recorded at crash: ${recordedAtCrash}/100; handed back during the outage: ${retried}; redelivered: ${info.num_redelivered}`);
});
