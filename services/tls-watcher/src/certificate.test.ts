import assert from 'node:assert/strict';
import { test } from 'node:test';
import { certificateState } from './certificate.js';

test('Ready=True is ready', () => {
  assert.deepEqual(certificateState({ status: { conditions: [{ type: 'Ready', status: 'True' }] } }), { state: 'ready' });
});

test('a failed issuance is failed with cert-manager reason and message', () => {
  const s = certificateState({
    status: {
      conditions: [
        { type: 'Ready', status: 'False', reason: 'DoesNotExist', message: 'Issuing certificate as Secret does not exist' },
        { type: 'Issuing', status: 'False', reason: 'Failed', message: 'The certificate request has failed to complete and will be retried: issuer not found' },
      ],
      lastFailureTime: '2026-11-24T12:00:00Z',
    },
  });
  assert.deepEqual(s, { state: 'failed', reason: 'Failed', message: 'The certificate request has failed to complete and will be retried: issuer not found' });
});

test('anything else is pending with the Ready reason; a missing Certificate says so', () => {
  assert.deepEqual(certificateState({ status: { conditions: [{ type: 'Ready', status: 'False', reason: 'InProgress', message: 'waiting' }] } }), { state: 'pending', reason: 'InProgress', message: 'waiting' });
  const missing = certificateState(undefined);
  assert.equal(missing.state, 'pending');
  assert.equal(missing.state === 'pending' && missing.reason, 'NotCreated');
});
