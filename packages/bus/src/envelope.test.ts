import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebhookDuplicateV1, WebhookReceivedV1, subjectFor } from '@codex-k8s/contracts';
import { TerminalError } from '@codex-k8s/runtime';
import { buildEnvelope, checkSource, decodeEnvelope, decodeEvent } from './envelope.js';

const data = { source: 'github' as const, delivery_id: 'd-1', event_type: 'issues', action: 'labeled', first_received_at: '2026-11-24T10:00:00.000Z' };
const input = { id: '5d9c2f0e-1b2a-5c3d-8e4f-0a1b2c3d4e5f', correlationId: 'd-1', subject: 'delivery/d-1', data };
const encode = (v: unknown): Uint8Array => Buffer.from(JSON.stringify(v));

test('buildEnvelope fills the CloudEvents attributes and validates data', () => {
  const env = buildEnvelope(WebhookDuplicateV1, 'webhook-ingress', { ...input, time: new Date('2026-11-24T10:00:00Z') });
  assert.equal(env.specversion, '1.0');
  assert.equal(env.type, 'webhook.duplicate');
  assert.equal(env.source, 'webhook-ingress');
  assert.equal(env.time, '2026-11-24T10:00:00.000Z');
  assert.equal(env.dataschemaversion, WebhookDuplicateV1.version);
  assert.equal(env.causationid, undefined);
  assert.throws(() => buildEnvelope(WebhookDuplicateV1, 'x', { ...input, data: { ...data, delivery_id: 7 } as never }));
});

test('decodeEvent accepts the matching type on its subject', () => {
  const env = buildEnvelope(WebhookDuplicateV1, 'webhook-ingress', input);
  const got = decodeEvent(WebhookDuplicateV1, 'platform', subjectFor('platform', WebhookDuplicateV1), encode(env));
  assert.deepEqual(got, env);
});

test('decodeEvent terminates poison: non-JSON, bad envelope, wrong type, wrong subject, bad data', () => {
  const env = buildEnvelope(WebhookDuplicateV1, 'webhook-ingress', input);
  const subject = subjectFor('platform', WebhookDuplicateV1);
  const cases: [string, string, Uint8Array][] = [
    ['not JSON', subject, Buffer.from('{nope')],
    ['no id', subject, encode({ ...env, id: undefined })],
    ['other type in body', subject, encode({ ...env, type: WebhookReceivedV1.type })],
    ['other subject', subjectFor('platform', WebhookReceivedV1), encode(env)],
    ['bad data', subject, encode({ ...env, data: { delivery_id: 1 } })],
  ];
  for (const [what, subj, body] of cases) {
    assert.throws(() => decodeEvent(WebhookDuplicateV1, 'platform', subj, body), TerminalError, what);
  }
});

test('decodeEnvelope strips unknown attributes (tolerant reader)', () => {
  const env = buildEnvelope(WebhookDuplicateV1, 'webhook-ingress', input);
  const got = decodeEnvelope(encode({ ...env, extension: 'x' }));
  assert.equal((got as Record<string, unknown>).extension, undefined);
  assert.equal(got.id, env.id);
});

test('an event whose source may not emit its type is terminated with the reason; a catalog emitter passes', () => {
  const forged = buildEnvelope(WebhookDuplicateV1, 'planner', input);
  const subject = subjectFor('platform', WebhookDuplicateV1);
  assert.throws(() => decodeEvent(WebhookDuplicateV1, 'platform', subject, encode(forged)), (err: unknown) => err instanceof TerminalError && /forged source: webhook\.duplicate claims source "planner", only webhook-ingress may emit it/.test(err.message));
  assert.throws(() => checkSource(forged), TerminalError, 'any-type check looks the contract up in the catalog');
  assert.doesNotThrow(() => checkSource(buildEnvelope(WebhookDuplicateV1, 'webhook-ingress', input)));
  assert.doesNotThrow(() => checkSource({ type: 'x.unknown', source: 'anyone', dataschemaversion: 1 }), 'types outside the catalog are the caller\'s call');
});
