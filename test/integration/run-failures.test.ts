import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { getRun } from '@codex-k8s/db';
import { labelKeys, namespaceLabels, runNamespaceName } from '@codex-k8s/kube';
import { BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
import { eventually } from '../support/github.js';
import { adminKubeConfig, issuePayload, startPlatform, type Platform } from '../support/platform.js';

const kc = adminKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const batch = kc.makeApiClient(BatchV1Api);
const story = (rows: { event_type: string }[]): string[] => rows.map((r) => r.event_type).filter((t) => t !== 'run.created');
const payloadOf = <T>(rows: { event_type: string; payload: unknown }[], type: string): T => rows.find((r) => r.event_type === type)?.payload as T;

// Every way a run can go wrong ends it exactly once, with the cause, and still cleans up what it created.
describe('failing runs end once, with their cause, and leave nothing behind', () => {
  let p: Platform;
  const withImage = async (image: string): Promise<void> => p.restart('agent-launcher', 'stop', { CODEXK8S_WORKER_JOB_IMAGE: image });

  before(async () => {
    p = await startPlatform({ env: { CODEXK8S_JOB_CREATE_DEADLINE_MS: '3000' } });
  });
  after(async () => p?.stop());

  test('a failing Job: run.failed (kubernetes job failed), then the namespace is cleaned', async () => {
    await withImage('codex-k8s.invalid/fail:latest');
    const delivery = await p.deliver(issuePayload());
    const rows = await p.waitFor(delivery, ['run.failed', 'run.namespace.cleaned']);
    assert.deepEqual(story(rows), ['webhook.received', 'run.namespace.prepared', 'run.agent.token.issued', 'run.started', 'run.agent.token.revoked', 'run.failed', 'run.namespace.cleaned']);
    assert.equal(payloadOf<{ reason: string }>(rows, 'run.failed').reason, 'kubernetes job failed');
  });

  test('an image that cannot be pulled fails the run early with ImagePullBackOff', async () => {
    await withImage('codex-k8s.invalid/pull-error:latest');
    const delivery = await p.deliver(issuePayload());
    const rows = await p.waitFor(delivery, ['run.failed', 'run.namespace.cleaned'], 30_000);
    assert.deepEqual(story(rows), ['webhook.received', 'run.namespace.prepared', 'run.agent.token.issued', 'run.started', 'run.agent.token.revoked', 'run.failed', 'run.namespace.cleaned']);
    assert.equal(payloadOf<{ reason: string }>(rows, 'run.failed').reason, 'ImagePullBackOff');
  });

  test('a Job deleted under a running run ends it with run.failed.job_not_found', async () => {
    await withImage('codex-k8s.invalid/hang:latest');
    const delivery = await p.deliver(issuePayload());
    const rows = await p.waitFor(delivery, ['run.started']);
    const started = payloadOf<{ job_name: string; job_namespace: string }>(rows, 'run.started');
    await batch.deleteNamespacedJob({ name: started.job_name, namespace: started.job_namespace, propagationPolicy: 'Background' });
    const end = await p.waitFor(delivery, ['run.failed.job_not_found', 'run.namespace.cleaned']);
    assert.deepEqual(story(end), ['webhook.received', 'run.namespace.prepared', 'run.agent.token.issued', 'run.started', 'run.agent.token.revoked', 'run.failed.job_not_found', 'run.namespace.cleaned']);
    assert.equal(payloadOf<{ reason: string }>(end, 'run.failed.job_not_found').reason, 'kubernetes job not found');
  });

  test('pods refused by the quota fail the run with FailedCreate after the deadline', async () => {
    await withImage('busybox:1.36');
    await p.restart('namespace-provisioner', 'stop', { CODEXK8S_WORKER_RUN_QUOTA_PODS: '0' });
    try {
      const delivery = await p.deliver(issuePayload());
      const rows = await p.waitFor(delivery, ['run.failed', 'run.namespace.cleaned'], 60_000);
      const failed = payloadOf<{ reason: string; error: string }>(rows, 'run.failed');
      assert.equal(failed.reason, 'FailedCreate');
      assert.match(failed.error, /quota/);
    } finally {
      await p.restart('namespace-provisioner', 'stop');
    }
  });

  test('an existing namespace without our labels is never adopted: launch_error, no Job, namespace untouched', async () => {
    const delivery = randomUUID();
    const runId = randomUUID();
    const ns = runNamespaceName({ prefix: p.env.CODEXK8S_WORKER_RUN_NAMESPACE_PREFIX ?? '', projectId: p.projectId, runId, issueNumber: 42 });
    await core.createNamespace({ body: { metadata: { name: ns, labels: { team: 'someone-else' } } } });
    try {
      // The run of this delivery already exists (as after a crash), with the namespace name it will use.
      await p.tdb.db
        .insertInto('agent_runs')
        .values({ id: runId, correlation_id: delivery, project_id: p.projectId, runtime_mode: 'full-env', repository_full_name: 'acme/shop', issue_number: 42, namespace: ns, run_payload: '{}' })
        .execute();
      await p.deliver(issuePayload(), 'issues', delivery);
      const rows = await p.waitFor(delivery, ['run.failed.launch_error', 'run.namespace.cleanup_skipped']);
      assert.deepEqual(story(rows), ['webhook.received', 'run.failed.launch_error', 'run.namespace.cleanup_skipped']);
      const err = payloadOf<{ reason: string; error: string }>(rows, 'run.failed.launch_error');
      assert.equal(err.reason, 'namespace_prepare_failed');
      assert.match(err.error, /not managed by codex-k8s/);
      assert.equal(payloadOf<{ reason: string }>(rows, 'run.namespace.cleanup_skipped').reason, 'namespace_not_managed');
      const kept = await core.readNamespace({ name: ns });
      assert.deepEqual(kept.metadata?.labels?.team, 'someone-else');
      assert.equal(kept.metadata?.labels?.['codex-k8s.dev/managed-by'], undefined, 'labels untouched');
      assert.equal((await batch.listNamespacedJob({ namespace: ns })).items.length, 0, 'no Job');
      assert.equal((await getRun(p.tdb.db, runId))?.status, 'failed');
    } finally {
      await core.deleteNamespace({ name: ns });
    }
  });

  test('the sweeper deletes a managed namespace whose run ended without an event (e.g. canceled by staff)', async () => {
    const runId = randomUUID();
    const delivery = randomUUID();
    const ns = runNamespaceName({ prefix: p.env.CODEXK8S_WORKER_RUN_NAMESPACE_PREFIX ?? '', projectId: p.projectId, runId, issueNumber: 7 });
    const keys = labelKeys('codex-k8s.dev/');
    await core.createNamespace({
      body: { metadata: { name: ns, labels: namespaceLabels(keys, { runId, projectId: p.projectId, correlationId: delivery, runtimeMode: 'full-env', issueNumber: 7 }) } },
    });
    await p.tdb.db
      .insertInto('agent_runs')
      .values({ id: runId, correlation_id: delivery, project_id: p.projectId, status: 'canceled', runtime_mode: 'full-env', repository_full_name: 'acme/shop', issue_number: 7, namespace: ns, run_payload: '{}' })
      .execute();
    const rows = await p.waitFor(delivery, ['run.namespace.cleaned'], 30_000);
    assert.deepEqual(story(rows), ['run.namespace.cleaned']);
    assert.equal(payloadOf<{ trigger: string }>(rows, 'run.namespace.cleaned').trigger, 'sweeper');
    await eventually('namespace deleted', async () => core.readNamespace({ name: ns }).then(() => undefined, () => true), 60_000);
  });
});
