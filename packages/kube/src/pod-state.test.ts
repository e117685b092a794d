import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { blockedContainerOf } from './pod-state.js';

const status = (name: string, waiting?: { reason: string; message?: string }, restarts = 0) => ({ name, image: 'i', imageID: '', ready: false, restartCount: restarts, state: waiting ? { waiting } : { running: {} } });

test('a blocked container is one waiting on a terminal reason or a back-off; init containers first', () => {
  const pod = (init: ReturnType<typeof status>[], main: ReturnType<typeof status>[]): V1Pod => ({ metadata: { name: 'p' }, status: { initContainerStatuses: init, containerStatuses: main } });
  assert.equal(blockedContainerOf(pod([], [status('a', { reason: 'ContainerCreating' }), status('b')])), undefined);
  assert.deepEqual(blockedContainerOf(pod([status('init', { reason: 'CrashLoopBackOff', message: 'back-off' }, 2)], [status('a', { reason: 'ErrImageNeverPull' })])), { pod: 'p', container: 'init', reason: 'CrashLoopBackOff', message: 'back-off', restarts: 2, lastExitCode: null });
  assert.equal(blockedContainerOf(pod([], [status('a', { reason: 'SomeFutureBackOff' })]))?.reason, 'SomeFutureBackOff', 'any back-off counts');
  assert.equal(blockedContainerOf({ metadata: { name: 'p' } }), undefined, 'no status yet');
});
