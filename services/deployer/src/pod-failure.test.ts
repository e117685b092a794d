import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { failingContainer, lastLogLines, LOG_LINE_CHARS, LOG_LINES, podFailureText, podSelectorOf } from './pod-failure.js';

const pod = (name: string, created: string, waiting: { reason: string; message?: string }, restarts = 0, exitCode?: number): V1Pod => ({
  metadata: { name, creationTimestamp: new Date(created) },
  status: { containerStatuses: [{ name: 'api', image: 'x', imageID: '', ready: false, restartCount: restarts, state: { waiting }, ...(exitCode === undefined ? {} : { lastState: { terminated: { exitCode } } }) }] },
});

test('the pods of a workload are found by its matchLabels; kinds without pods and other selectors have none', () => {
  assert.equal(podSelectorOf({ kind: 'Deployment', spec: { selector: { matchLabels: { app: 'api', tier: 'web' } } } } as never), 'app=api,tier=web');
  assert.equal(podSelectorOf({ kind: 'Job', spec: { selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } } } } as never), 'batch.kubernetes.io/controller-uid=u1');
  assert.equal(podSelectorOf({ kind: 'Service', spec: { selector: { matchLabels: { app: 'api' } } } } as never), undefined);
  assert.equal(podSelectorOf({ kind: 'Deployment', spec: { selector: {} } } as never), undefined);
});

const at = (since: string, now = '2026-01-01T00:00:10Z') => ({ since: new Date(since), now: new Date(now), pullGraceMs: 60_000 });

test('a missing image fails at once; a crash only once the container crashed again after a restart', () => {
  const since = at('2026-01-01T00:00:00Z');
  assert.equal(failingContainer([pod('p1', '2026-01-01T00:00:01Z', { reason: 'ContainerCreating' })], since), undefined);
  assert.equal(failingContainer([pod('p1', '2026-01-01T00:00:01Z', { reason: 'ErrImageNeverPull', message: 'image not present' })], since)?.reason, 'ErrImageNeverPull');
  assert.equal(failingContainer([pod('p1', '2026-01-01T00:00:01Z', { reason: 'CrashLoopBackOff' }, 0, 1)], since), undefined, 'the first crash is forgiven');
  const loop = failingContainer([pod('old', '2026-01-01T00:00:01Z', { reason: 'CrashLoopBackOff' }, 1, 2), pod('new', '2026-01-01T00:00:02Z', { reason: 'CrashLoopBackOff' }, 3, 7)], since);
  assert.deepEqual(loop, { pod: 'new', container: 'api', reason: 'CrashLoopBackOff', message: null, restarts: 3, lastExitCode: 7 }, 'the newest pod speaks');
});

test('pods older than the apply (a rolling update\'s old ones) are not the deploy\'s failure; whole-second timestamps are', () => {
  const since = at('2026-01-01T00:01:00.900Z', '2026-01-01T00:01:05Z');
  assert.equal(failingContainer([pod('old', '2026-01-01T00:00:00Z', { reason: 'ErrImageNeverPull' })], since), undefined);
  assert.equal(failingContainer([pod('new', '2026-01-01T00:01:00Z', { reason: 'ErrImageNeverPull' })], since)?.pod, 'new');
});

test('a pull error is given the grace (a registry may recover); past it the unit fails', () => {
  const pulling = [pod('p1', '2026-01-01T00:00:01Z', { reason: 'ImagePullBackOff', message: 'Back-off pulling image' })];
  assert.equal(failingContainer(pulling, at('2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z')), undefined, '59 s old');
  assert.equal(failingContainer(pulling, at('2026-01-01T00:00:00Z', '2026-01-01T00:01:01Z'))?.reason, 'ImagePullBackOff', '60 s old');
  assert.equal(failingContainer([pod('p1', '2026-01-01T00:00:01Z', { reason: 'CreateContainerConfigError', message: 'secret "x" not found' })], at('2026-01-01T00:00:00Z'))?.reason, 'CreateContainerConfigError');
});

test('the failure text names the object, pod, container, reason, exit code and the last log lines, bounded', () => {
  const lines = lastLogLines(['start', '', ...Array.from({ length: 30 }, (_, i) => `line ${i}`), `\u001b[31m${'x'.repeat(500)}\r`].join('\n'));
  assert.equal(lines.length, LOG_LINES);
  assert.equal(lines[0], 'line 11');
  assert.equal(lines.at(-1), `[31m${'x'.repeat(LOG_LINE_CHARS - 4)}`, 'escapes removed, cut to the line limit');
  const text = podFailureText('Deployment/api in s-1', { pod: 'api-1', container: 'api', reason: 'CrashLoopBackOff', message: 'back-off 10s', restarts: 2, lastExitCode: 3 }, ['boom']);
  assert.equal(text, 'Deployment/api in s-1: pod api-1 container api CrashLoopBackOff (exit code 3, restarted 2 times): back-off 10s\nlast log lines of api:\nboom');
  assert.equal(podFailureText('Job/m in s-1', { pod: 'm-1', container: 'm', reason: 'ErrImageNeverPull', message: null, restarts: 0, lastExitCode: null }, []), 'Job/m in s-1: pod m-1 container m ErrImageNeverPull');
});
