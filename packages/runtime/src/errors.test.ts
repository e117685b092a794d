import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MIN_LOOK_AGAIN_MS, lookAgainIn } from './errors.js';

test('lookAgainIn: a quarter of the time pending, never below the floor nor above the poll interval', () => {
  assert.equal(lookAgainIn(0, 1_000), MIN_LOOK_AGAIN_MS);
  assert.equal(lookAgainIn(-50, 1_000), MIN_LOOK_AGAIN_MS, 'a clock step backwards still waits the floor');
  assert.equal(lookAgainIn(600, 1_000), 150);
  assert.equal(lookAgainIn(60_000, 1_000), 1_000);
  assert.equal(lookAgainIn(600, 50), 50, 'a poll interval below the floor wins (operators may ask for it)');
});

test('lookAgainIn: a wait of any length is noticed within a quarter of it, with a number of looks logarithmic in it', () => {
  for (const wait of [150, 1_200, 4_000, 30_000]) {
    let t = 0;
    let looks = 0;
    while (t < wait) {
      t += lookAgainIn(t, 1_000);
      looks++;
    }
    assert.ok(t - wait <= Math.max(MIN_LOOK_AGAIN_MS, wait / 4), `${wait} ms seen at ${t}`);
    if (wait <= 4_000) assert.ok(looks <= 16, `${wait} ms: ${looks} looks`);
  }
});
