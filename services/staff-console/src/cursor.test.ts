import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeCursor, encodeCursor } from './cursor.js';

test('a cursor round-trips its exact position; anything else is not a cursor', () => {
  const key = { created: '2026-11-30T12:00:00.123456Z', id: '0b8e7f6a-1c2d-4e5f-8a9b-0c1d2e3f4a5b' };
  assert.deepEqual(decodeCursor(encodeCursor(key)), key);
  for (const bad of ['', 'bm9wZQ', encodeCursor({ created: '2026-11-30T12:00:00Z', id: 'x' }), encodeCursor({ created: key.created, id: 'a|b' }), Buffer.from(`${key.created}|${key.id}|x`).toString('base64url')]) {
    assert.equal(decodeCursor(bad), undefined, bad);
  }
});
