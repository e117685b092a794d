import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EVENT_CATALOG } from './index.js';
import { allSubjects, parseSubject, subjectFor } from './subjects.js';

test('subjects are <root>.<type>.v<version> and parse back', () => {
  assert.equal(subjectFor('platform', { type: 'webhook.received', version: 1 }), 'platform.webhook.received.v1');
  assert.deepEqual(parseSubject('platform', 'platform.run.namespace.prepared.v2'), { type: 'run.namespace.prepared', version: 2 });
  assert.equal(allSubjects('t1'), 't1.>');
});

test('parseSubject rejects other roots and unversioned subjects', () => {
  assert.equal(parseSubject('platform', 'other.webhook.received.v1'), undefined);
  assert.equal(parseSubject('platform', 'platform.webhook.received'), undefined);
  assert.equal(parseSubject('platform', 'platformx.webhook.received.v1'), undefined);
});

test('every catalog event round-trips through its subject and types are unique per version', () => {
  const seen = new Set<string>();
  for (const def of EVENT_CATALOG) {
    const key = `${def.type}@${def.version}`;
    assert.ok(!seen.has(key), `duplicate ${key}`);
    seen.add(key);
    assert.match(def.type, /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, def.type);
    assert.deepEqual(parseSubject('platform', subjectFor('platform', def)), { type: def.type, version: def.version });
  }
});
