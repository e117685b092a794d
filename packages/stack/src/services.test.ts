import assert from 'node:assert/strict';
import { test } from 'node:test';
import { restartDelayMs } from './services.js';

test('restarts back off from 1 s, doubling, capped at 30 s', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 50].map(restartDelayMs), [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
});
