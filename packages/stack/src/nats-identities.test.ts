import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { nkeys } from '@nats-io/transport-node';
import { SERVICE_NAMES } from '@codex-k8s/contracts';
import { createUserNkey, ensurePlatformIdentities, issueSubscriber, readIdentities, seedFileOf } from './nats-identities.js';

test('generated NKEYs are user seeds whose public key nkeys.js derives identically, and they sign', () => {
  for (let i = 0; i < 20; i++) {
    const k = createUserNkey();
    assert.match(k.seed, /^SU[A-Z2-7]{56}$/);
    assert.match(k.publicKey, /^U[A-Z2-7]{55}$/);
    const kp = nkeys.fromSeed(new TextEncoder().encode(k.seed));
    assert.equal(kp.getPublicKey(), k.publicKey);
    const nonce = new TextEncoder().encode(`nonce-${i}`);
    assert.ok(nkeys.fromPublic(k.publicKey).verify(nonce, kp.sign(nonce)));
  }
});

test('platform identities are created once with 0600 seeds; subscribers are recorded and never overwritten', () => {
  const dir = mkdtempSync(join(tmpdir(), 'codex-k8s-creds-'));
  try {
    const first = ensurePlatformIdentities(dir);
    assert.deepEqual(first.map((i) => i.name).sort(), [...SERVICE_NAMES, 'bus-admin'].sort());
    assert.equal(statSync(seedFileOf(dir, 'planner')).mode & 0o777, 0o600);
    const seed = readFileSync(seedFileOf(dir, 'planner'), 'utf8');
    assert.deepEqual(ensurePlatformIdentities(dir), first, 'idempotent');
    assert.equal(readFileSync(seedFileOf(dir, 'planner'), 'utf8'), seed);
    const { identity, seedFile } = issueSubscriber(dir, 'slot-dashboard');
    assert.equal(statSync(seedFile).mode & 0o777, 0o600);
    assert.deepEqual(identity.consumers, ['slot-dashboard']);
    assert.equal(readIdentities(dir).at(-1)?.name, 'slot-dashboard');
    assert.throws(() => issueSubscriber(dir, 'slot-dashboard'), /already issued/);
    assert.throws(() => issueSubscriber(dir, 'planner'), /platform identity/);
    assert.ok(!readFileSync(join(dir, 'identities.json'), 'utf8').includes('"SU'), 'no seed in the index');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
