import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1ContainerStatus, V1Job, V1Pod } from '@kubernetes/client-node';
import { buildAgentJob, exitCodeOf, judgeJob } from './job.js';
import { labelKeys } from './labels.js';

const keys = labelKeys('codex-k8s.dev/');
const now = new Date('2026-11-24T12:00:00Z');
const job = (status: V1Job['status']): V1Job => ({ status });
const waiting = (reason: string): V1Pod => ({ status: { phase: 'Pending', containerStatuses: [{ name: 'run', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason } } }] } });

test('buildAgentJob: reference labels, env, limits and the run ServiceAccount', () => {
  const j = buildAgentJob(
    {
      name: 'codex-k8s-run-r1', namespace: 'ns', runId: 'r1', projectId: 'p1', correlationId: 'd1', runtimeMode: 'full-env', slotNo: 0,
      serviceAccount: 'codex-runner', image: 'img', command: 'echo hi', backoffLimit: 0, ttlSecondsAfterFinished: 600, activeDeadlineSeconds: 900,
    },
    keys,
  );
  const meta = j.metadata ?? {};
  assert.equal(meta.labels?.['app.kubernetes.io/name'], 'codex-k8s-run');
  assert.equal(meta.annotations?.['codex-k8s.dev/correlation-id'], 'd1');
  const spec = j.spec;
  assert.ok(spec);
  assert.deepEqual([spec.backoffLimit, spec.ttlSecondsAfterFinished, spec.activeDeadlineSeconds], [0, 600, 900]);
  const pod = spec.template.spec;
  assert.ok(pod);
  assert.equal(pod.serviceAccountName, 'codex-runner');
  assert.equal(pod.restartPolicy, 'Never');
  const container = pod.containers[0];
  assert.ok(container);
  assert.deepEqual(container.command, ['sh', '-c', 'echo hi']);
  const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
  assert.deepEqual(env, { CODEXK8S_RUN_ID: 'r1', CODEXK8S_CORRELATION_ID: 'd1', CODEXK8S_PROJECT_ID: 'p1', CODEXK8S_SLOT_NO: '0', CODEXK8S_RUNTIME_MODE: 'full-env' });
});

test('buildAgentJob: the pod satisfies Pod Security restricted (the platform namespace enforces it)', () => {
  const j = buildAgentJob(
    {
      name: 'codex-k8s-run-r1', namespace: 'codex-k8s-system', runId: 'r1', projectId: 'p1', correlationId: 'd1', runtimeMode: 'code-only', slotNo: 0,
      serviceAccount: 'codex-agent', image: 'img', command: 'echo hi', backoffLimit: 0, ttlSecondsAfterFinished: 600, activeDeadlineSeconds: 900,
    },
    keys,
  );
  const pod = j.spec?.template.spec;
  assert.ok(pod);
  assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
  assert.equal(pod.serviceAccountName, 'codex-agent');
  assert.equal(pod.hostNetwork ?? false, false);
  assert.equal(pod.volumes, undefined, 'no volumes: nothing of the namespace is mounted');
  for (const c of pod.containers) {
    assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    assert.ok((c.env ?? []).every((e) => e.valueFrom === undefined), 'plain values only, no Secret references');
  }
  assert.equal(j.spec?.template.metadata?.labels?.['app.kubernetes.io/name'], 'codex-k8s-run', 'the label the egress NetworkPolicy selects');
});

test('judgeJob maps Job and pod states to run states as the original codex-k8s does', () => {
  const cases: [string, V1Job, V1Pod[], string, string | null][] = [
    ['complete', job({ conditions: [{ type: 'Complete', status: 'True' }] }), [], 'succeeded', null],
    ['failed condition', job({ conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] }), [], 'failed', 'kubernetes job failed'],
    ['succeeded counter', job({ succeeded: 1 }), [], 'succeeded', null],
    ['failed counter', job({ failed: 1 }), [], 'failed', 'kubernetes job failed'],
    ['image pull', job({ active: 1 }), [waiting('ImagePullBackOff')], 'failed', 'ImagePullBackOff'],
    ['image absent, never pulled (real node)', job({ active: 1 }), [waiting('ErrImageNeverPull')], 'failed', 'ErrImageNeverPull'],
    ['any backoff', job({ active: 1 }), [waiting('SomethingBackOff')], 'failed', 'SomethingBackOff'],
    ['creating', job({ active: 1 }), [waiting('ContainerCreating')], 'running', null],
    ['pod failed', job({}), [{ status: { phase: 'Failed' } }], 'failed', 'kubernetes job failed'],
    ['nothing yet', job({}), [], 'pending', null],
  ];
  for (const [what, j, pods, state, reason] of cases) {
    const v = judgeJob({ job: j, pods, failedCreate: null, now, createDeadlineMs: 60_000 });
    assert.equal(v.state, state, what);
    assert.equal(v.reason, reason, what);
  }
});

test('pods that cannot be created fail the run only after the deadline', () => {
  const fc = { message: 'exceeded quota: codex-run-quota', firstSeen: new Date(now.getTime() - 30_000) };
  assert.equal(judgeJob({ job: job({}), pods: [], failedCreate: fc, now, createDeadlineMs: 60_000 }).state, 'pending');
  const late = judgeJob({ job: job({}), pods: [], failedCreate: { ...fc, firstSeen: new Date(now.getTime() - 61_000) }, now, createDeadlineMs: 60_000 });
  assert.deepEqual(late, { state: 'failed', reason: 'FailedCreate', error: 'exceeded quota: codex-run-quota' });
});

test("the run's exit code comes from the agent container of the newest pod that ended, else null", () => {
  const pod = (created: string, statuses: V1ContainerStatus[]): V1Pod => ({ metadata: { creationTimestamp: new Date(created) }, status: { containerStatuses: statuses } });
  const ended = (name: string, exitCode: number): V1ContainerStatus => ({ name, image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode } } });
  const older = pod('2026-11-30T10:00:00Z', [ended('run', 3)]);
  const newer = pod('2026-11-30T10:05:00Z', [ended('sidecar', 9), ended('run', 7)]);
  assert.equal(exitCodeOf([older, newer]), 7);
  assert.equal(exitCodeOf([newer, older]), 7);
  const restarted = pod('2026-11-30T10:06:00Z', [{ name: 'run', image: 'i', imageID: '', ready: false, restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 137 } } }]);
  assert.equal(exitCodeOf([older, restarted]), 137);
  const pulling = pod('2026-11-30T10:07:00Z', [{ name: 'run', image: 'i', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImageNeverPull' } } }]);
  assert.equal(exitCodeOf([pulling]), null);
  assert.equal(exitCodeOf([]), null);
});
