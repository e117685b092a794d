import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GithubId, GithubName, IgnoreReason, IssueNumber, StorableText, WebhookIgnoredData, WebhookReceivedData } from './webhook.js';

test('numbers are bounded by the columns behind them', () => {
  for (const ok of [1, 42, 2 ** 31 - 1]) assert.equal(IssueNumber.safeParse(ok).success, true, String(ok));
  for (const bad of [0, -1, 1.5, 2 ** 31, '42', Number.POSITIVE_INFINITY]) assert.equal(IssueNumber.safeParse(bad).success, false, String(bad));
  assert.equal(GithubId.safeParse(Number.MAX_SAFE_INTEGER).success, true);
  for (const bad of [2 ** 53, 0, -7, 1.5]) assert.equal(GithubId.safeParse(bad).success, false, String(bad));
});

test('strings refuse what Postgres cannot store; names refuse control characters too', () => {
  const text = StorableText(10);
  assert.equal(text.safeParse('tab\tnew\nline').success, false, 'too long');
  assert.equal(text.safeParse('a\tb \ud83d\ude80').success, true, 'controls and paired surrogates are storable');
  for (const bad of ['a\u0000', '\ud800', 'x\udc00', '\ud83d']) assert.equal(text.safeParse(bad).success, false, JSON.stringify(bad));
  const name = GithubName(39);
  assert.equal(name.safeParse('alice').success, true);
  assert.equal(name.safeParse('dependabot[bot]').success, true);
  for (const bad of ['', 'a\u0001', 'a\u007f', 'a\u0085', 'a\u0000', 'a'.repeat(40)]) assert.equal(name.safeParse(bad).success, false, JSON.stringify(bad));
});

test('events published before malformed_fields and detail existed still decode', () => {
  const received = {
    source: 'github',
    delivery_id: 'd',
    event_type: 'ping',
    action: null,
    received_at: '2026-11-24T10:00:00.000Z',
    sender: null,
    repository: null,
    installation_id: null,
    issue: null,
    label: null,
    payload_bytes: 2,
  };
  assert.deepEqual(WebhookReceivedData.parse(received).malformed_fields, []);
  const ignored = {
    source: 'github',
    delivery_id: 'd',
    event_type: 'issues',
    action: 'labeled',
    reason: 'issue_event_not_trigger_label',
    label: 'bug',
    run_kind: null,
    binding_resolved: true,
    conflicting_labels: [],
    repository_full_name: 'acme/shop',
    issue_number: 42,
    sender_login: 'alice',
  };
  assert.equal(WebhookIgnoredData.parse(ignored).detail, null);
  assert.equal(WebhookIgnoredData.safeParse({ ...ignored, reason: 'because' }).success, false, 'only IgnoreReason codes');
  assert.ok(IgnoreReason.options.includes('planning_failed'));
});
