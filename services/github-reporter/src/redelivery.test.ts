import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextCursor, redeliveryCandidates, type HookDelivery } from './redelivery.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const d = (id: number, guid: string, minutesAgo: number, status = 502): HookDelivery => ({
  id,
  guid,
  delivered_at: new Date(NOW - minutesAgo * 60_000).toISOString(),
  status_code: status,
  event: 'issues',
  action: 'labeled',
});
const o = { nowMs: NOW, minAgeMs: 60_000, lookbackMs: 3_600_000 };

test('a GUID the inbox never stored is asked for once, by its newest attempt; stored ones are left', () => {
  const got = redeliveryCandidates([d(3, 'a', 5, 502), d(1, 'a', 10), d(2, 'b', 9, 202)], new Set(['b']), o);
  assert.deepEqual(got.map((x) => [x.guid, x.id]), [['a', 3]]);
});

test('young attempts (still being answered) and deliveries past the lookback are left alone; oldest first', () => {
  const got = redeliveryCandidates([d(1, 'young', 0.5), d(2, 'old', 61), d(3, 'x', 30), d(4, 'y', 40), d(5, 'young', 20)], new Set(), o);
  assert.deepEqual(got.map((x) => x.guid), ['y', 'x']);
});

test('the next page cursor comes from the Link header', () => {
  assert.equal(nextCursor('<https://api.github.com/app/hook/deliveries?per_page=100&cursor=v1_123>; rel="next"'), 'v1_123');
  assert.equal(nextCursor('<https://x/y?cursor=a>; rel="prev", <https://x/y?cursor=b>; rel="next"'), 'b');
  assert.equal(nextCursor(undefined), null);
  assert.equal(nextCursor('<https://x/y?page=2>; rel="last"'), null);
});
