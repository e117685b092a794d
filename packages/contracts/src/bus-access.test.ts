import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BUS_ADMIN,
  DEAD_LETTER_CONSUMER,
  RECORDER,
  RECORDER_CONSUMER,
  authorizationBlock,
  checkSubscriberName,
  consumerName,
  servicePermissions,
  subscriberPermissions,
} from './bus-access.js';
import { EVENT_CATALOG } from './events/catalog.js';
import { SERVICE_NAMES } from './services.js';
import { subjectFor } from './subjects.js';

const pinned = { root: 'platform', stream: 'PLATFORM' };
const JS_API = /^\$JS\./;

test('consumer names are valid NATS names, unique per service and event, and never a bare service name', () => {
  const seen = new Set<string>();
  for (const s of SERVICE_NAMES) {
    for (const d of EVENT_CATALOG) {
      const n = consumerName(s, d);
      assert.doesNotMatch(n, /[.*>\s]/, n);
      assert.ok(!seen.has(n), `duplicate ${n}`);
      seen.add(n);
      assert.ok(!(SERVICE_NAMES as readonly string[]).includes(n));
    }
  }
  assert.equal(consumerName('namespace-provisioner', { type: 'run.failed.job_not_found', version: 1 }), 'namespace-provisioner--run-failed-job_not_found-v1');
  assert.throws(() => consumerName('bad.name', { type: 'a.b', version: 1 }));
});

test('a service publishes exactly the subjects of the events it emits, besides JetStream API and ack subjects', () => {
  for (const s of SERVICE_NAMES.filter((n) => n !== RECORDER)) {
    const events = servicePermissions(s, pinned).publish.allow.filter((p) => !JS_API.test(p));
    const expected = EVENT_CATALOG.filter((d) => d.emittedBy.includes(s)).map((d) => subjectFor('platform', d));
    assert.deepEqual([...events].sort(), [...expected].sort(), s);
    for (const d of EVENT_CATALOG.filter((e) => !e.emittedBy.includes(s))) {
      assert.ok(!events.includes(subjectFor('platform', d)), `${s} must not publish ${d.type}`);
    }
  }
});

test('each consuming service gets one pinned-filter consumer per consumed event and nothing else', () => {
  for (const s of SERVICE_NAMES.filter((n) => n !== RECORDER)) {
    const api = servicePermissions(s, pinned).publish.allow.filter((p) => JS_API.test(p));
    const inputs = EVENT_CATALOG.filter((e) => e.consumedBy.includes(s));
    const expected = ['$JS.API.INFO', '$JS.API.STREAM.INFO.PLATFORM', ...(inputs.length ? [`$JS.API.CONSUMER.INFO.PLATFORM.${s}`] : [])];
    for (const d of inputs) {
      const c = consumerName(s, d);
      expected.push(`$JS.API.CONSUMER.CREATE.PLATFORM.${c}.${subjectFor('platform', d)}`, `$JS.API.CONSUMER.INFO.PLATFORM.${c}`, `$JS.API.CONSUMER.MSG.NEXT.PLATFORM.${c}`, `$JS.ACK.PLATFORM.${c}.>`);
    }
    assert.deepEqual([...api].sort(), expected.sort(), s);
    assert.deepEqual(servicePermissions(s, pinned).subscribe.allow, [`_INBOX_${s}.>`]);
    assert.ok(!api.some((p) => /DURABLE|STREAM\.(CREATE|UPDATE|DELETE|MSG)|CONSUMER\.DELETE/.test(p)), `${s}: no legacy create, stream admin or deletes`);
  }
});

test('the recorder owns the streams, reads everything through two consumers and reads stored messages', () => {
  const p = servicePermissions(RECORDER, pinned).publish.allow;
  for (const want of [
    '$JS.API.STREAM.CREATE.PLATFORM',
    '$JS.API.STREAM.UPDATE.PLATFORM',
    '$JS.API.STREAM.CREATE.PLATFORM_DEAD_LETTERS',
    '$JS.API.STREAM.INFO.PLATFORM_DEAD_LETTERS',
    '$JS.API.STREAM.MSG.GET.PLATFORM',
    `$JS.API.CONSUMER.CREATE.PLATFORM.${RECORDER_CONSUMER}.platform.>`,
    `$JS.API.CONSUMER.CREATE.PLATFORM_DEAD_LETTERS.${DEAD_LETTER_CONSUMER}`,
    `$JS.ACK.PLATFORM_DEAD_LETTERS.${DEAD_LETTER_CONSUMER}.>`,
    'platform.bus.dead_lettered.v1',
  ]) {
    assert.ok(p.includes(want), want);
  }
  assert.ok(!p.some((x) => x.includes('DELETE')), 'never deletes');
  // A staff retry republishes a recorded original to its own subject: every catalog subject, and its request's consumer.
  const events = p.filter((x) => !JS_API.test(x));
  assert.deepEqual(events.sort(), EVENT_CATALOG.map((d) => subjectFor('platform', d)).sort());
  assert.ok(p.includes('$JS.API.CONSUMER.CREATE.PLATFORM.audit-writer--bus-dead_letter-retry_requested-v1.platform.bus.dead_letter.retry_requested.v1'));
});

test('the local stack scope wildcards root and stream token-wise', () => {
  const p = servicePermissions('planner', { root: '*', stream: '*' }).publish.allow;
  assert.ok(p.includes('*.run.created.v1'));
  assert.ok(p.includes('$JS.API.CONSUMER.CREATE.*.planner--webhook-received-v1.*.webhook.received.v1'));
  assert.ok(servicePermissions(RECORDER, { root: '*', stream: '*' }).publish.allow.includes(`$JS.API.CONSUMER.CREATE.*.${DEAD_LETTER_CONSUMER}`));
});

test('a subscriber reads through its own consumers only and publishes no platform subject', () => {
  const p = subscriberPermissions('slot-dashboard', ['slot-dashboard'], pinned);
  assert.ok(p.publish.allow.every((x) => JS_API.test(x)), 'JetStream API only');
  assert.ok(p.publish.allow.every((x) => !x.includes('CONSUMER') || x.includes('.slot-dashboard')), 'only its own consumer');
  assert.ok(p.publish.allow.includes('$JS.API.CONSUMER.CREATE.PLATFORM.slot-dashboard.platform.>'));
  assert.ok(!p.publish.allow.some((x) => /STREAM\.(CREATE|UPDATE|DELETE|PURGE|MSG)/.test(x)));
  assert.deepEqual(p.subscribe.allow[0], '_INBOX_slot-dashboard.>');
  assert.ok(p.subscribe.allow.includes('platform.slot.ready.v1'));
  for (const bad of ['planner', BUS_ADMIN, RECORDER_CONSUMER, DEAD_LETTER_CONSUMER, 'planner--webhook-received-v1', 'Bad', 'a.b', '>']) {
    assert.throws(() => checkSubscriberName(bad), bad);
  }
  assert.throws(() => subscriberPermissions('ok', ['planner'], pinned));
});

test('the authorization block holds public keys and per-kind permissions', () => {
  const block = authorizationBlock(
    [
      { name: 'planner', kind: 'service', publicKey: 'UPLANNER' },
      { name: BUS_ADMIN, kind: 'admin', publicKey: 'UADMIN' },
      { name: 'dash', kind: 'subscriber', publicKey: 'UDASH' },
    ],
    pinned,
  );
  assert.deepEqual(block.users.map((u) => u.nkey), ['UPLANNER', 'UADMIN', 'UDASH']);
  assert.deepEqual(block.users[1]?.permissions.publish.allow, ['>']);
  assert.ok(block.users[2]?.permissions.publish.allow.includes('$JS.API.CONSUMER.MSG.NEXT.PLATFORM.dash'));
  assert.throws(() => authorizationBlock([{ name: 'intruder', kind: 'service', publicKey: 'U' }], pinned));
});

test('the recorder consumes every catalog event (it reads <root>.>)', () => {
  for (const d of EVENT_CATALOG) assert.ok(d.consumedBy.includes(RECORDER), d.type);
});
