import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRateLimiter } from './rate-limit.js';

test('a burst is allowed, then the refill rate; each key has its own bucket', () => {
  const l = createRateLimiter({ ratePerSecond: 2, burst: 3 });
  assert.deepEqual([0, 0, 0].map(() => l.take('a', 0)), [0, 0, 0]);
  assert.equal(l.take('a', 0), 1, 'the fourth waits a second');
  assert.equal(l.take('b', 0), 0, 'another run is not affected');
  assert.equal(l.take('a', 500), 0, 'half a second refills one at 2/s');
  assert.equal(l.take('a', 500), 1);
});

test('idle buckets are forgotten once full again, so the map stays bounded', () => {
  const l = createRateLimiter({ ratePerSecond: 10, burst: 1, maxKeys: 2 });
  l.take('a', 0);
  l.take('b', 0);
  l.take('c', 10_000);
  assert.equal(l.size, 1, 'a and b refilled and were swept when c arrived');
});
