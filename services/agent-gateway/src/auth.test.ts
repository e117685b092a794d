import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentTokenHash, type AgentIdentity } from '@codex-k8s/db';
import { authorize, bearerOf } from './auth.js';

const now = new Date('2026-11-30T12:00:00Z');
const id = (o: Partial<AgentIdentity> = {}): AgentIdentity =>
  ({ run_id: 'r1', token_id: 'abc', expires_at: new Date(now.getTime() + 60_000), revoked_at: null, status: 'running', project_id: 'p', runtime_mode: 'full-env', namespace: 'ns', correlation_id: 'c', ...o }) as AgentIdentity;

test('only a well-formed bearer token is taken from the header', () => {
  const t = 'a'.repeat(43);
  assert.equal(bearerOf(`Bearer ${t}`), t);
  for (const h of [undefined, '', t, `bearer ${t}`, `Bearer ${t} x`, `Bearer ${'a'.repeat(42)}`, `Bearer ${'a'.repeat(42)}=`, `Basic ${t}`]) assert.equal(bearerOf(h), undefined, String(h));
});

test('the stored hash is SHA-256 of the token, never the token', () => {
  assert.equal(agentTokenHash('x').toString('hex'), '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881');
});

test('a token acts for its own live run only, while neither revoked nor expired', () => {
  assert.equal(authorize(id(), 'r1', now), undefined);
  assert.equal(authorize(id({ status: 'pending' }), 'r1', now), undefined, 'the Job was created, the row not yet marked running');
  assert.deepEqual(authorize(undefined, 'r1', now), { status: 401, reason: 'unknown token' });
  assert.deepEqual(authorize(id(), 'r2', now), { status: 403, reason: 'the token belongs to another run' });
  assert.equal(authorize(id({ revoked_at: now }), 'r1', now)?.status, 401);
  assert.deepEqual(authorize(id({ expires_at: now }), 'r1', now), { status: 401, reason: 'token expired' });
  assert.deepEqual(authorize(id({ status: 'failed' }), 'r1', now), { status: 409, reason: 'the run has ended (failed)' });
  assert.equal(authorize(id({ run_id: 'r2', revoked_at: now }), 'r1', now)?.status, 403, 'another run first: never say anything about that run');
});
