import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventHead } from '@codex-k8s/db';
import { StreamWindow } from './stream-window.js';

const head = (id: number, ageMs: number, now: number): EventHead => ({ id: String(id), event_id: `e${id}`, event_type: 't', actor_type: 'system', actor_id: null, occurred_at: new Date(now - ageMs), created_at: new Date(now - ageMs), correlation_id: 'c' });

test('a late commit with a lower id is still handed out, once; settled rows move the floor', () => {
  const now = Date.now();
  const w = new StreamWindow('10', 5_000);
  assert.deepEqual(w.take([head(11, 100, now), head(13, 50, now)], now).map((h) => h.id), ['11', '13']);
  assert.equal(w.from, '10', 'nothing is settled yet: the next read starts at the same place');
  // 12 committed after 13: it shows up on the next read and is handed out; 11 and 13 are not handed out again.
  assert.deepEqual(w.take([head(11, 100, now), head(12, 80, now), head(13, 50, now)], now).map((h) => h.id), ['12']);
  // Later, all three are older than the settle time: the floor moves past them.
  const later = now + 10_000;
  assert.deepEqual(w.take([head(11, 10_100, later), head(12, 10_080, later), head(13, 10_050, later), head(14, 10, later)], later).map((h) => h.id), ['14']);
  assert.equal(w.from, '13');
});
