import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffFor, isLastDelivery } from './consumer.js';

test('backoffFor grows with the delivery count and stays at the last step', () => {
  const steps = [100, 500, 2_000];
  assert.equal(backoffFor(0, steps), 100);
  assert.equal(backoffFor(1, steps), 100);
  assert.equal(backoffFor(2, steps), 500);
  assert.equal(backoffFor(3, steps), 2_000);
  assert.equal(backoffFor(50, steps), 2_000);
});

test('the default backoff is non-decreasing and bounded', () => {
  let prev = 0;
  for (let n = 1; n <= 30; n++) {
    const d = backoffFor(n);
    assert.ok(d >= prev && d <= 60_000, `delivery ${n}: ${d}`);
    prev = d;
  }
});

test('the last delivery is the one max_deliver allows; unlimited consumers have none', () => {
  assert.equal(isLastDelivery(7, 8), false);
  assert.equal(isLastDelivery(8, 8), true);
  assert.equal(isLastDelivery(9, 8), true);
  assert.equal(isLastDelivery(100, -1), false, 'unlimited deliveries');
  assert.equal(isLastDelivery(100, 0), false);
});
