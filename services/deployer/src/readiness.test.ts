import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readinessOf } from './readiness.js';

test('Deployment: available with every replica updated, on the current generation', () => {
  const d = (status: Record<string, unknown>, generation = 2) => ({ kind: 'Deployment', metadata: { generation }, spec: { replicas: 2 }, status });
  const avail = { type: 'Available', status: 'True' };
  assert.equal(readinessOf(d({ observedGeneration: 2, updatedReplicas: 2, availableReplicas: 2, conditions: [avail] })).state, 'ready');
  assert.equal(readinessOf(d({ observedGeneration: 1, updatedReplicas: 2, availableReplicas: 2, conditions: [avail] })).state, 'waiting', 'old generation');
  const w = readinessOf(d({ observedGeneration: 2, updatedReplicas: 2, availableReplicas: 1, conditions: [avail] }));
  assert.deepEqual(w, { state: 'waiting', condition: 'Available=True with 2 updated and available replicas (now 1)' });
});

test('StatefulSet, DaemonSet, Job and the rest', () => {
  assert.equal(readinessOf({ kind: 'StatefulSet', status: { readyReplicas: 1 } }).state, 'ready');
  assert.equal(readinessOf({ kind: 'StatefulSet', spec: { replicas: 3 }, status: { readyReplicas: 2 } }).state, 'waiting');
  assert.equal(readinessOf({ kind: 'DaemonSet', status: { desiredNumberScheduled: 0, numberReady: 0 } }).state, 'waiting');
  assert.equal(readinessOf({ kind: 'DaemonSet', status: { desiredNumberScheduled: 2, numberReady: 2 } }).state, 'ready');
  assert.equal(readinessOf({ kind: 'Job', status: { conditions: [{ type: 'Complete', status: 'True' }] } }).state, 'ready');
  assert.deepEqual(readinessOf({ kind: 'Job', status: { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] } }), { state: 'failed', condition: 'Job failed: BackoffLimitExceeded' });
  assert.equal(readinessOf({ kind: 'Job', status: {} }).state, 'waiting');
  assert.equal(readinessOf({ kind: 'ConfigMap' }).state, 'ready');
});
