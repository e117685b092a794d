import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getRun } from '@codex-k8s/db';
import { BatchV1Api, CoreV1Api, NetworkingV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { PLATFORM_NS } from '../support/deploy.js';
import { eventually } from '../support/github.js';
import { adminKubeConfig, issuePayload, startPlatform, type Platform } from '../support/platform.js';

const kc = adminKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const batch = kc.makeApiClient(BatchV1Api);
const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
const net = kc.makeApiClient(NetworkingV1Api);

/** The types of a timeline, without the bookkeeping events that are not part of the run's story. */
const story = (rows: { event_type: string }[]): string[] => rows.map((r) => r.event_type).filter((t) => t !== 'run.created');

describe('a run end to end on the real control plane', () => {
  let p: Platform;
  // The stack installs deploy/base's platform namespace; its admission policies admit code-only Jobs only there.
  const platformNs = PLATFORM_NS;

  before(async () => {
    p = await startPlatform({ env: { CODEXK8S_PLATFORM_NAMESPACE: platformNs } });
  });
  after(async () => {
    await p?.stop();
  });

  test('run:dev on issue 42: namespace + baseline, Job under codex-runner, events in order, namespace gone', async () => {
    const delivery = await p.deliver(issuePayload({ label: 'run:dev' }));
    const prepared = await p.waitFor(delivery, ['run.namespace.prepared']);
    const runId = (prepared.find((r) => r.event_type === 'run.namespace.prepared')?.payload as { run_id: string }).run_id;
    const run = await getRun(p.tdb.db, runId);
    const ns = run?.namespace ?? '';
    assert.match(ns, new RegExp(`^${p.env.CODEXK8S_WORKER_RUN_NAMESPACE_PREFIX}-[0-9a-f]{12}-i42-r[0-9a-f]{12}$`));

    // While the Job runs (kwok completes it after 2 s), the namespace and its baseline exist.
    const namespace = await core.readNamespace({ name: ns });
    const labels = namespace.metadata?.labels ?? {};
    assert.equal(labels['codex-k8s.dev/managed-by'], 'codex-k8s-worker');
    assert.equal(labels['codex-k8s.dev/namespace-purpose'], 'run');
    assert.equal(labels['codex-k8s.dev/runtime-mode'], 'full-env');
    assert.equal(labels['codex-k8s.dev/run-id'], runId);
    assert.equal(labels['codex-k8s.dev/project-id'], p.projectId);
    assert.equal(labels['codex-k8s.dev/issue-number'], '42');
    assert.equal(labels['pod-security.kubernetes.io/enforce'], 'baseline');
    assert.equal(namespace.metadata?.annotations?.['codex-k8s.dev/correlation-id'], delivery);
    await core.readNamespacedServiceAccount({ name: 'codex-runner', namespace: ns });
    const role = await rbac.readNamespacedRole({ name: 'codex-runner', namespace: ns });
    assert.ok(role.rules?.every((r) => !r.resources?.includes('secrets')));
    const binding = await rbac.readNamespacedRoleBinding({ name: 'codex-runner', namespace: ns });
    assert.deepEqual(binding.subjects?.map((s) => `${s.kind}/${s.name}`), ['ServiceAccount/codex-runner']);
    const quota = await core.readNamespacedResourceQuota({ name: 'codex-run-quota', namespace: ns });
    assert.deepEqual(quota.spec?.hard, { pods: '20', 'requests.cpu': '4', 'requests.memory': '8Gi', 'limits.cpu': '8', 'limits.memory': '16Gi' });
    const limits = await core.readNamespacedLimitRange({ name: 'codex-run-limits', namespace: ns });
    const item = limits.spec?.limits[0];
    assert.deepEqual(item?.defaultRequest, { cpu: '250m', memory: '256Mi' });
    assert.deepEqual(item?._default, { cpu: '1', memory: '1Gi' }, 'client-node reads the wire field `default` as `_default`');
    await net.readNamespacedNetworkPolicy({ name: 'codex-run-isolation', namespace: ns });

    const job = await eventually('the agent Job', async () => batch.readNamespacedJob({ name: `codex-k8s-run-${runId}`, namespace: ns }).catch(() => undefined));
    assert.equal(job.spec?.template.spec?.serviceAccountName, 'codex-runner');
    assert.equal(job.metadata?.labels?.['codex-k8s.dev/run-id'], runId);
    const env = Object.fromEntries((job.spec?.template.spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
    assert.equal(env.CODEXK8S_RUN_ID, runId);
    assert.equal(env.CODEXK8S_CORRELATION_ID, delivery);
    assert.equal(env.CODEXK8S_RUNTIME_MODE, 'full-env');

    const rows = await p.waitFor(delivery, ['run.namespace.cleaned']);
    await new Promise((r) => setTimeout(r, 1_500)); // nothing else may follow
    assert.deepEqual(story(await p.timeline(delivery)), ['webhook.received', 'run.namespace.prepared', 'run.agent.token.issued', 'run.started', 'run.agent.token.revoked', 'run.succeeded', 'run.namespace.cleaned']);
    assert.ok(rows.every((r) => r.correlation_id === delivery));
    const ended = await getRun(p.tdb.db, runId);
    assert.equal(ended?.status, 'succeeded');
    // kwok's completion stage ends the container with exit code 0, recorded like a real one
    assert.deepEqual(ended?.outcome, { event_type: 'run.succeeded', reason: null, error: null, exit_code: 0 });
    // kwok nodes serve no container logs, so the stored tail says why it is empty rather than being missing
    assert.ok(ended?.agent_logs_tail && ended.agent_logs_tail.length > 0, 'a logs tail (or its absence) is stored');
    await eventually('the namespace deleted', async () => core.readNamespace({ name: ns }).then(() => undefined, () => true), 60_000);
  });

  test('a code-only trigger runs in the platform namespace with no run.namespace events', async () => {
    const delivery = await p.deliver(issuePayload({ label: 'run:plan' }));
    const rows = await p.waitFor(delivery, ['run.succeeded']);
    await new Promise((r) => setTimeout(r, 1_500));
    const types = story(await p.timeline(delivery));
    assert.deepEqual(types, ['webhook.received', 'run.agent.token.issued', 'run.started', 'run.agent.token.revoked', 'run.succeeded']);
    const started = rows.find((r) => r.event_type === 'run.started')?.payload as { job_namespace: string; job_name: string; namespace: string | null; runtime_mode: string };
    assert.equal(started.job_namespace, platformNs);
    assert.equal(started.namespace, null);
    assert.equal(started.runtime_mode, 'code-only');
    const job = await batch.readNamespacedJob({ name: started.job_name, namespace: platformNs });
    assert.equal(job.spec?.template.spec?.serviceAccountName, 'codex-agent', 'the code-only identity: no RBAC, no token; never a platform ServiceAccount');
  });

  test('deliveries that start no run are ignored with the reference reason codes', async () => {
    const unbound = JSON.parse(issuePayload()) as { repository: { id: number } };
    unbound.repository.id = 1;
    const stranger = JSON.parse(issuePayload()) as { sender: { login: string } };
    stranger.sender.login = 'mallory';
    const cases: [string, string][] = [
      [issuePayload({ label: 'bug', issueLabels: ['bug'] }), 'issue_event_not_trigger_label'],
      [issuePayload({ label: 'run:dev', issueLabels: ['run:dev', 'run:plan'] }), 'issue_trigger_label_conflict'],
      [JSON.stringify(unbound), 'repository_not_bound_for_issue_label'],
      [JSON.stringify(stranger), 'sender_not_allowed'],
    ];
    for (const [body, reason] of cases) {
      const delivery = await p.deliver(body);
      const rows = await p.waitFor(delivery, ['webhook.ignored']);
      assert.equal((rows.find((r) => r.event_type === 'webhook.ignored')?.payload as { reason: string }).reason, reason);
      const runs = await p.tdb.db.selectFrom('agent_runs').select('id').where('correlation_id', '=', delivery).execute();
      assert.equal(runs.length, 0, `${reason}: no run`);
    }
  });
});
