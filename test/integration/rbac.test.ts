import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthorizationV1Api, CoreV1Api, RbacAuthorizationV1Api, KubeConfig, type V1ResourceAttributes } from '@kubernetes/client-node';
import { applyDeployBase, PLATFORM_NS, serviceAccountKubeconfig } from '../support/deploy.js';
import { eventually } from '../support/github.js';
import { adminKubeConfig, issuePayload, startPlatform, type Platform } from '../support/platform.js';

const kc = adminKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const authz = kc.makeApiClient(AuthorizationV1Api);

async function can(sa: { ns: string; name: string }, attrs: V1ResourceAttributes): Promise<boolean> {
  const r = await authz.createSubjectAccessReview({
    body: {
      spec: {
        user: `system:serviceaccount:${sa.ns}:${sa.name}`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${sa.ns}`, 'system:authenticated'],
        resourceAttributes: attrs,
      },
    },
  });
  return r.status?.allowed === true;
}

// The services run with the identities deploy/ gives them (ServiceAccount tokens), not as cluster-admin.
describe('least privilege on the real apiserver', () => {
  let p: Platform;
  let runNs = '';
  const files: Record<string, string> = {};

  before(async () => {
    await applyDeployBase(kc);
    for (const s of ['namespace-provisioner', 'agent-launcher']) files[s] = await serviceAccountKubeconfig(kc, PLATFORM_NS, s);
    p = await startPlatform({
      kubeconfigs: files,
      env: {
        CODEXK8S_PLATFORM_NAMESPACE: PLATFORM_NS,
        CODEXK8S_WORKER_RUN_NAMESPACE_CLEANUP: 'false',
        CODEXK8S_WORKER_RUN_RESOURCE_QUOTA_NAME: 'custom-quota',
        CODEXK8S_WORKER_RUN_QUOTA_PODS: '7',
        CODEXK8S_WORKER_RUN_QUOTA_LIMITS_MEMORY: '3Gi',
        CODEXK8S_WORKER_RUN_LIMIT_DEFAULT_MEMORY: '512Mi',
        CODEXK8S_WORKER_RUN_LIMIT_DEFAULT_REQUEST_CPU: '100m',
      },
    });
  });
  after(async () => {
    await p?.stop();
    if (runNs) await core.deleteNamespace({ name: runNs }).catch(() => undefined);
  });

  test('run:dev succeeds under the services own ServiceAccounts; cleanup disabled keeps the namespace and says how to delete it', async () => {
    const delivery = await p.deliver(issuePayload({ label: 'run:dev' }));
    const rows = await p.waitFor(delivery, ['run.succeeded', 'run.namespace.cleanup_skipped']);
    assert.deepEqual(
      rows.map((r) => r.event_type).filter((t) => t !== 'run.created'),
      // The run's token: issued (its Secret written under agent-launcher's own identity) before the run starts,
      // revoked before anyone hears it ended.
      ['webhook.received', 'run.namespace.prepared', 'run.agent.token.issued', 'run.started', 'run.agent.token.revoked', 'run.succeeded', 'run.namespace.cleanup_skipped'],
    );
    const skipped = rows.find((r) => r.event_type === 'run.namespace.cleanup_skipped')?.payload as { namespace: string; reason: string; cleanup_command: string };
    runNs = skipped.namespace;
    assert.equal(skipped.reason, 'cleanup_disabled_by_config');
    assert.equal(skipped.cleanup_command, `kubectl delete namespace ${runNs}`);
    const ns = await core.readNamespace({ name: runNs });
    assert.equal(ns.metadata?.deletionTimestamp, undefined, 'the namespace is kept');
    assert.equal((await p.timeline(delivery)).filter((r) => ['run.namespace.cleaned', 'run.namespace.cleanup_failed'].includes(r.event_type)).length, 0);

    // Quota and LimitRange overrides by env var are what the cluster holds.
    const quota = await core.readNamespacedResourceQuota({ name: 'custom-quota', namespace: runNs });
    assert.deepEqual(quota.spec?.hard, { pods: '7', 'requests.cpu': '4', 'requests.memory': '8Gi', 'limits.cpu': '8', 'limits.memory': '3Gi' });
    const item = (await core.readNamespacedLimitRange({ name: 'codex-run-limits', namespace: runNs })).spec?.limits[0];
    assert.deepEqual(item?.defaultRequest, { cpu: '100m', memory: '256Mi' });
    assert.deepEqual(item?._default, { cpu: '1', memory: '512Mi' }, 'client-node reads the wire field `default` as `_default`');
  });

  test('codex-runner: read and exec in its namespace, no Secrets, nothing elsewhere', async () => {
    assert.ok(runNs, 'needs the run of the previous test');
    const runner = { ns: runNs, name: 'codex-runner' };
    for (const verb of ['get', 'list', 'watch']) assert.ok(await can(runner, { namespace: runNs, verb, resource: 'pods' }), `${verb} pods`);
    assert.ok(await can(runner, { namespace: runNs, verb: 'get', resource: 'pods', subresource: 'log' }), 'pods/log');
    assert.ok(await can(runner, { namespace: runNs, verb: 'create', resource: 'pods', subresource: 'exec' }), 'pods/exec');
    assert.ok(await can(runner, { namespace: runNs, verb: 'list', resource: 'deployments', group: 'apps' }), 'deployments');
    assert.ok(!(await can(runner, { namespace: runNs, verb: 'get', resource: 'secrets' })), 'no secrets');
    assert.ok(!(await can(runner, { namespace: runNs, verb: 'list', resource: 'secrets' })), 'no secret list');
    assert.ok(!(await can(runner, { namespace: runNs, verb: 'watch', resource: 'secrets' })), 'no secret watch');
    // Its run's token reaches the agent as a mounted file (the kubelet's doing), never through the API.
    for (const verb of ['create', 'patch', 'update', 'delete']) assert.ok(!(await can(runner, { namespace: runNs, verb, resource: 'secrets' })), `no secret ${verb}`);
    assert.ok(!(await can(runner, { namespace: runNs, verb: 'create', resource: 'pods' })), 'no pod create');
    assert.ok(!(await can(runner, { namespace: runNs, verb: 'delete', resource: 'namespaces' })), 'no namespace delete');
    for (const other of ['default', PLATFORM_NS, 'kube-system']) {
      assert.ok(!(await can(runner, { namespace: other, verb: 'list', resource: 'pods' })), `no pods in ${other}`);
    }
  });

  test('each platform ServiceAccount can do its job and no more; escalation is refused with 403', async () => {
    const sa = (name: string) => ({ ns: PLATFORM_NS, name });
    const prov = sa('namespace-provisioner');
    const launcher = sa('agent-launcher');
    assert.ok(await can(prov, { verb: 'create', resource: 'namespaces' }));
    assert.ok(await can(prov, { verb: 'delete', resource: 'namespaces' }));
    assert.ok(!(await can(prov, { namespace: runNs, verb: 'get', resource: 'secrets' })), 'provisioner reads no secrets');
    assert.ok(!(await can(prov, { namespace: runNs, verb: 'create', resource: 'jobs', group: 'batch' })), 'provisioner runs nothing');
    assert.ok(await can(launcher, { namespace: runNs, verb: 'create', resource: 'jobs', group: 'batch' }));
    assert.ok(!(await can(launcher, { verb: 'delete', resource: 'namespaces' })), 'launcher deletes no namespaces');
    // A staff cancel deletes the run's Job (which Job: the admission policy, rbac-escalation.test.ts); never in bulk.
    assert.ok(await can(launcher, { namespace: runNs, verb: 'delete', resource: 'jobs', group: 'batch' }), 'launcher deletes a canceled run\'s Job');
    assert.ok(!(await can(launcher, { namespace: runNs, verb: 'deletecollection', resource: 'jobs', group: 'batch' })), 'launcher deletes no Jobs in bulk');
    // The run's token Secret by server-side apply: patch, and create when new. Never read back, never deleted (its
    // Job owns it); which Secret it may write is the admission policy's (rbac-escalation.test.ts).
    for (const verb of ['create', 'patch']) assert.ok(await can(launcher, { namespace: runNs, verb, resource: 'secrets' }), `launcher may ${verb} secrets`);
    for (const verb of ['get', 'list', 'watch', 'delete', 'deletecollection', 'update']) {
      assert.ok(!(await can(launcher, { namespace: runNs, verb, resource: 'secrets' })), `launcher may not ${verb} secrets`);
    }
    // staff-console reads live agent pods' logs (the run page) and nothing else; it writes nothing in the cluster.
    const console = sa('staff-console');
    assert.ok(await can(console, { namespace: runNs, verb: 'get', resource: 'pods', subresource: 'log' }), 'console reads pod logs');
    assert.ok(await can(console, { namespace: runNs, verb: 'list', resource: 'pods' }), 'console finds the Job\'s pod');
    for (const [verb, resource, group] of [['get', 'secrets', ''], ['create', 'pods', ''], ['delete', 'pods', ''], ['create', 'pods/exec', ''], ['watch', 'pods', ''], ['delete', 'jobs', 'batch'], ['get', 'configmaps', ''], ['delete', 'namespaces', '']] as const) {
      const [res, sub] = resource.split('/') as [string, string | undefined];
      assert.ok(!(await can(console, { namespace: runNs, verb, resource: res, group, ...(sub ? { subresource: sub } : {}) })), `console may not ${verb} ${resource}`);
    }
    const deployer = sa('deployer');
    assert.ok(await can(deployer, { namespace: runNs, verb: 'create', resource: 'deployments', group: 'apps' }));
    assert.ok(await can(deployer, { namespace: runNs, verb: 'delete', resource: 'jobs', group: 'batch' }), 'Jobs are replaced');
    assert.ok(!(await can(deployer, { namespace: runNs, verb: 'get', resource: 'secrets' })), 'deployer reads no secrets');
    assert.ok(!(await can(deployer, { verb: 'create', resource: 'clusterroles', group: 'rbac.authorization.k8s.io' })), 'no cluster-scoped writes');
    assert.ok(!(await can(deployer, { verb: 'create', resource: 'clusterissuers', group: 'cert-manager.io' })), 'no ClusterIssuer');
    const tls = sa('tls-watcher');
    assert.ok(await can(tls, { namespace: runNs, verb: 'get', resource: 'certificates', group: 'cert-manager.io' }));
    assert.ok(!(await can(tls, { namespace: runNs, verb: 'list', resource: 'pods' })), 'tls-watcher reads certificates only');
    for (const name of ['planner', 'webhook-ingress', 'audit-writer', 'agent-gateway']) {
      assert.ok(!(await can(sa(name), { namespace: runNs, verb: 'list', resource: 'pods' })), `${name} has no cluster access`);
      assert.ok(!(await can(sa(name), { namespace: runNs, verb: 'get', resource: 'secrets' })), `${name} reads no secrets`);
    }

    // The provisioner may write Roles, but not one that grants more than the run Role: the apiserver refuses.
    const asProvisioner = new KubeConfig();
    asProvisioner.loadFromFile(files['namespace-provisioner'] ?? '');
    const rbac = asProvisioner.makeApiClient(RbacAuthorizationV1Api);
    const escalate = rbac.createNamespacedRole({
      namespace: runNs,
      body: { metadata: { name: 'grab-secrets' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }] },
    });
    await assert.rejects(escalate, (err: { code?: number }) => err.code === 403);
    const bindAdmin = rbac.createNamespacedRoleBinding({
      namespace: runNs,
      body: {
        metadata: { name: 'grab-admin' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name: 'namespace-provisioner', namespace: PLATFORM_NS }],
      },
    });
    await assert.rejects(bindAdmin, (err: { code?: number }) => err.code === 403);
  });

  test('closing the issue deletes its kept run namespace (run.namespace.delete_by_system)', async () => {
    assert.ok(runNs, 'needs the run of the first test');
    const closing = await p.deliver(issuePayload({ action: 'closed', issueLabels: ['run:dev'] }));
    const rows = await p.waitFor(closing, ['run.namespace.delete_by_system']);
    const deleted = rows.find((r) => r.event_type === 'run.namespace.delete_by_system')?.payload as { namespace: string; trigger: string };
    assert.equal(deleted.namespace, runNs);
    assert.equal(deleted.trigger, 'issue_closed');
    await eventually('the namespace deleted', async () => core.readNamespace({ name: runNs }).then(() => undefined, () => true), 60_000);
  });
});
