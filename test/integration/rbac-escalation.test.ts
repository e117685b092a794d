import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { agentTokenSecretName, buildAgentJob, buildAgentTokenSecret, buildBaseline, labelKeys, ObjectApplier, toLabelValue } from '@codex-k8s/kube';
import { ensureKubeIdentities } from '@codex-k8s/stack';
import { AppsV1Api, CoreV1Api, KubeConfig, PatchStrategy, type KubernetesObject, type V1Job, type V1Secret } from '@kubernetes/client-node';
import { baselineSpec, readConfig } from '../../services/namespace-provisioner/src/config.js';
import { desiredNamespace } from '../../services/namespace-provisioner/src/prepare.js';
import { PLATFORM_NS, serviceAccountKubeconfig } from '../support/deploy.js';
import { requireEnv, uniqueSuffix } from '../support/env.js';
import { eventually } from '../support/github.js';
import { adminKubeConfig } from '../support/platform.js';

// An attacker holding one platform identity's token (a compromised service, or a tenant steering one) tries to
// reach beyond what that service needs, on every write verb. RBAC allows each kind; the admission policies of
// deploy/base/admission must refuse the object with 403. Each identity can still do its own job afterwards.
const admin = adminKubeConfig();
const adminCore = admin.makeApiClient(CoreV1Api);
const adminObjects = ObjectApplier.forConfig(admin);
const keys = labelKeys('codex-k8s.dev/');
const baseline = baselineSpec(readConfig({ DATABASE_URL: 'postgres://unused' }));
const sfx = uniqueSuffix();

interface As {
  readonly objects: ObjectApplier;
  readonly core: CoreV1Api;
}

async function as(name: string): Promise<As> {
  const kc = new KubeConfig();
  kc.loadFromFile(await serviceAccountKubeconfig(admin, PLATFORM_NS, name));
  return { objects: ObjectApplier.forConfig(kc), core: kc.makeApiClient(CoreV1Api) };
}

/**
 * The write is refused with HTTP 403 (RBAC or an admission policy; the body says which when it fails), and, when
 * `because` is given, the refusal says so (a policy's message: refused by the rule meant, not by another).
 */
async function refused(what: string, write: Promise<unknown>, because?: string): Promise<void> {
  await assert.rejects(write, (err: { code?: number; body?: unknown }) => {
    const body = typeof err.body === 'string' ? err.body : JSON.stringify(err.body ?? String(err));
    assert.equal(err.code, 403, `${what}: expected 403, got ${err.code ?? '?'} ${body}`);
    if (because) assert.ok(body.includes(because), `${what}: refused, but not because ${because}: ${body}`);
    return true;
  }, `${what} must be refused`);
}

/** The messages of agent-launcher's Secret policy (deploy/base/admission/agent-launcher.yaml). */
const TOKEN_POLICY = {
  namespace: 'agent-launcher writes Secrets only in managed run/slot namespaces',
  type: 'an agent token Secret is of type Opaque',
  name: 'the only Secret agent-launcher writes is codex-k8s-agent-token-',
  run: 'the Secret\'s codex-k8s.dev/run-id label equals the run-id label of its namespace',
  owner: 'an agent token Secret has exactly one ownerReference',
} as const;
/** The message of the Job policy's volume rule. */
const MOUNTS_ONLY = 'agent pods mount only emptyDir volumes and their own run\'s token Secret';

/** Server-side apply as the services do it, but dry-run: for targets a wrongly accepted write would damage. */
const applyDryRun = (a: As, obj: KubernetesObject, manager: string) => a.objects.patch(obj, undefined, 'All', manager, true, PatchStrategy.ServerSideApply);

const STAR_ROLE = (namespace: string) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'Role',
  metadata: { name: 'codex-runner', namespace },
  rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
});

const binding = (namespace: string, name: string, roleRef: { kind: string; name: string }, subjects: { kind: string; name: string; namespace?: string; apiGroup?: string }[]) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name, namespace },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef },
  subjects,
});

/** A managed namespace exactly as namespace-provisioner writes it (labels, owner, Pod Security). */
const managedNamespace = (name: string, runId: string, projectId: string, slot?: { slotNo: number }) =>
  desiredNamespace({ keys, podSecurityLevel: 'baseline', placement: { nodeSelector: {}, tolerations: [] } }, { namespace: name, run_id: runId, project_id: projectId, runtime_mode: 'full-env', issue_number: 42 }, randomUUID(), slot);

const agentJob = (o: { namespace: string; runId: string; serviceAccount: string | null; runtimeMode?: 'full-env' | 'code-only' }): V1Job =>
  buildAgentJob(
    {
      name: `codex-k8s-run-${o.runId}`.slice(0, 63),
      namespace: o.namespace,
      runId: o.runId,
      projectId: 'project-a',
      correlationId: randomUUID(),
      runtimeMode: o.runtimeMode ?? 'full-env',
      slotNo: 0,
      serviceAccount: o.serviceAccount,
      image: 'busybox:1.36',
      command: 'true',
      backoffLimit: 0,
      ttlSecondsAfterFinished: 60,
      activeDeadlineSeconds: 60,
      // As agent-launcher builds it: the run's token Secret mounted as a file, the gateway's URL in the env.
      agent: { gatewayUrl: `http://agent-gateway.${PLATFORM_NS}.svc:8080`, tokenSecret: agentTokenSecretName(o.runId) },
    },
    keys,
  );

/** The owner a token Secret names: the Job as the apiserver returned it. */
const ownerOf = (job: V1Job): { name: string; uid: string } => ({ name: job.metadata?.name ?? '', uid: job.metadata?.uid ?? '' });

/** A run's token Secret as agent-launcher applies it, owned by `job` (a made-up Job unless one is given). */
const tokenSecret = (o: { namespace: string; runId: string; job?: { name: string; uid: string } }): V1Secret =>
  buildAgentTokenSecret({ runId: o.runId, namespace: o.namespace, token: 'not-a-real-token', job: o.job ?? { name: `codex-k8s-run-${o.runId}`.slice(0, 63), uid: randomUUID() } }, keys);

describe('platform identities cannot escalate, on any write verb', () => {
  const runA = randomUUID();
  const runB = randomUUID();
  const runNs = `esc-run-${sfx}`;
  const slotNs = `esc-slot-${sfx}`;
  const provNs = `esc-prov-${sfx}`;
  const probe = `esc-probe-${sfx}`;
  const platformJobs: string[] = [];
  let provisioner: As;
  let deployer: As;
  let launcher: As;
  let tlsWatcher: As;

  before(async () => {
    // deploy/base's identities as the work tree has them, enforced before the first probe (the stack did the same).
    await ensureKubeIdentities(requireEnv('KUBECONFIG'), mkdtempSync(join(tmpdir(), 'codex-k8s-esc-')));
    [provisioner, deployer, launcher, tlsWatcher] = await Promise.all(['namespace-provisioner', 'deployer', 'agent-launcher', 'tls-watcher'].map(as)) as [As, As, As, As];
    // A run namespace of run A and a slot of run B (project A), each with the provisioner's baseline.
    for (const [ns, run, slot] of [[runNs, runA, undefined], [slotNs, runB, { slotNo: 1 }]] as const) {
      await adminObjects.apply(managedNamespace(ns, run, 'project-a', slot), 'esc-test');
      for (const o of buildBaseline(ns, baseline, keys)) await adminObjects.apply(o, 'esc-test');
    }
    // Something of the platform's own for the deployer to aim at (no replicas: nothing to schedule).
    await adminObjects.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: probe, namespace: PLATFORM_NS, labels: { app: probe } }, spec: { replicas: 0, selector: { matchLabels: { app: probe } }, template: { metadata: { labels: { app: probe } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } } } } as KubernetesObject, 'esc-test');
  });
  after(async () => {
    for (const ns of [runNs, slotNs, provNs]) await adminCore.deleteNamespace({ name: ns }).catch(() => undefined);
    await admin.makeApiClient(AppsV1Api).deleteNamespacedDeployment({ name: probe, namespace: PLATFORM_NS }).catch(() => undefined);
    for (const name of platformJobs) await adminObjects.delete({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: PLATFORM_NS } }, undefined, undefined, undefined, undefined, 'Background').catch(() => undefined);
  });

  describe('namespace-provisioner', () => {
    test('a `*` Role named codex-runner in kube-system: refused by create and by server-side apply', async () => {
      await refused('create', provisioner.objects.create(STAR_ROLE('kube-system'), undefined, 'All'));
      await refused('server-side apply', applyDryRun(provisioner, STAR_ROLE('kube-system'), 'namespace-provisioner'));
    });

    test('a Role beyond the run Role in a managed namespace: refused by create and by server-side apply', async () => {
      await refused('create *', provisioner.objects.create(STAR_ROLE(runNs)));
      await refused('apply *', provisioner.objects.apply(STAR_ROLE(runNs), 'namespace-provisioner'));
      const secrets = { ...STAR_ROLE(runNs), rules: [{ apiGroups: [''], resources: ['pods', 'secrets'], verbs: ['get'] }] };
      await refused('apply secrets', provisioner.objects.apply(secrets, 'namespace-provisioner'));
      const deleteNs = { ...STAR_ROLE(runNs), rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'delete'] }] };
      await refused('apply delete verb', provisioner.objects.apply(deleteNs, 'namespace-provisioner'));
      const other = { ...STAR_ROLE(runNs), metadata: { name: 'another-role', namespace: runNs }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] };
      await refused('a Role of another name', provisioner.objects.apply(other, 'namespace-provisioner'));
    });

    test('binding codex-runner (or any role) to itself or anyone but the namespace ServiceAccount codex-runner', async () => {
      const self = { kind: 'ServiceAccount', name: 'namespace-provisioner', namespace: PLATFORM_NS };
      const toSelf = binding(runNs, 'codex-runner', { kind: 'Role', name: 'codex-runner' }, [self]);
      await refused('create binding to itself', provisioner.objects.create(toSelf));
      await refused('apply binding to itself', provisioner.objects.apply(toSelf, 'namespace-provisioner'));
      const extra = binding(runNs, 'codex-runner', { kind: 'Role', name: 'codex-runner' }, [{ kind: 'ServiceAccount', name: 'codex-runner', namespace: runNs }, { kind: 'User', name: 'mallory', apiGroup: 'rbac.authorization.k8s.io' }]);
      await refused('apply binding with an extra subject', provisioner.objects.apply(extra, 'namespace-provisioner'));
      const foreignSa = binding(runNs, 'codex-runner', { kind: 'Role', name: 'codex-runner' }, [{ kind: 'ServiceAccount', name: 'codex-runner', namespace: slotNs }]);
      await refused('apply binding to another namespace\'s codex-runner', provisioner.objects.apply(foreignSa, 'namespace-provisioner'));
      const otherName = binding(runNs, 'grab', { kind: 'Role', name: 'codex-runner' }, [self]);
      await refused('create binding of another name', provisioner.objects.create(otherName));
      const inKubeSystem = binding('kube-system', 'codex-runner', { kind: 'Role', name: 'codex-runner' }, [{ kind: 'ServiceAccount', name: 'codex-runner', namespace: 'kube-system' }]);
      await refused('apply binding in kube-system', applyDryRun(provisioner, inKubeSystem, 'namespace-provisioner'));
      const admin = binding(runNs, 'codex-runner', { kind: 'ClusterRole', name: 'cluster-admin' }, [self]);
      await refused('apply binding to cluster-admin', provisioner.objects.apply(admin, 'namespace-provisioner'));
    });

    test('deleting the platform namespace or an unmanaged one is refused', async () => {
      await refused('delete codex-k8s-system', provisioner.core.deleteNamespace({ name: PLATFORM_NS, dryRun: 'All' }));
      await refused('delete default', provisioner.core.deleteNamespace({ name: 'default', dryRun: 'All' }));
    });

    test('kube-system and the platform namespace are never relabelled (Pod Security privileged)', async () => {
      const privileged = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } });
      await refused('apply on kube-system', applyDryRun(provisioner, privileged('kube-system'), 'namespace-provisioner'));
      await refused('apply on the platform namespace', applyDryRun(provisioner, privileged(PLATFORM_NS), 'namespace-provisioner'));
      const jsonPatch = [{ op: 'add', path: '/metadata/labels/pod-security.kubernetes.io~1enforce', value: 'privileged' }];
      await refused('JSON patch on kube-system', provisioner.core.patchNamespace({ name: 'kube-system', body: jsonPatch, dryRun: 'All' }));
      // Claiming kube-system as a managed namespace is the same relabel.
      await refused('apply managed labels on kube-system', applyDryRun(provisioner, { ...managedNamespace('kube-system', runA, 'project-a') }, 'namespace-provisioner'));
    });

    test('a managed namespace never gets Pod Security privileged (or none), a new owner, or loses its managed labels', async () => {
      const mine = managedNamespace(runNs, runA, 'project-a');
      const labels = mine.metadata?.labels ?? {};
      const variant = (l: Record<string, string>) => ({ ...mine, metadata: { ...mine.metadata, labels: l } });
      await refused('privileged', provisioner.objects.apply(variant({ ...labels, 'pod-security.kubernetes.io/enforce': 'privileged' }), 'namespace-provisioner'));
      const dropEnforce = [{ op: 'remove', path: '/metadata/labels/pod-security.kubernetes.io~1enforce' }];
      await refused('no enforce label (cluster default)', provisioner.core.patchNamespace({ name: runNs, body: dropEnforce }));
      await refused('another owner', provisioner.objects.apply(variant({ ...labels, 'codex-k8s.dev/owner-project-id': 'project-b' }), 'namespace-provisioner'));
      const jsonPatch = [{ op: 'replace', path: '/metadata/labels/codex-k8s.dev~1owner-project-id', value: 'project-b' }];
      await refused('another owner by JSON patch', provisioner.core.patchNamespace({ name: runNs, body: jsonPatch }));
      await refused('unmanaged', provisioner.objects.apply(variant({ ...labels, 'codex-k8s.dev/managed-by': 'someone-else' }), 'namespace-provisioner'));
      await refused('a bus subscriber', provisioner.objects.apply(variant({ ...labels, 'codex-k8s.dev/bus-subscriber': 'true' }), 'namespace-provisioner'));
      const { 'codex-k8s.dev/owner-project-id': _owner, ...noOwner } = labels;
      await refused('a new namespace without an owner', provisioner.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `esc-noowner-${sfx}`, labels: noOwner } }, undefined, 'All'));
      await refused('a new unmanaged namespace', provisioner.core.createNamespace({ body: { metadata: { name: `esc-plain-${sfx}` } }, dryRun: 'All' }));
      assert.equal((await adminCore.readNamespace({ name: runNs })).metadata?.labels?.['codex-k8s.dev/owner-project-id'], toLabelValue('project-a'), 'the owner is unchanged');
    });

    test('the baseline is written only into managed namespaces', async () => {
      const quota = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'codex-run-quota', namespace: 'kube-system' }, spec: { hard: { pods: '0' } } };
      await refused('quota in kube-system', applyDryRun(provisioner, quota, 'namespace-provisioner'));
      const np = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'allow-all', namespace: PLATFORM_NS }, spec: { podSelector: {}, ingress: [{}], policyTypes: ['Ingress'] } };
      await refused('network policy in the platform namespace', applyDryRun(provisioner, np, 'namespace-provisioner'));
    });

    test('its own job: a managed namespace with the whole baseline by server-side apply, updated, then deleted', async () => {
      await provisioner.objects.apply(managedNamespace(provNs, runA, 'project-a'), 'namespace-provisioner');
      for (const o of buildBaseline(provNs, baseline, keys)) await provisioner.objects.apply(o, 'namespace-provisioner');
      // A later run on the same (slot) namespace: new run labels, same owner.
      await provisioner.objects.apply(managedNamespace(provNs, runB, 'project-a'), 'namespace-provisioner');
      assert.equal((await adminCore.readNamespace({ name: provNs })).metadata?.labels?.['codex-k8s.dev/run-id'], toLabelValue(runB));
      await provisioner.core.deleteNamespace({ name: provNs });
    });
  });

  describe('deployer', () => {
    const deployment = (namespace: string, name = 'web') =>
      ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace }, spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'evil:latest' }] } } } }) as KubernetesObject;

    test('a Deployment of the platform (or anywhere but a slot) is never patched or created', async () => {
      await refused('apply over the platform Deployment', deployer.objects.apply(deployment(PLATFORM_NS, probe), 'deployer'));
      await refused('create in the platform namespace', deployer.objects.create(deployment(PLATFORM_NS, `esc-new-${sfx}`), undefined, 'All'));
      await refused('apply in kube-system', applyDryRun(deployer, deployment('kube-system'), 'deployer'));
      await refused('apply in a run namespace', deployer.objects.apply(deployment(runNs), 'deployer'));
      await refused('delete the platform Deployment', deployer.objects.delete(deployment(PLATFORM_NS, probe), undefined, 'All'));
      // A patch answers with the whole object: patching a Secret is reading it.
      const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'codex-k8s-secrets', namespace: PLATFORM_NS } };
      await refused('server-side apply of the platform Secret', applyDryRun(deployer, secret, 'deployer'));
    });

    test('a RoleBinding to cluster-admin (or beyond the slot) in a slot: refused by create and by server-side apply', async () => {
      const toAdmin = binding(slotNs, 'grab-admin', { kind: 'ClusterRole', name: 'cluster-admin' }, [{ kind: 'ServiceAccount', name: 'default', namespace: slotNs }]);
      await refused('create', deployer.objects.create(toAdmin));
      await refused('apply', deployer.objects.apply(toAdmin, 'deployer'));
      const view = binding(slotNs, 'grab-view', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'ServiceAccount', name: 'default', namespace: slotNs }]);
      await refused('apply binding to a ClusterRole', deployer.objects.apply(view, 'deployer'));
      await deployer.objects.apply({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'reader', namespace: slotNs }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] } as KubernetesObject, 'deployer');
      const outside = binding(slotNs, 'reader-outside', { kind: 'Role', name: 'reader' }, [{ kind: 'ServiceAccount', name: 'namespace-provisioner', namespace: PLATFORM_NS }]);
      await refused('apply binding to a ServiceAccount of another namespace', deployer.objects.apply(outside, 'deployer'));
      const user = binding(slotNs, 'reader-user', { kind: 'Role', name: 'reader' }, [{ kind: 'User', name: 'mallory', apiGroup: 'rbac.authorization.k8s.io' }]);
      await refused('create binding to a user', deployer.objects.create(user));
      const star = { ...STAR_ROLE(slotNs), metadata: { name: 'tenant-star', namespace: slotNs } };
      await refused('a tenant Role beyond what deployer holds', deployer.objects.apply(star, 'deployer'));
    });

    test('the platform\'s objects in a slot are never changed, and tenant NetworkPolicies never open egress', async () => {
      const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'codex-runner', namespace: slotNs }, automountServiceAccountToken: true };
      await refused('apply over the baseline ServiceAccount', deployer.objects.apply(sa, 'deployer'));
      await refused('delete the baseline NetworkPolicy', deployer.objects.delete({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: baseline.networkPolicy ?? '', namespace: slotNs } }));
      const spoof = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'spoof', namespace: slotNs, labels: { 'codex-k8s.dev/managed-by': 'codex-k8s-worker' } } };
      await refused('a tenant object labelled as the platform\'s', deployer.objects.apply(spoof, 'deployer'));
      const egress = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'open-egress', namespace: slotNs }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] } };
      await refused('egress-allowing NetworkPolicy', deployer.objects.apply(egress, 'deployer'));
    });

    test('its own job: a Deployment, a Job replaced, and a tenant Role + RoleBinding in its slot', async () => {
      await deployer.objects.apply({ ...deployment(slotNs), spec: { ...(deployment(slotNs) as { spec: object }).spec, replicas: 1 } } as KubernetesObject, 'deployer');
      const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: slotNs }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'busybox:1.36' }] } } } } as KubernetesObject;
      await deployer.objects.apply(job, 'deployer');
      await deployer.objects.delete(job, undefined, undefined, undefined, undefined, 'Background');
      const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'config-reader', namespace: slotNs }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] } as KubernetesObject;
      await deployer.objects.apply(role, 'deployer');
      await deployer.objects.apply(binding(slotNs, 'config-reader', { kind: 'Role', name: 'config-reader' }, [{ kind: 'ServiceAccount', name: 'default', namespace: slotNs }]) as KubernetesObject, 'deployer');
      await deployer.objects.create(binding(slotNs, 'config-reader-2', { kind: 'Role', name: 'config-reader' }, [{ kind: 'ServiceAccount', name: 'default', namespace: slotNs }]) as KubernetesObject);
      const ingressOnly = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'tenant-ingress', namespace: slotNs }, spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }] }] } } as KubernetesObject;
      await deployer.objects.apply(ingressOnly, 'deployer');
    });
  });

  describe('agent-launcher', () => {
    test('a Job in kube-system, in the platform namespace as namespace-provisioner, or for another run is refused', async () => {
      await refused('kube-system', launcher.objects.create(agentJob({ namespace: 'kube-system', runId: runA, serviceAccount: 'codex-runner' }), undefined, 'All'));
      await refused('platform namespace as namespace-provisioner', launcher.objects.create(agentJob({ namespace: PLATFORM_NS, runId: randomUUID(), serviceAccount: 'namespace-provisioner', runtimeMode: 'code-only' }), undefined, 'All'));
      await refused('platform namespace as its default account', launcher.objects.create(agentJob({ namespace: PLATFORM_NS, runId: randomUUID(), serviceAccount: null, runtimeMode: 'code-only' }), undefined, 'All'));
      await refused('run B\'s Job in run A\'s namespace', launcher.objects.create(agentJob({ namespace: runNs, runId: runB, serviceAccount: 'codex-runner' })));
      await refused('run A\'s Job in the slot leased to run B', launcher.objects.create(agentJob({ namespace: slotNs, runId: runA, serviceAccount: 'codex-runner' })));
      await refused('the right run as another account', launcher.objects.create(agentJob({ namespace: runNs, runId: runA, serviceAccount: 'default' })));
      await refused('an unmanaged namespace', launcher.objects.create(agentJob({ namespace: 'default', runId: runA, serviceAccount: 'codex-runner' }), undefined, 'All'));
    });

    test('a staff cancel deletes the run\'s agent Job; a Job of another kind, run or namespace is not deleted', async () => {
      const own = agentJob({ namespace: runNs, runId: runA, serviceAccount: 'codex-runner' }) as KubernetesObject;
      // Run B's agent Job in run A's namespace (an admin may put it there): not that namespace's run.
      const other = { ...agentJob({ namespace: runNs, runId: runB, serviceAccount: 'codex-runner' }), metadata: { ...agentJob({ namespace: runNs, runId: runB, serviceAccount: 'codex-runner' }).metadata, name: `other-${runB.slice(0, 8)}` } } as KubernetesObject;
      const plain = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: `plain-${runA.slice(0, 8)}`, namespace: 'default' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36' }] } } } } as KubernetesObject;
      for (const j of [own, other, plain]) await adminObjects.apply(j, 'esc-test');
      try {
        await refused('a Job outside managed namespaces', launcher.objects.delete(plain, undefined, 'All'));
        await refused('another run\'s Job', launcher.objects.delete(other, undefined, 'All'));
        // Its own run's Job in the namespace labelled for that run: allowed (a dry run, so the fixture stays).
        await launcher.objects.delete(own, undefined, 'All');
      } finally {
        for (const j of [own, other, plain]) await adminObjects.delete(j).catch(() => undefined);
      }
    });

    test('an agent pod never reads the Secrets or ConfigMaps of the namespace it lands in', async () => {
      const job = agentJob({ namespace: PLATFORM_NS, runId: randomUUID(), serviceAccount: 'codex-agent', runtimeMode: 'code-only' });
      const pod = job.spec?.template.spec;
      assert.ok(pod);
      assert.deepEqual(pod.volumes?.map((v) => v.secret?.secretName), [agentTokenSecretName(job.metadata?.labels?.['codex-k8s.dev/run-id'] ?? '')], 'the fixture mounts its own token');
      const withEnv = structuredClone(job);
      withEnv.spec!.template.spec!.containers[0]!.env = [{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'codex-k8s-secrets', key: 'DATABASE_URL' } } }];
      await refused('secretKeyRef', launcher.objects.create(withEnv, undefined, 'All'));
      const withEnvFrom = structuredClone(job);
      withEnvFrom.spec!.template.spec!.containers[0]!.envFrom = [{ configMapRef: { name: 'codex-k8s-platform' } }];
      await refused('envFrom', launcher.objects.create(withEnvFrom, undefined, 'All'));
      // The volume the container mounts (agent-token), pointed at another Secret (valid, so admission decides).
      const withVolume = structuredClone(job);
      withVolume.spec!.template.spec!.volumes = [{ name: 'agent-token', secret: { secretName: 'codex-k8s-secrets' } }];
      await refused('secret volume', launcher.objects.create(withVolume, undefined, 'All'), MOUNTS_ONLY);
      const besideToken = structuredClone(job);
      besideToken.spec!.template.spec!.volumes!.push({ name: 's', secret: { secretName: 'codex-k8s-secrets' } });
      await refused('the platform Secret next to its own token', launcher.objects.create(besideToken, undefined, 'All'), MOUNTS_ONLY);
      const remapped = structuredClone(job);
      remapped.spec!.template.spec!.volumes![0]!.secret!.items = [{ key: 'token', path: 'token' }];
      await refused('its own token with items', launcher.objects.create(remapped, undefined, 'All'), MOUNTS_ONLY);
      const projected = structuredClone(job);
      projected.spec!.template.spec!.volumes = [{ name: 'agent-token', projected: { sources: [{ secret: { name: 'codex-k8s-secrets' } }] } }];
      await refused('a projected Secret', launcher.objects.create(projected, undefined, 'All'), MOUNTS_ONLY);
      const alias = structuredClone(job);
      delete alias.spec!.template.spec!.serviceAccountName;
      alias.spec!.template.spec!.serviceAccount = 'namespace-provisioner';
      await refused('the deprecated serviceAccount alias', launcher.objects.create(alias, undefined, 'All'));
    });

    test('a Job mounting another run\'s token Secret is refused', async () => {
      const mountB = agentJob({ namespace: runNs, runId: runA, serviceAccount: 'codex-runner' });
      mountB.spec!.template.spec!.volumes![0]!.secret!.secretName = agentTokenSecretName(runB);
      await refused('run B\'s token in run A\'s Job', launcher.objects.create(mountB, undefined, 'All'), MOUNTS_ONLY);
      const codeOnly = agentJob({ namespace: PLATFORM_NS, runId: randomUUID(), serviceAccount: 'codex-agent', runtimeMode: 'code-only' });
      codeOnly.spec!.template.spec!.volumes![0]!.secret!.secretName = agentTokenSecretName(randomUUID());
      await refused('another code-only run\'s token in the platform namespace', launcher.objects.create(codeOnly, undefined, 'All'), MOUNTS_ONLY);
    });

    test('Secrets: only the run\'s own token, Opaque, owned by its Job, where its Job runs; never deleted', async () => {
      // The policy is applied with the others but may reach the admission chain a moment later (the stack waits for
      // the Job policy only): wait until it refuses a Secret RBAC allows.
      await eventually('the Secret policy of agent-launcher enforced', async () =>
        launcher.core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'codex-k8s-admission-probe' } }, dryRun: 'All' }).then(
          () => undefined,
          (err: { code?: number; body?: unknown }) => (err.code === 403 && JSON.stringify(err.body ?? '').includes('ValidatingAdmissionPolicy') ? true : undefined),
        ));
      const own = tokenSecret({ namespace: runNs, runId: runA });
      await refused('a service-account-token Secret', launcher.objects.create({ ...own, type: 'kubernetes.io/service-account-token', metadata: { ...own.metadata, annotations: { 'kubernetes.io/service-account.name': 'codex-runner' } } }, undefined, 'All'), TOKEN_POLICY.type);
      await refused('a Secret of another name', launcher.objects.create({ ...own, metadata: { ...own.metadata, name: `grab-${sfx}` } }, undefined, 'All'), TOKEN_POLICY.name);
      await refused('a token name that is not its label', launcher.objects.create({ ...own, metadata: { ...own.metadata, name: agentTokenSecretName(runB) } }, undefined, 'All'), TOKEN_POLICY.name);
      await refused('server-side apply of the platform Secret (a patch answers with the whole Secret)', applyDryRun(launcher, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'codex-k8s-secrets', namespace: PLATFORM_NS } }, 'agent-launcher'), TOKEN_POLICY.name);
      await refused('a token Secret in kube-system', launcher.objects.create(tokenSecret({ namespace: 'kube-system', runId: runA }), undefined, 'All'), TOKEN_POLICY.namespace);
      await refused('a token Secret in an unmanaged namespace', applyDryRun(launcher, tokenSecret({ namespace: 'default', runId: runA }), 'agent-launcher'), TOKEN_POLICY.namespace);
      await refused('run B\'s token in run A\'s namespace', launcher.objects.create(tokenSecret({ namespace: runNs, runId: runB }), undefined, 'All'), TOKEN_POLICY.run);
      await refused('run A\'s token in the slot leased to run B', applyDryRun(launcher, tokenSecret({ namespace: slotNs, runId: runA }), 'agent-launcher'), TOKEN_POLICY.run);
      const { ownerReferences: _owners, ...unowned } = own.metadata!;
      await refused('a token Secret without an owner', launcher.objects.create({ ...own, metadata: unowned }, undefined, 'All'), TOKEN_POLICY.owner);
      const podOwner = { apiVersion: 'v1', kind: 'Pod', name: 'p', uid: randomUUID() };
      await refused('a token Secret owned by a Pod', launcher.objects.create({ ...own, metadata: { ...own.metadata, ownerReferences: [podOwner] } }, undefined, 'All'), TOKEN_POLICY.owner);
      await refused('a token Secret with a second owner', launcher.objects.create({ ...own, metadata: { ...own.metadata, ownerReferences: [...own.metadata!.ownerReferences!, podOwner] } }, undefined, 'All'), TOKEN_POLICY.owner);
      // RBAC already refuses reads and deletes; the policy refuses deletes too.
      await refused('delete a Secret', launcher.core.deleteNamespacedSecret({ name: agentTokenSecretName(runA), namespace: runNs, dryRun: 'All' }));
      await refused('read a Secret', launcher.core.readNamespacedSecret({ name: 'codex-k8s-secrets', namespace: PLATFORM_NS }));
      await refused('list Secrets', launcher.core.listNamespacedSecret({ namespace: PLATFORM_NS }));
    });

    test('its own job: the run\'s Job in its namespace as codex-runner with its token Secret, a code-only Job as codex-agent that passes Pod Security restricted', async () => {
      const jobA = await launcher.objects.create(agentJob({ namespace: runNs, runId: runA, serviceAccount: 'codex-runner' }));
      await launcher.objects.create(agentJob({ namespace: slotNs, runId: runB, serviceAccount: 'codex-runner' }));
      // The token Secret by server-side apply, owned by the Job just made: a CREATE, then (a redelivered launch) an UPDATE.
      const secretA = (token: string) => buildAgentTokenSecret({ runId: runA, namespace: runNs, token, job: ownerOf(jobA) }, keys);
      const created = await launcher.objects.apply(secretA('first'), 'agent-launcher');
      const updated = await launcher.objects.apply(secretA('second'), 'agent-launcher');
      assert.equal(updated.metadata?.uid, created.metadata?.uid, 'the second apply updated the same Secret');
      const stored = await adminCore.readNamespacedSecret({ name: agentTokenSecretName(runA), namespace: runNs });
      assert.equal(Buffer.from(stored.data?.token ?? '', 'base64').toString(), 'second');
      assert.equal(stored.type, 'Opaque');
      const codeOnlyRun = randomUUID();
      const codeOnly = agentJob({ namespace: PLATFORM_NS, runId: codeOnlyRun, serviceAccount: 'codex-agent', runtimeMode: 'code-only' });
      platformJobs.push(ownerOf(codeOnly).name);
      const codeOnlyJob = await launcher.objects.create(codeOnly);
      // Its token beside it in the platform namespace (dry-run: nothing of the test is left there).
      await applyDryRun(launcher, tokenSecret({ namespace: PLATFORM_NS, runId: codeOnlyRun, job: ownerOf(codeOnlyJob) }), 'agent-launcher');
      // The platform namespace enforces `restricted` on pods: the Job's pod, as the Job controller would create it.
      const template = codeOnly.spec?.template;
      await adminCore.createNamespacedPod({ namespace: PLATFORM_NS, dryRun: 'All', body: { metadata: { name: `esc-pod-${sfx}`, labels: template?.metadata?.labels ?? {} }, spec: template?.spec ?? { containers: [] } } });
    });
  });

  test('tls-watcher writes nothing', async () => {
    const cert = { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'grab', namespace: slotNs }, spec: { secretName: 'grab', dnsNames: ['x.example.test'], issuerRef: { name: 'codex-k8s-local-ca', kind: 'ClusterIssuer' } } };
    await refused('certificate', tlsWatcher.objects.create(cert, undefined, 'All'));
    await refused('configmap', tlsWatcher.objects.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'grab', namespace: slotNs } }, 'tls-watcher'));
  });
});
