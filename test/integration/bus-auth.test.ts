import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, nkeyAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import {
  EVENT_CATALOG,
  RECORDER,
  RECORDER_CONSUMER,
  RunCreatedV1,
  RunSucceededV1,
  SERVICE_NAMES,
  SlotReadyV1,
  WebhookReceivedV1,
  consumerName,
  deterministicId,
  eventsEmittedBy,
  subjectFor,
} from '@codex-k8s/contracts';
import { connectBus, ensureConsumer, type Bus } from '@codex-k8s/bus';
import { listFlowEvents, listFlowEventsByType } from '@codex-k8s/db';
import { createLogger } from '@codex-k8s/runtime';
import { REPO_ROOT, createUserNkey, seedFileOf } from '@codex-k8s/stack';
import { adminBus, connectAs, credsDir } from '../support/bus.js';
import { freshDatabase } from '../support/database.js';
import { requireEnv, uniqueBus, uniqueSuffix } from '../support/env.js';
import { eventually } from '../support/github.js';
import { startService } from '../support/services.js';

// The bus is authenticated (NKEY users) and authorised per identity from the event catalog: nothing connects
// without credentials, a service publishes only what it emits and reads only its own pinned-filter consumers,
// a subscriber reads through its own durable only, and a forged source is terminated and recorded.
const url = requireEnv('NATS_URL');
const names = uniqueBus();
const { BUS_STREAM: stream, BUS_SUBJECT_ROOT: root } = names;
const log = createLogger({ name: 'test', level: 'silent' });
const open: { drain(): Promise<void> }[] = [];

/** A bus with a service's own credentials; `source` is the name its events claim (default: the service). */
async function asService(service: string, opts: { source?: string; bus?: { BUS_STREAM: string; BUS_SUBJECT_ROOT: string } } = {}): Promise<Bus> {
  const b = opts.bus ?? names;
  const bus = await connectBus({ url, name: opts.source ?? service, identity: service, nkeySeedFile: seedFileOf(credsDir(), service), stream: b.BUS_STREAM, subjectRoot: b.BUS_SUBJECT_ROOT, log });
  open.push(bus);
  await bus.streamReady;
  return bus;
}

const isViolation = (err: unknown): boolean => /permissions? violation/i.test(String((err as Error)?.message ?? err));
const refused = (what: string, p: Promise<unknown>): Promise<void> => assert.rejects(p, isViolation, what);

let admin: Bus;
before(async () => {
  admin = await adminBus({ name: 'bus-admin', stream, subjectRoot: root });
  open.push(admin);
});
after(async () => {
  await admin.jsm.streams.delete(stream).catch(() => undefined);
  await Promise.all(open.map((c) => c.drain().catch(() => undefined)));
});

const stored = async (): Promise<number> => (await admin.jsm.streams.info(stream)).state.messages;

test('a client without credentials, or with an NKEY the server does not know, cannot connect', async () => {
  await assert.rejects(connect({ servers: url, reconnect: false }), /authorization/i);
  const stranger = createUserNkey().seed;
  await assert.rejects(connect({ servers: url, reconnect: false, authenticator: nkeyAuthenticator(new TextEncoder().encode(stranger)) }), /authorization/i);
  const file = join(mkdtempSync(join(tmpdir(), 'codex-k8s-seed-')), 'broken.nk');
  writeFileSync(file, 'not a seed', { mode: 0o600 });
  await assert.rejects(connectBus({ url, name: 'x', nkeySeedFile: file, stream, subjectRoot: root, log }), (err: Error) => err.message.includes(file) && !err.message.includes('not a seed'));
});

test('each service publishes its own event types (PubAck) and is refused every other type, which is never stored', async () => {
  for (const service of SERVICE_NAMES) {
    const bus = await asService(service);
    for (const def of eventsEmittedBy(service)) {
      const ack = await bus.js.publish(bus.subjectOf(def), 'own');
      assert.ok(ack.seq > 0, `${service} ${def.type}`);
    }
    // The recorder may publish every catalog subject: a staff retry republishes a dead letter's recorded original
    // (ADR 0003); what it republishes is checked by audit-writer itself (services/audit-writer/src/retry.ts).
    if (service === RECORDER) continue;
    const before = await stored();
    for (const def of EVENT_CATALOG.filter((d) => !d.emittedBy.includes(service))) {
      await refused(`${service} publishing ${def.type}`, bus.js.publish(bus.subjectOf(def), 'forged', { timeout: 3_000 }));
    }
    assert.equal(await stored(), before, `${service}: nothing forged was stored`);
  }
});

describe('consumers and inboxes are per identity', () => {
  test('a service runs its own pinned-filter consumer but cannot widen it, borrow another, or read another inbox', async () => {
    const planner = await asService('planner');
    const own = consumerName('planner', WebhookReceivedV1);
    await ensureConsumer(planner.jsm, stream, { durable: own, filterSubject: planner.subjectOf(WebhookReceivedV1), ackWaitMs: 5_000, maxDeliver: 3, maxAckPending: 16 });
    assert.equal((await planner.jsm.consumers.info(stream, own)).config.filter_subject, subjectFor(root, WebhookReceivedV1));
    const explicit = { ack_policy: AckPolicy.Explicit };
    await refused('own name, another filter', planner.jsm.consumers.add(stream, { ...explicit, durable_name: own, filter_subject: subjectFor(root, RunCreatedV1) }));
    await refused('several filters (legacy DURABLE.CREATE)', planner.jsm.consumers.add(stream, { ...explicit, durable_name: own, filter_subjects: [subjectFor(root, WebhookReceivedV1), subjectFor(root, RunCreatedV1)] }));
    const theirs = consumerName('namespace-provisioner', RunCreatedV1);
    await refused("another service's consumer", planner.jsm.consumers.add(stream, { ...explicit, durable_name: theirs, filter_subject: subjectFor(root, RunCreatedV1) }));
    await admin.jsm.consumers.add(stream, { ...explicit, durable_name: theirs, filter_subject: subjectFor(root, RunCreatedV1) });
    await refused("another service's consumer info", planner.jsm.consumers.info(stream, theirs));
    await refused("pulling another service's consumer", planner.nc.request(`$JS.API.CONSUMER.MSG.NEXT.${stream}.${theirs}`, JSON.stringify({ batch: 1 }), { timeout: 3_000 }));
    await refused('the recorder consumer', planner.jsm.consumers.info(stream, RECORDER_CONSUMER));
    await refused('creating a stream', planner.jsm.streams.add({ name: `${stream}_X`, subjects: [`${root}x.>`] }));
    await refused('deleting the stream', planner.jsm.streams.delete(stream));
    const spy = planner.nc.subscribe('_INBOX_namespace-provisioner.>');
    assert.ok(isViolation(await spy.closed), 'subscribing to another identity inbox is refused');
  });
});

describe('an external subscriber issued with the CLI', () => {
  const sub = `sub-${uniqueSuffix()}`;
  let seedFile: string;
  let nc: NatsConnection;

  before(async () => {
    const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', join(REPO_ROOT, 'scripts', 'bus.ts'), 'issue', sub], { cwd: REPO_ROOT, encoding: 'utf8', env: process.env });
    assert.equal(r.status, 0, r.stderr);
    seedFile = r.stdout.trim();
    assert.match(seedFile, new RegExp(`${sub}\\.nk$`));
    nc = await eventually('the reloaded server admits the subscriber', () => connectAs(sub, seedFile), 15_000);
    open.push(nc);
  });

  test('receives slot.ready with its URL through its own durable (the example subscriber, run for real)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'docs', 'examples', 'slot-subscriber.ts')], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', NATS_URL: url, NATS_NKEY_SEED_FILE: seedFile, NATS_IDENTITY: sub, BUS_STREAM: stream, BUS_SUBJECT_ROOT: root },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    try {
      await eventually('the example is consuming', async () => (out.includes('waiting for slot events') ? true : undefined), 20_000);
      const tls = await asService('tls-watcher');
      const runId = randomUUID();
      await tls.publish(SlotReadyV1, {
        id: deterministicId('bus-auth-test', runId),
        correlationId: runId,
        subject: `run/${runId}`,
        data: { run_id: runId, project_id: randomUUID(), namespace: 'shop-dev-1', slot_no: 1, host: 'shop-1.ai.example.test', public_url: 'https://shop-1.ai.example.test' },
      });
      await eventually('the URL printed', async () => (/slot\.ready\s+shop-dev-1\s+https:\/\/shop-1\.ai\.example\.test/.test(out) ? true : undefined), 20_000);
      const info = await jetstreamManager(nc).then((m) => m.consumers.info(stream, sub));
      assert.equal(info.config.filter_subject, `${root}.slot.>`);
      assert.equal(info.num_ack_pending, 0, 'acked');
    } finally {
      child.kill('SIGTERM');
    }
  });

  test('cannot publish platform subjects nor touch the platform consumers and streams', async () => {
    const js = jetstream(nc);
    for (const def of [SlotReadyV1, WebhookReceivedV1, RunSucceededV1]) {
      await refused(`publishing ${def.type}`, js.publish(subjectFor(root, def), '{}', { timeout: 3_000 }));
    }
    const jsm = await jetstreamManager(nc);
    const launcher = consumerName('agent-launcher', SlotReadyV1);
    await refused('creating a platform consumer', jsm.consumers.add(stream, { durable_name: launcher, ack_policy: AckPolicy.Explicit, filter_subject: subjectFor(root, SlotReadyV1) }));
    await refused('reading the recorder consumer', jsm.consumers.info(stream, RECORDER_CONSUMER));
    await refused('deleting the recorder consumer', jsm.consumers.delete(stream, RECORDER_CONSUMER));
    await refused('purging the stream', jsm.streams.purge(stream));
    await refused('reading stored messages', jsm.streams.getMessage(stream, { seq: 1 }));
    assert.ok(isViolation(await nc.subscribe('_INBOX_agent-launcher.>').closed), 'another inbox');
  });
});

test('a forged source from a credentialed publisher is terminated and recorded as a dead letter naming it', async () => {
  const own = uniqueBus();
  const tdb = await freshDatabase();
  const audit = await startService('audit-writer', { ...own, NATS_URL: url, DATABASE_URL: tdb.url, BUS_ACK_WAIT_MS: '2000' });
  try {
    // The planner may publish run.created, but claims to be webhook-ingress; the admin forges a run end.
    const planner = await asService('planner', { source: 'webhook-ingress', bus: own });
    const forger = await adminBus({ name: 'planner', stream: own.BUS_STREAM, subjectRoot: own.BUS_SUBJECT_ROOT, manageStreams: false });
    open.push(forger);
    const runId = randomUUID();
    const ref = { run_id: runId, project_id: randomUUID(), runtime_mode: 'full-env' as const, namespace: `forged-${uniqueSuffix()}` };
    const created = await planner.publish(RunCreatedV1, {
      id: deterministicId('forged-created', runId),
      correlationId: runId,
      subject: `run/${runId}`,
      data: { ...ref, project_slug: 'shop', trigger_kind: 'dev', trigger_label: 'run:dev', issue_number: 1, repository_full_name: 'acme/shop', sender_login: 'mallory' },
    });
    const ended = await forger.publish(RunSucceededV1, {
      id: deterministicId('forged-succeeded', runId),
      correlationId: runId,
      subject: `run/${runId}`,
      data: { ...ref, job_name: 'codex-k8s-run-x', job_namespace: ref.namespace, status: 'succeeded', reason: null, error: null },
    });
    const rows = await eventually('two dead letters', async () => {
      const r = (await listFlowEventsByType(tdb.db, 'bus.dead_lettered')).filter((x) => x.correlation_id === runId);
      return r.length >= 2 ? r : undefined;
    });
    const detail = (id: string): string => String((rows.find((r) => (r.payload as { original_event_id: string }).original_event_id === id)?.payload as { detail?: string })?.detail);
    assert.match(detail(created.envelope.id), /forged source: run\.created claims source "webhook-ingress", only planner may emit it/);
    assert.match(detail(ended.envelope.id), /forged source: run\.succeeded claims source "planner", only agent-launcher may emit it/);
    const recorded = (await listFlowEvents(tdb.db, runId)).map((r) => r.event_type);
    assert.deepEqual(recorded.sort(), ['bus.dead_lettered', 'bus.dead_lettered'], 'the forged events themselves are never recorded as facts');
  } finally {
    await audit.stop();
    await tdb.drop();
  }
});
