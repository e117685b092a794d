import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLimiter } from './limiter.js';

test('at most size holders; waiters are served in order as places are given back', async () => {
  const l = createLimiter(2);
  const a = await l.acquire();
  const b = await l.acquire();
  assert.equal(l.active, 2);
  const order: string[] = [];
  const c = l.acquire().then((r) => (order.push('c'), r));
  const d = l.acquire().then((r) => (order.push('d'), r));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, [], 'both wait');
  a();
  a(); // a second release of the same place is ignored
  const rc = await c;
  assert.deepEqual(order, ['c']);
  b();
  const rd = await d;
  assert.deepEqual(order, ['c', 'd']);
  rc();
  rd();
  assert.equal(l.active, 0);
});

test('a size below 1 is refused', () => {
  assert.throws(() => createLimiter(0), RangeError);
  assert.throws(() => createLimiter(1.5), RangeError);
});
