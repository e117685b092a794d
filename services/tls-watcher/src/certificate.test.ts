import assert from 'node:assert/strict';
import { test } from 'node:test';
import { certificateState, tlsStep, type CertificateView } from './certificate.js';

const host = 'shop-1.ai.example.test';
const readyCert = (o: Partial<CertificateView> = {}): CertificateView => ({
  metadata: { name: 'codex-k8s-ai-tls', generation: 2 },
  spec: { dnsNames: [host] },
  status: { conditions: [{ type: 'Ready', status: 'True', observedGeneration: 2 }], notAfter: '2099-01-01T00:00:00Z' },
  ...o,
});

test('Ready=True for the current spec covering the host is ready', () => {
  assert.deepEqual(certificateState(readyCert(), host), { state: 'ready' });
  assert.deepEqual(certificateState(readyCert({ status: { conditions: [{ type: 'Ready', status: 'True' }] } }), host), { state: 'ready' }, 'no observedGeneration recorded: trusted');
});

test('a Ready certificate whose dnsNames miss the host never makes the slot ready', () => {
  const other = certificateState(readyCert({ spec: { dnsNames: ['shop-1.victim.example.test'] } }), host);
  assert.equal(other.state, 'pending');
  assert.equal(other.state === 'pending' && other.reason, 'HostNotCovered');
  assert.match(other.state === 'pending' ? other.message : '', /covers shop-1\.victim\.example\.test, not shop-1\.ai\.example\.test/);
  assert.equal(certificateState(readyCert({ spec: {} }), host).state, 'pending');
});

test('Ready observed for an older spec, or an expired certificate, is not this deploy\'s', () => {
  const stale = certificateState(readyCert({ metadata: { generation: 3 } }), host);
  assert.equal(stale.state === 'pending' && stale.reason, 'Stale');
  const expired = certificateState(readyCert({ status: { conditions: [{ type: 'Ready', status: 'True', observedGeneration: 2 }], notAfter: '2020-01-01T00:00:00Z' } }), host);
  assert.equal(expired.state === 'pending' && expired.reason, 'Expired');
});

test('a failed issuance is failed with cert-manager reason and message', () => {
  const s = certificateState(
    {
      status: {
        conditions: [
          { type: 'Ready', status: 'False', reason: 'DoesNotExist', message: 'Issuing certificate as Secret does not exist' },
          { type: 'Issuing', status: 'False', reason: 'Failed', message: 'The certificate request has failed to complete and will be retried: issuer not found' },
        ],
        lastFailureTime: '2026-11-24T12:00:00Z',
      },
    },
    host,
  );
  assert.deepEqual(s, { state: 'failed', reason: 'Failed', message: 'The certificate request has failed to complete and will be retried: issuer not found' });
});

test('anything else is pending with the Ready reason; a missing Certificate says so', () => {
  assert.deepEqual(certificateState({ status: { conditions: [{ type: 'Ready', status: 'False', reason: 'InProgress', message: 'waiting' }] } }, host), { state: 'pending', reason: 'InProgress', message: 'waiting' });
  const missing = certificateState(undefined, host);
  assert.equal(missing.state, 'pending');
  assert.equal(missing.state === 'pending' && missing.reason, 'NotCreated');
});

test('the watcher waits without holding the message until the deadline counted from the deploy, then fails', () => {
  const startedAt = new Date('2026-11-30T12:00:00Z');
  const at = (s: number) => ({ now: new Date(startedAt.getTime() + s * 1000), startedAt, timeoutMs: 60_000, pollMs: 2_000 });
  const pending = { state: 'pending' as const, reason: 'InProgress', message: 'issuing' };
  assert.deepEqual(tlsStep({ state: 'ready' }, at(5)), { step: 'ready' });
  assert.deepEqual(tlsStep(pending, at(0.3)), { step: 'wait', delayMs: 100 }, 'a fresh certificate is looked at again soon');
  assert.deepEqual(tlsStep(pending, at(3)), { step: 'wait', delayMs: 750 }, 'a quarter of the time pending');
  assert.deepEqual(tlsStep(pending, at(9)), { step: 'wait', delayMs: 2_000 }, 'at most the poll interval');
  assert.deepEqual(tlsStep(pending, at(59.5)), { step: 'wait', delayMs: 500 }, 'never waits past the deadline');
  assert.deepEqual(tlsStep(pending, at(60)), { step: 'fail', last: pending });
  const failed = { state: 'failed' as const, reason: 'Failed', message: 'issuer not found' };
  assert.deepEqual(tlsStep(failed, at(1)), { step: 'fail', last: failed });
});
