import assert from 'node:assert/strict';
import { test } from 'node:test';
import { STATUS_ROUTES } from './status-events.js';
import { EMPTY_FACTS, MAX_STATUS_LINES, mergeStatus, parseFacts, phaseAt, phaseRank } from './status-facts.js';

const start = { phase: 0, facts: EMPTY_FACTS };

test('the phase only moves forward: a late or redelivered older event keeps the newer phase', () => {
  const ready = mergeStatus(start, { phase: 'slot_ready', facts: { public_url: 'https://s.example' } });
  const late = mergeStatus(ready, { phase: 'preparing', facts: { namespace: 'ns-1' } });
  assert.equal(phaseAt(late.phase), 'slot_ready');
  assert.equal(late.facts.namespace, 'ns-1', 'its facts are still added');
  assert.equal(late.facts.public_url, 'https://s.example');
  assert.deepEqual(mergeStatus(late, { phase: 'preparing', facts: { namespace: 'ns-1' } }), late, 'the same event again changes nothing');
});

test('the end is kept once; status lines keep the newest by seq, artifacts are merged by name', () => {
  let s = mergeStatus(start, { phase: 'finished', facts: { end: { status: 'failed', event_type: 'run.failed', reason: 'x', error: null, ended_at: '2026-12-01T00:00:00Z' } } });
  s = mergeStatus(s, { phase: 'finished', facts: { end: { status: 'succeeded', event_type: 'run.succeeded', reason: null, error: null, ended_at: '2026-12-01T00:01:00Z' } } });
  assert.equal(s.facts.end?.status, 'failed');
  for (let i = 0; i < MAX_STATUS_LINES + 5; i++) s = mergeStatus(s, { phase: 'agent_started', facts: { status_lines: { [String(i)]: `line ${i}` } } });
  assert.equal(Object.keys(s.facts.status_lines).length, MAX_STATUS_LINES);
  assert.ok(`${MAX_STATUS_LINES + 4}` in s.facts.status_lines && !('0' in s.facts.status_lines));
  s = mergeStatus(s, { phase: 'agent_started', facts: { artifacts: { 'a.md': { kind: 'report', url: null } } } });
  s = mergeStatus(s, { phase: 'agent_started', facts: { artifacts: { 'b.md': { kind: 'file', url: null } } } });
  assert.deepEqual(Object.keys(s.facts.artifacts).sort(), ['a.md', 'b.md']);
  assert.equal(phaseRank('finished'), s.phase);
});

test('stored facts that do not fit the schema are dropped, not trusted', () => {
  const f = parseFacts({ namespace: 5, public_url: 'https://ok', status_lines: { x: 'bad key' }, end: { status: 'weird' } });
  assert.equal(f.namespace, null);
  assert.equal(f.public_url, 'https://ok');
  assert.deepEqual(f.status_lines, {});
  assert.equal(f.end, null);
  assert.deepEqual(parseFacts(null), EMPTY_FACTS);
});

test('the longest texts the events allow survive a round trip through storage (clipped, never dropped)', () => {
  const route = (type: string) => STATUS_ROUTES.find((r) => r.def.type === type);
  const ref = { run_id: '0b5c4f6e-3f5e-4a8e-9d2a-1c3b5d7e9f01', project_id: '1b5c4f6e-3f5e-4a8e-9d2a-1c3b5d7e9f01', runtime_mode: 'full-env' as const, namespace: 'ns' };
  const failed = route('run.failed')?.update({ ...ref, job_name: 'j', job_namespace: 'ns', status: 'failed', reason: 'r'.repeat(900), error: 'e'.repeat(6_000) }, '2026-12-01T10:00:00Z');
  const tls = route('slot.tls.failed')?.update({ ...ref, slot_no: 1, host: 'h', reason: 'Failed', message: 'm'.repeat(3_000) }, '2026-12-01T10:00:00Z');
  assert.ok(failed && tls);
  let s = mergeStatus(start, failed);
  s = mergeStatus(s, tls);
  const stored = parseFacts(JSON.parse(JSON.stringify(s.facts)));
  assert.equal(stored.end?.status, 'failed');
  assert.ok((stored.end?.error?.length ?? 0) > 3_000 && (stored.end?.error?.length ?? 0) <= 4_000);
  assert.ok(stored.tls_failure?.startsWith('Failed: mmm'));
});

test('an artifact named like an object property is kept as data, within the cap', () => {
  let s = start;
  for (const name of ['__proto__', 'constructor', 'toString', ...Array.from({ length: 30 }, (_, i) => `a${i}`)]) {
    s = mergeStatus(s, { phase: 'agent_started', facts: { artifacts: { [name]: { kind: 'file', url: null } } } });
  }
  assert.equal(Object.keys(s.facts.artifacts).length, 20);
  assert.ok(Object.hasOwn(s.facts.artifacts, 'constructor'));
  assert.equal(Object.getPrototypeOf(s.facts.artifacts), Object.prototype);
});
