import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { cleanText, currentRevisionPods, failingContainer, lastLogLines, LOG_LINE_CHARS, LOG_LINES, podFailureText, podSelectorOf } from './pod-failure.js';

const pod = (name: string, created: string, waiting: { reason: string; message?: string }, o: { restarts?: number; exitCode?: number; owner?: string; labels?: Record<string, string> } = {}): V1Pod => ({
  metadata: { name, creationTimestamp: new Date(created), labels: o.labels ?? {}, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: o.owner ?? 'rs1', uid: o.owner ?? 'rs1', controller: true }] },
  status: { containerStatuses: [{ name: 'api', image: 'x', imageID: '', ready: false, restartCount: o.restarts ?? 0, state: { waiting }, ...(o.exitCode === undefined ? {} : { lastState: { terminated: { exitCode: o.exitCode } } }) }] },
});
const deployment = { kind: 'Deployment', metadata: { name: 'api', namespace: 's-1' } };
const at = (since: string, now = '2026-01-01T00:00:10Z') => ({ since: new Date(since), now: new Date(now), pullGraceMs: 60_000 });

test('the pods of a workload are found by its matchLabels; kinds without pods and other selectors have none', () => {
  assert.equal(podSelectorOf({ kind: 'Deployment', spec: { selector: { matchLabels: { app: 'api', tier: 'web' } } } }), 'app=api,tier=web');
  assert.equal(podSelectorOf({ kind: 'Job', spec: { selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } } } }), 'batch.kubernetes.io/controller-uid=u1');
  assert.equal(podSelectorOf({ kind: 'Service', spec: { selector: { matchLabels: { app: 'api' } } } }), undefined);
  assert.equal(podSelectorOf({ kind: 'Deployment', spec: { selector: {} } }), undefined);
});

test('a missing image fails at once; a crash only once the container crashed again after a restart', () => {
  const since = at('2026-01-01T00:00:00Z');
  assert.equal(failingContainer(deployment, [pod('p1', '2026-01-01T00:00:01Z', { reason: 'ContainerCreating' })], since), undefined);
  assert.equal(failingContainer(deployment, [pod('p1', '2026-01-01T00:00:01Z', { reason: 'ErrImageNeverPull', message: 'image not present' })], since)?.reason, 'ErrImageNeverPull');
  assert.equal(failingContainer(deployment, [pod('p1', '2026-01-01T00:00:01Z', { reason: 'CrashLoopBackOff' }, { exitCode: 1 })], since), undefined, 'the first crash is forgiven');
  const loop = failingContainer(deployment, [pod('old', '2026-01-01T00:00:01Z', { reason: 'CrashLoopBackOff' }, { restarts: 1, exitCode: 2 }), pod('new', '2026-01-01T00:00:02Z', { reason: 'CrashLoopBackOff' }, { restarts: 3, exitCode: 7 })], since);
  assert.deepEqual(loop, { pod: 'new', container: 'api', reason: 'CrashLoopBackOff', message: null, restarts: 3, lastExitCode: 7 }, 'the newest pod speaks');
});

test('pods older than the unit are not its failure; whole-second timestamps are', () => {
  const since = at('2026-01-01T00:01:00.900Z', '2026-01-01T00:01:05Z');
  assert.equal(failingContainer(deployment, [pod('old', '2026-01-01T00:00:00Z', { reason: 'ErrImageNeverPull' })], since), undefined);
  assert.equal(failingContainer(deployment, [pod('new', '2026-01-01T00:01:00Z', { reason: 'ErrImageNeverPull' })], since)?.pod, 'new');
});

test("a rollout's previous ReplicaSet and a StatefulSet's previous revision are not judged", () => {
  const since = at('2026-01-01T00:00:00Z');
  const pods = [pod('old', '2026-01-01T00:00:01Z', { reason: 'ImagePullBackOff' }, { owner: 'rs-old' }), pod('new', '2026-01-01T00:00:03Z', { reason: 'ContainerCreating' }, { owner: 'rs-new' })];
  assert.deepEqual(currentRevisionPods(deployment, pods).map((p) => p.metadata?.name), ['new']);
  assert.equal(failingContainer(deployment, pods, at('2026-01-01T00:00:00Z', '2026-01-01T00:05:00Z')), undefined, 'the old ReplicaSet\'s pull error is past the grace but not this revision\'s');
  const sts = { kind: 'StatefulSet', status: { updateRevision: 'db-2' } };
  const stsPods = [pod('db-0', '2026-01-01T00:00:01Z', { reason: 'ErrImageNeverPull' }, { labels: { 'controller-revision-hash': 'db-1' } }), pod('db-1', '2026-01-01T00:00:02Z', { reason: 'ContainerCreating' }, { labels: { 'controller-revision-hash': 'db-2' } })];
  assert.equal(failingContainer(sts, stsPods, since), undefined);
});

test('conditions that may clear (pull errors, a Secret not written yet) get the grace; past it the unit fails', () => {
  for (const reason of ['ImagePullBackOff', 'CreateContainerConfigError']) {
    const pulling = [pod('p1', '2026-01-01T00:00:01Z', { reason, message: 'waiting' })];
    assert.equal(failingContainer(deployment, pulling, at('2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z')), undefined, `${reason} 59 s old`);
    assert.equal(failingContainer(deployment, pulling, at('2026-01-01T00:00:00Z', '2026-01-01T00:01:01Z'))?.reason, reason, `${reason} 60 s old`);
  }
  assert.equal(failingContainer(deployment, [pod('p1', '2026-01-01T00:00:01Z', { reason: 'InvalidImageName' })], at('2026-01-01T00:00:00Z'))?.reason, 'InvalidImageName');
});

test('the failure text names the object, pod, container, reason, exit code and the last log lines, cleaned and bounded', () => {
  const lines = lastLogLines(['start', '', ...Array.from({ length: 30 }, (_, i) => `line ${i}`), `\u001b[31m\u202e${'x'.repeat(500)}\r`].join('\n'));
  assert.equal(lines.length, LOG_LINES);
  assert.equal(lines[0], 'line 11');
  assert.equal(lines.at(-1), `[31m${'x'.repeat(LOG_LINE_CHARS - 4)}`, 'escapes and bidi overrides removed, cut to the line limit');
  assert.equal(cleanText('a\tb\u009bc\u0000d', 10), 'a\tbcd', 'tabs stay, C0 and C1 controls go');
  const text = podFailureText('Deployment/api in s-1', { pod: 'api-1', container: 'api', reason: 'CrashLoopBackOff', message: 'back-off 10s\u001b[2J', restarts: 2, lastExitCode: 3 }, ['boom']);
  assert.equal(text, 'Deployment/api in s-1: pod api-1 container api CrashLoopBackOff (exit code 3, restarted 2 times): back-off 10s[2J\nlast log lines of api:\nboom');
  assert.equal(podFailureText('Job/m in s-1', { pod: 'm-1', container: 'm', reason: 'ErrImageNeverPull', message: null, restarts: 0, lastExitCode: null }, []), 'Job/m in s-1: pod m-1 container m ErrImageNeverPull');
});
