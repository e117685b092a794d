import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { WebhookReceivedV1, deterministicId, subjectFor, type EventEnvelope } from '@codex-k8s/contracts';
import { createDb, lastFlowEventId, migrateToLatest, type NewFlowEventRow } from '@codex-k8s/db';
import { stackEnv, startServiceProcess, stopStack } from '@codex-k8s/stack';
import { connectBenchAdmin, median, startBenchStack } from './support.js';

// `node scripts/bootstrap.mjs bench/audit-drain.ts [-- --events 50000]`: prints figures; asserts nothing.
// Publishes N webhook.received events into a fresh stream, then starts audit-writer on the backlog and reports the
// rows/s it drains at, beside the floor measured in the same run: a bare loop of 500-row INSERTs into flow_events.
const { values: a } = parseArgs({ options: { events: { type: 'string', default: '50000' }, 'floor-rows': { type: 'string', default: '50000' } } });
const events = Number(a.events);
const floorRows = Number(a['floor-rows']);
const name = 'bench-audit';
const run = Date.now().toString(36);
const bus = { BUS_STREAM: `BENCHAUDIT_${run.toUpperCase()}`, BUS_SUBJECT_ROOT: `benchaudit${run}` };

/** One realistic webhook.received envelope (the size of a labeled-issue delivery's normalised facts). */
function envelope(i: number): EventEnvelope {
  const delivery = `${run}-${i}`;
  return {
    specversion: '1.0',
    id: deterministicId('bench-audit', run, i),
    type: WebhookReceivedV1.type,
    source: 'webhook-ingress',
    time: new Date().toISOString(),
    subject: `delivery/${delivery}`,
    correlationid: delivery,
    dataschemaversion: WebhookReceivedV1.version,
    data: {
      source: 'github',
      delivery_id: delivery,
      event_type: 'issues',
      action: 'labeled',
      received_at: new Date().toISOString(),
      sender: { id: 1001, login: 'octocat' },
      repository: { id: 2002, full_name: 'acme/shop', name: 'shop', clone_url: 'https://github.com/acme/shop.git', private: false, fork: false },
      installation_id: null,
      issue: { id: 3003, number: 42, title: 'Add a checkout page', html_url: 'https://github.com/acme/shop/issues/42', state: 'open', labels: ['run:dev'], user: 'octocat', is_pull_request: false },
      label: 'run:dev',
      payload_bytes: 9000,
    },
  };
}

const stack = await startBenchStack(name, { with: ['postgres', 'nats'] });
const env: Record<string, string> = { ...stackEnv(stack), ...bus, LOG_LEVEL: 'warn' };
const admin = await connectBenchAdmin(env, bus);
const db = createDb(env.DATABASE_URL ?? '');
try {
  await migrateToLatest(db);
  // flow_events is append-only: a reused stack keeps older rows, so everything below counts rows after this id.
  const floorId = await lastFlowEventId(db);

  // 1. The backlog: N events in the fresh stream, published with up to 512 acknowledgements outstanding.
  const subject = subjectFor(bus.BUS_SUBJECT_ROOT, WebhookReceivedV1);
  const tp = performance.now();
  let next = 0;
  const publisher = async (): Promise<void> => {
    for (let i = next++; i < events; i = next++) {
      const e = envelope(i);
      await admin.js.publish(subject, JSON.stringify(e), { msgID: e.id, expect: { streamName: bus.BUS_STREAM } });
    }
  };
  await Promise.all(Array.from({ length: 512 }, publisher));
  const backlog = (await admin.jsm.streams.info(bus.BUS_STREAM)).state.messages;
  console.error(`   published ${backlog} events in ${((performance.now() - tp) / 1000).toFixed(1)} s`);

  // 2. audit-writer drains it. Rate = rows / (last commit - first commit), from flow_events.created_at (now() of
  // each transaction), so neither the process start nor the polling interval is counted.
  const count = async (): Promise<number> =>
    Number((await db.selectFrom('flow_events').select((eb) => eb.fn.countAll<string>().as('n')).where('id', '>', floorId).executeTakeFirstOrThrow()).n);
  const t0 = performance.now();
  const writer = await startServiceProcess('audit-writer', { env, logFile: join(stack.dir, 'logs', `bench-audit-${run}.log`) });
  let rows = 0;
  while (rows < backlog && performance.now() - t0 < 600_000) {
    await new Promise((r) => setTimeout(r, 50));
    rows = await count();
  }
  const wallS = (performance.now() - t0) / 1000;
  await writer.stop();
  const span = await db
    .selectFrom('flow_events')
    .select((eb) => [eb.fn.min('created_at').as('first'), eb.fn.max('created_at').as('last'), eb.fn.count<string>('event_id').distinct().as('ids')])
    .where('id', '>', floorId)
    .executeTakeFirstOrThrow();
  const spanS = (new Date(span.last as unknown as Date).getTime() - new Date(span.first as unknown as Date).getTime()) / 1000;
  const drainRate = rows / spanS;

  // 3. The floor, same table, same run: 500-row INSERT ... ON CONFLICT DO NOTHING, back to back, one connection.
  const template = envelope(0);
  const floorBatches: number[] = [];
  const tf = performance.now();
  for (let b = 0; b * 500 < floorRows; b++) {
    const values: NewFlowEventRow[] = Array.from({ length: 500 }, (_, k) => ({
      event_id: deterministicId('bench-floor', run, b * 500 + k),
      correlation_id: template.correlationid,
      causation_id: null,
      actor_type: 'system',
      actor_id: template.source,
      event_type: template.type,
      schema_version: template.dataschemaversion,
      subject: template.subject,
      payload: JSON.stringify(template.data),
      occurred_at: template.time,
      stream_seq: b * 500 + k + 1,
    }));
    const s = performance.now();
    await db.insertInto('flow_events').values(values).onConflict((oc) => oc.column('event_id').doNothing()).execute();
    floorBatches.push(500 / ((performance.now() - s) / 1000));
  }
  const floorRate = (Math.ceil(floorRows / 500) * 500) / ((performance.now() - tf) / 1000);

  console.log(`\naudit-writer drain, ${backlog} events (${process.env.HOSTNAME ?? 'this machine'})`);
  console.log('| measure | rows/s |');
  console.log('|---|---:|');
  console.log(`| audit-writer drain (first to last commit) | ${drainRate.toFixed(0)} |`);
  console.log(`| audit-writer incl. process start (${wallS.toFixed(2)} s wall) | ${(rows / wallS).toFixed(0)} |`);
  console.log(`| floor: bare 500-row INSERT loop (median batch ${median(floorBatches).toFixed(0)}) | ${floorRate.toFixed(0)} |`);
  console.log(`rows ${rows}, distinct event ids ${span.ids}, drained in ${spanS.toFixed(2)} s; drain/floor ${(drainRate / floorRate).toFixed(2)}`);
  console.log(`RESULT drain=${drainRate.toFixed(0)} floor=${floorRate.toFixed(0)}`);
} finally {
  await db.destroy();
  await admin.drain();
  await stopStack(name, { purge: true });
}
