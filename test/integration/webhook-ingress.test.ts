import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { listFlowEvents } from '@codex-k8s/db';
import { connectAs } from '../support/bus.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { requireEnv, uniqueBus } from '../support/env.js';
import { eventually, postWebhook, sign } from '../support/github.js';
import { startService, type RunningService } from '../support/services.js';

const SECRET = 'test-secret-for-ingress';
const fixture = readFileSync(new URL('../fixtures/issues-labeled.json', import.meta.url));

describe('webhook-ingress + audit-writer against real Postgres and NATS', () => {
  let tdb: TestDatabase;
  let ingress: RunningService;
  let audit: RunningService;
  let base: string;
  const bus = uniqueBus();

  before(async () => {
    tdb = await freshDatabase();
    const env = { ...bus, NATS_URL: requireEnv('NATS_URL'), DATABASE_URL: tdb.url, BUS_ACK_WAIT_MS: '5000' };
    [ingress, audit] = await Promise.all([
      startService('webhook-ingress', { ...env, CODEXK8S_GITHUB_WEBHOOK_SECRET: SECRET, CODEXK8S_WEBHOOK_MAX_BODY_BYTES: String(64 * 1024) }, { http: true }),
      startService('audit-writer', env),
    ]);
    base = `http://127.0.0.1:${ingress.httpPort}`;
  });
  after(async () => {
    await Promise.all([ingress?.stop(), audit?.stop()]);
    await tdb?.drop();
  });

  async function streamMessages(): Promise<number> {
    const nc = await connectAs();
    try {
      const jsm = await jetstreamManager(nc);
      return (await jsm.streams.info(bus.BUS_STREAM)).state.messages;
    } finally {
      await nc.close();
    }
  }

  test('a valid signed delivery yields exactly one webhook.received row with the delivery id as correlation id', async () => {
    const delivery = randomUUID();
    const res = await postWebhook(base, { delivery, body: fixture, secret: SECRET });
    assert.equal(res.status, 202);
    assert.deepEqual(res.body, { correlation_id: delivery, status: 'accepted', duplicate: false });
    const rows = await eventually('webhook.received row', async () => {
      const r = await listFlowEvents(tdb.db, delivery);
      return r.length > 0 ? r : undefined;
    });
    await new Promise((r) => setTimeout(r, 300));
    const again = await listFlowEvents(tdb.db, delivery);
    assert.equal(again.length, 1);
    const row = rows[0]!;
    assert.equal(row.event_type, 'webhook.received');
    assert.equal(row.correlation_id, delivery);
    assert.equal(row.actor_id, 'webhook-ingress');
    const payload = row.payload as Record<string, unknown>;
    assert.equal(payload.delivery_id, delivery);
    assert.equal(payload.label, 'run:dev');
    assert.equal((payload.issue as { number: number }).number, 42);
    assert.equal((payload.repository as { full_name: string }).full_name, 'acme/shop');
    const stored = await tdb.db.selectFrom('webhook_deliveries').selectAll().where('delivery_id', '=', delivery).executeTakeFirstOrThrow();
    assert.equal(Buffer.compare(stored.body, fixture), 0, 'the inbox keeps the exact signed bytes');
    assert.ok(stored.published_at);
  });

  test('50 concurrent posts of one delivery: one stored delivery, one received event, the rest duplicate', async () => {
    const delivery = randomUUID();
    const results = await Promise.all(Array.from({ length: 50 }, () => postWebhook(base, { delivery, body: fixture, secret: SECRET })));
    const accepted = results.filter((r) => r.status === 202 && r.body.status === 'accepted');
    const duplicates = results.filter((r) => r.status === 200 && r.body.status === 'duplicate');
    assert.equal(accepted.length, 1, JSON.stringify(results.map((r) => r.status)));
    assert.equal(duplicates.length, 49);
    const inbox = await tdb.db.selectFrom('webhook_deliveries').selectAll().where('delivery_id', '=', delivery).execute();
    assert.equal(inbox.length, 1);
    assert.equal(inbox[0]!.duplicate_count, 49);
    const rows = await eventually('received + duplicate rows', async () => {
      const r = await listFlowEvents(tdb.db, delivery);
      return r.length >= 2 ? r : undefined;
    });
    await new Promise((r) => setTimeout(r, 300));
    const types = (await listFlowEvents(tdb.db, delivery)).map((r) => r.event_type).sort();
    assert.deepEqual(types, ['webhook.duplicate', 'webhook.received']);
    assert.equal(rows.length, 2);
  });

  test('a redelivery after the JetStream duplicate window is still a duplicate (Postgres key)', async () => {
    const delivery = randomUUID();
    assert.equal((await postWebhook(base, { delivery, body: fixture, secret: SECRET })).status, 202);
    const nc = await connectAs();
    const jsm = await jetstreamManager(nc);
    await jsm.streams.purge(bus.BUS_STREAM); // as if the 2-minute window had long passed
    await nc.close();
    const res = await postWebhook(base, { delivery, body: fixture, secret: SECRET });
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'duplicate');
  });

  test('rejected requests get the documented status and leave no row and no message', async () => {
    const before = await streamMessages();
    const rowsBefore = await tdb.db.selectFrom('flow_events').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const inboxBefore = await tdb.db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const reordered = Buffer.from(JSON.stringify(JSON.parse(fixture.toString('utf8')), null, 1));
    const cases: Array<[string, Parameters<typeof postWebhook>[1], number, string]> = [
      ['missing delivery', { delivery: '', body: fixture, secret: SECRET }, 400, 'X-GitHub-Delivery'],
      ['missing event', { event: '', body: fixture, secret: SECRET }, 400, 'X-GitHub-Event'],
      ['missing signature', { body: fixture, signature: null }, 401, 'missing X-Hub-Signature-256'],
      ['wrong secret', { body: fixture, secret: 'not-the-secret' }, 401, 'signature mismatch'],
      ['malformed signature', { body: fixture, signature: 'sha256=xyz' }, 401, 'signature mismatch'],
      ['sha1 prefix', { body: fixture, signature: sign(SECRET, fixture).replace('sha256', 'sha1') }, 401, 'signature mismatch'],
      ['re-serialised body, original signature', { body: reordered, signature: sign(SECRET, fixture) }, 401, 'signature mismatch'],
      ['oversized body', { body: Buffer.alloc(64 * 1024 + 1, 0x20), secret: SECRET }, 413, 'payload too large'],
      ['malformed JSON', { body: '{"action": "labeled",', secret: SECRET }, 400, 'not valid JSON'],
      ['JSON that is not an object', { body: '[1,2,3]', secret: SECRET }, 400, 'JSON object'],
    ];
    for (const [name, post, status, reason] of cases) {
      const res = await postWebhook(base, post);
      assert.equal(res.status, status, name);
      assert.match(String(res.body.error), new RegExp(reason), name);
    }
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await streamMessages(), before, 'nothing published');
    const rowsAfter = await tdb.db.selectFrom('flow_events').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const inboxAfter = await tdb.db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    assert.equal(rowsAfter.n, rowsBefore.n, 'no flow_events row');
    assert.equal(inboxAfter.n, inboxBefore.n, 'no inbox row');
  });

  test('health and metrics endpoints answer, and the signature never reaches the logs', async () => {
    assert.equal((await fetch(`${base}/livez`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /codexk8s_webhook_requests_total\{result="accepted",event="issues"\}/);
    assert.match(metrics, /codexk8s_webhook_requests_total\{result="rejected_signature",event="issues"\}/);
    const logs = readFileSync(ingress.logFile, 'utf8');
    assert.ok(logs.length > 0);
    assert.ok(!logs.includes(SECRET), 'secret not logged');
    assert.ok(!logs.includes(sign(SECRET, fixture).slice(7)), 'signature not logged');
  });
});
