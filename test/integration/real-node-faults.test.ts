import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { deterministicId } from '@codex-k8s/contracts';
import { addMember, bindRepository, getRun, upsertProject } from '@codex-k8s/db';
import { ensureImages, imageRef, isAlive, realNodeEnv, restartNodeDaemon, type NodeDaemon, type NodeHandle } from '@codex-k8s/stack';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { bareRepoFrom, pushCommit } from '../support/git.js';
import { eventually } from '../support/github.js';
import { testStack } from '../support/stack.js';
import { adminKubeConfig, issuePayload, startPlatform, type Platform } from '../support/platform.js';

// Faults only a real node has: its kubelet or containerd dying under a running agent, and a slot whose containers
// cannot start (an image the node does not have, a crash loop).

const core = adminKubeConfig().makeApiClient(CoreV1Api);
const AGENT_IMAGE = imageRef('agent-runner');
const TERMINAL = ['run.succeeded', 'run.failed', 'run.failed.job_not_found', 'run.failed.launch_error'];
const node = (): NodeHandle => {
  const n = testStack().node;
  assert.ok(n, 'the test stack runs a real node (npm test starts one)');
  return n;
};

/** What containerd still holds of a namespace's pods (sandboxes and containers). */
function containersOf(namespace: string): string[] {
  const r = spawnSync('ctr', ['-a', node().socket, '-n', 'k8s.io', 'containers', 'ls', '-q', `labels."io.kubernetes.pod.namespace"==${namespace}`], { encoding: 'utf8' });
  return (r.stdout ?? '').split('\n').filter(Boolean);
}

/** The cgroup directories the kubelet made for a pod (cgroupfs driver: `pod<uid>` under the node's root). */
function podCgroups(uid: string): string[] {
  const r = spawnSync('find', ['/sys/fs/cgroup', '-maxdepth', '7', '-type', 'd', '-name', `pod${uid}`], { encoding: 'utf8' });
  return (r.stdout ?? '').split('\n').filter(Boolean);
}

describe('the kubelet or containerd crashes under a running agent', () => {
  let p: Platform;
  before(async () => {
    ensureImages(node().socket, ['agent-runner']);
    p = await startPlatform({
      // Long enough to crash a daemon in the middle, then the probe's real output.
      env: { ...realNodeEnv(), CODEXK8S_WORKER_JOB_IMAGE: AGENT_IMAGE, CODEXK8S_WORKER_JOB_COMMAND: 'echo agent begins; sleep 12; codex-agent-probe' },
    });
  });
  after(async () => {
    await p?.stop();
  });

  for (const [daemon, issue] of [['kubelet', 1301], ['containerd', 1302]] as [NodeDaemon, number][]) {
    test(`${daemon} killed mid-run and restarted: the run ends once, succeeded with the agent's output, and nothing of its pod is left`, async () => {
      const delivery = await p.deliver(issuePayload({ label: 'run:dev', issueNumber: issue }));
      const prepared = await p.waitFor(delivery, ['run.namespace.prepared'], 60_000);
      const namespace = (prepared.find((r) => r.event_type === 'run.namespace.prepared')?.payload as { namespace: string }).namespace;
      const pod = await eventually<V1Pod>('the agent pod to run', async () => (await core.listNamespacedPod({ namespace })).items.find((x) => x.status?.phase === 'Running'), 90_000);
      assert.equal(pod.spec?.nodeName, node().name);

      const before = node().pids[daemon];
      await restartNodeDaemon(testStack().name, daemon, 2_000);
      const now = node().pids[daemon];
      assert.ok(now !== before && isAlive(now) && !isAlive(before), `the new ${daemon} (pid ${now}) is recorded for down; the old (${before}) is gone`);

      const rows = await p.waitFor(delivery, ['run.succeeded', 'run.namespace.cleaned'], 120_000);
      assert.deepEqual(rows.filter((r) => TERMINAL.includes(r.event_type)).map((r) => r.event_type), ['run.succeeded'], 'exactly one end');
      const ended = rows.find((r) => r.event_type === 'run.succeeded')?.payload as { run_id: string; exit_code: number | null };
      assert.equal(ended.exit_code, 0);
      const out = (await getRun(p.tdb.db, ended.run_id))?.agent_logs_tail ?? '';
      assert.match(out, /agent begins[\s\S]*exiting with 0/, out);

      // The namespace went with its pod: containerd keeps no sandbox or container of it, the kubelet no cgroup (its
      // container garbage collection runs once a minute).
      await eventually('the run namespace to be gone', async () => ((await core.readNamespace({ name: namespace }).then(() => false, () => true)) ? true : undefined), 90_000);
      await eventually(`containerd to drop the containers of ${namespace}`, async () => (containersOf(namespace).length === 0 ? true : undefined), 60_000);
      await eventually(`the kubelet to remove pod ${pod.metadata?.uid ?? ''}'s cgroups`, async () => (podCgroups(pod.metadata?.uid ?? '').length === 0 ? true : undefined), 60_000);
    });
  }
});

const SLUG = 'faults';
const NAMESPACE = `${SLUG}-dev-1`;

/** A one-unit project: Deployment `app` running `image`, with `command` when given. */
function writeProject(dir: string, image: string, command?: string): void {
  writeFileSync(join(dir, 'services.yaml'), `apiVersion: codex-k8s.dev/v1alpha1
kind: ServiceStack
metadata: { name: ${SLUG} }
spec:
  project: ${SLUG}
  environments:
    production: { namespaceTemplate: "{{ Project }}-prod" }
    ai: { from: production, namespaceTemplate: "{{ Project }}-dev-{{ Slot }}" }
  services:
    - { name: app, deployGroup: internal, manifests: [ { path: deploy/app.yaml } ] }
`);
  writeFileSync(join(dir, 'deploy', 'app.yaml'), `apiVersion: apps/v1
kind: Deployment
metadata: { name: app }
spec:
  replicas: 1
  selector: { matchLabels: { app: app } }
  template:
    metadata: { labels: { app: app } }
    spec:
      containers:
        - name: app
          image: ${image}
          imagePullPolicy: Never
${command ? `          command: [sh, -c, ${JSON.stringify(command)}]\n` : ''}`);
}

describe('a slot whose containers cannot start fails early with the kubelet\'s reason', () => {
  let p: Platform;
  let repo: { url: string };
  before(async () => {
    ensureImages(node().socket, ['agent-runner']);
    repo = bareRepoFrom('test/fixtures/sample-project', (dir) => writeProject(dir, 'codex.local/faults/absent:1'));
    p = await startPlatform({
      // A rollout timeout far beyond the test's patience: only the pods' state can end these deploys in time.
      env: { ...realNodeEnv(), CODEXK8S_RUNTIME_DEPLOY_ROLLOUT_TIMEOUT_MS: '600000', CODEXK8S_WORKER_JOB_IMAGE: AGENT_IMAGE, CODEXK8S_WORKER_JOB_COMMAND: 'codex-agent-probe' },
      services: ['audit-writer', 'planner', 'namespace-provisioner', 'deployer', 'tls-watcher', 'agent-launcher', 'webhook-ingress'],
      before: async (db) => {
        const project = await upsertProject(db, { id: deterministicId('project', SLUG), slug: SLUG, name: 'Faults', settings: { runtime_deploy: true } });
        await bindRepository(db, { projectId: project.id, externalId: 987654321, owner: 'acme', name: 'shop', cloneUrl: repo.url });
        await addMember(db, { projectId: project.id, login: 'alice', role: 'admin' });
      },
    });
  });
  after(async () => {
    await p?.stop();
    await core.deleteNamespace({ name: NAMESPACE }).catch(() => undefined);
  });

  const failure = async (issue: number): Promise<{ error: string; ms: number }> => {
    const t0 = Date.now();
    const delivery = await p.deliver(issuePayload({ label: 'run:dev', issueNumber: issue }));
    const rows = await p.waitFor(delivery, ['run.failed.launch_error'], 240_000);
    assert.deepEqual(rows.filter((r) => TERMINAL.includes(r.event_type)).map((r) => r.event_type), ['run.failed.launch_error']);
    assert.ok(!rows.some((r) => r.event_type === 'run.started'), 'no agent was started for a slot that never got ready');
    const ended = rows.find((r) => r.event_type === 'run.failed.launch_error')?.payload as { reason: string; error: string };
    assert.equal(ended.reason, 'runtime_deploy_failed');
    return { error: ended.error, ms: Date.now() - t0 };
  };

  test('an image the node does not have: ErrImageNeverPull, within seconds instead of the rollout timeout', async () => {
    const { error, ms } = await failure(1311);
    assert.match(error, /^Deployment\/app in faults-dev-1: pod app-[a-z0-9-]+ container app ErrImageNeverPull/, error);
    assert.match(error, /codex\.local\/faults\/absent:1/, 'the kubelet\'s message names the image');
    assert.ok(ms < 90_000, `failed after ${ms} ms (rollout timeout 600 s)`);
  });

  test('a crash loop: CrashLoopBackOff with the exit code and the last lines the container wrote; the old revision\'s broken pod is not blamed', async () => {
    // The previous test's pod (ErrImageNeverPull) stays while the new revision rolls out: created well before this
    // apply, it is not this deploy's failure.
    await new Promise((r) => setTimeout(r, 6_000));
    pushCommit(repo.url, 'crash', (dir) => writeProject(dir, AGENT_IMAGE, 'echo "app starting"; echo "fatal: config file /etc/app.conf missing" >&2; exit 3'));
    const { error, ms } = await failure(1312);
    assert.match(error, /^Deployment\/app in faults-dev-1: pod app-[a-z0-9-]+ container app CrashLoopBackOff \(exit code 3, restarted \d+ times\)/, error);
    assert.match(error, /last log lines of app:\napp starting\nfatal: config file \/etc\/app.conf missing$/, error);
    assert.ok(ms < 180_000, `failed after ${ms} ms (rollout timeout 600 s)`);
  });
});
