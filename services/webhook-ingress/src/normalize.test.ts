import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { WebhookReceivedData } from '@codex-k8s/contracts';
import { UnstorablePayloadError, normalizeDelivery, unstorableField } from './normalize.js';

const fixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/issues-labeled.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const receivedAt = new Date('2026-11-24T10:00:00Z');

test('normalizeDelivery extracts repository, issue, label and sender from issues.labeled', () => {
  const d = normalizeDelivery({ deliveryId: 'd-1', eventType: 'issues', payload: fixture, payloadBytes: 123, receivedAt });
  assert.equal(d.delivery_id, 'd-1');
  assert.equal(d.action, 'labeled');
  assert.equal(d.received_at, '2026-11-24T10:00:00.000Z');
  assert.equal(d.repository?.id, 987654321);
  assert.equal(d.repository?.full_name, 'acme/shop');
  assert.equal(d.issue?.number, 42);
  assert.equal(d.issue?.is_pull_request, false);
  assert.equal(d.label, 'run:dev');
  assert.equal(d.sender?.login, 'alice');
  assert.equal(d.payload_bytes, 123);
});

test('normalizeDelivery records null for parts that are missing or malformed', () => {
  const d = normalizeDelivery({
    deliveryId: 'd-2',
    eventType: 'ping',
    payload: { zen: 'Keep it logically awesome.', repository: { id: 'not-a-number' }, issue: { number: -1 }, sender: null },
    payloadBytes: 10,
    receivedAt,
  });
  assert.equal(d.action, null);
  assert.equal(d.repository, null);
  assert.equal(d.issue, null);
  assert.equal(d.sender, null);
  assert.equal(d.label, null);
  assert.equal(d.installation_id, null);
  assert.deepEqual(d.malformed_fields, ['repository.id', 'repository.full_name', 'repository.name', 'issue.id', 'issue.number'], 'present but malformed; the absent sender is not listed');
});

test('a pull request issue is marked as such', () => {
  const payload = { ...fixture, issue: { ...(fixture.issue as object), pull_request: { url: 'x' } } };
  const d = normalizeDelivery({ deliveryId: 'd-3', eventType: 'issues', payload, payloadBytes: 1, receivedAt });
  assert.equal(d.issue?.is_pull_request, true);
});

type Json = Record<string, unknown>;
const issueOf = (f: Json) => f.issue as Json;
const normalize = (payload: Json) => normalizeDelivery({ deliveryId: 'd-odd', eventType: 'issues', payload, payloadBytes: 1, receivedAt });

test('an issue number the platform cannot act on drops the issue and is named, never passed on', () => {
  for (const number of [2 ** 31, '42', -1, 0, 1.5, JSON.parse('1e400') as number, null]) {
    const d = normalize({ ...fixture, issue: { ...issueOf(fixture), number } });
    assert.equal(d.issue, null, `number ${String(number)}`);
    assert.deepEqual(d.malformed_fields, ['issue.number'], `number ${String(number)}`);
  }
  assert.equal(normalize({ ...fixture, issue: { ...issueOf(fixture), number: 2 ** 31 - 1 } }).issue?.number, 2 ** 31 - 1, 'the largest Postgres integer');
});

test('ids must be positive integers JavaScript holds exactly (bigint-safe)', () => {
  const d = normalize({ ...fixture, sender: { login: 'alice', id: 2 ** 53 }, repository: { ...(fixture.repository as Json), id: -5 }, installation: { id: 1.5 } });
  assert.equal(d.sender, null);
  assert.equal(d.repository, null);
  assert.equal(d.installation_id, null);
  assert.deepEqual(d.malformed_fields, ['sender.id', 'repository.id', 'installation.id']);
  assert.equal(normalize({ ...fixture, sender: { login: 'alice', id: Number.MAX_SAFE_INTEGER } }).sender?.id, Number.MAX_SAFE_INTEGER);
});

test('names with control characters are malformed; free text may hold them', () => {
  const d = normalize({ ...fixture, sender: { login: 'ali\u0001ce', id: 1 }, action: 'label\ted', issue: { ...issueOf(fixture), title: 'tab\there\nnewline' } });
  assert.equal(d.sender, null);
  assert.equal(d.action, null);
  assert.equal(d.issue?.title, 'tab\there\nnewline');
  assert.deepEqual(d.malformed_fields, ['action', 'sender.login']);
});

test('text the platform cannot store (U+0000, an unpaired surrogate) in a stored field is refused, naming the field', () => {
  const cases: Array<[Json, string]> = [
    [{ ...fixture, sender: { login: 'ali\u0000ce', id: 1 } }, 'sender.login'],
    [{ ...fixture, repository: { ...(fixture.repository as Json), full_name: 'acme/\u0000shop' } }, 'repository.full_name'],
    [{ ...fixture, action: 'labeled\u0000' }, 'action'],
    [{ ...fixture, label: { name: '\ud800' } }, 'label.name'],
    [{ ...fixture, issue: { ...issueOf(fixture), labels: [{ name: 'ok' }, { name: 'b\udc00ad' }] } }, 'issue.labels.1.name'],
    [{ ...fixture, issue: { ...issueOf(fixture), title: 'x\u0000' } }, 'issue.title'],
  ];
  for (const [payload, field] of cases) {
    assert.equal(unstorableField(payload), field);
    assert.throws(() => normalize(payload), (err: unknown) => err instanceof UnstorablePayloadError && err.field === field && err.message.startsWith(`${field} contains U+0000`));
  }
  // Fields that are not stored may hold anything (the inbox keeps them as bytes); a paired surrogate is fine.
  assert.equal(unstorableField({ ...fixture, issue: { ...issueOf(fixture), body: 'x\u0000' }, zen: '\ud800' }), undefined);
  assert.equal(normalize({ ...fixture, issue: { ...issueOf(fixture), title: 'rocket \ud83d\ude80' } }).issue?.title, 'rocket \ud83d\ude80');
});

test('whatever the payload, the normalised data fits the webhook.received contract', () => {
  const odd: Json[] = [
    fixture,
    {},
    { action: 5, issue: 'x', sender: [], repository: { id: 1, full_name: 'a'.repeat(600), name: 'n' }, label: { name: '' } },
    { ...fixture, issue: { ...issueOf(fixture), labels: Array.from({ length: 1001 }, () => ({ name: 'l' })) } },
    { ...fixture, issue: { ...issueOf(fixture), title: 't'.repeat(5000), state: 7 } },
  ];
  for (const payload of odd) {
    const d = normalize(payload);
    assert.deepEqual(WebhookReceivedData.parse(d), d);
  }
});
