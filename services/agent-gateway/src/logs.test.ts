import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineCount } from './logs.js';
import { retentionCutoff } from './purge.js';

test('lines in a chunk: newlines, plus an unfinished last line', () => {
  assert.deepEqual(['', 'a', 'a\n', 'a\nb', 'a\nb\n', '\n\n'].map(lineCount), [0, 1, 1, 2, 2, 2]);
});

test('chunks older than the retention go', () => {
  assert.equal(retentionCutoff(new Date('2026-11-30T00:00:00Z'), 30).toISOString(), '2026-10-31T00:00:00.000Z');
});
