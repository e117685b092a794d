import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RUN_ENDED_EVENTS } from '@codex-k8s/flow';
import { ensureImages, imageRef, realNodeEnv } from '@codex-k8s/stack';
import { CoreV1Api } from '@kubernetes/client-node';
import { bareRepoFrom, pushCommit } from '../support/git.js';
import { testNode } from '../support/stack.js';
import { adminKubeConfig, issuePayload, startPlatform, type Platform } from '../support/platform.js';
import { seedSampleProject } from '../../scripts/dev/seed.js';

// A slot on the real node whose containers cannot start (an image the node does not have, a crash loop): the deploy
// ends at once with the kubelet's reason, not at the rollout timeout.

const core = adminKubeConfig().makeApiClient(CoreV1Api);
const AGENT_IMAGE = imageRef('agent-runner');
const TERMINAL = RUN_ENDED_EVENTS;
const node = testNode;

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
${command ? `          command: [sh, -c, ${JSON.stringify(command)}]\n` : ''}          # Ready only when it says so (it never does): without a probe a container that has just started counts as ready,
          # and a Deployment whose container crashes within its first second can look Available for that moment.
          readinessProbe: { exec: { command: [sh, -c, "test -f /tmp/ready"] }, periodSeconds: 1 }
`);
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
      before: async (db) => void (await seedSampleProject(db, { slug: SLUG, name: 'Faults', slotsFrom: repo.url })),
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
    // The previous test's pod (ErrImageNeverPull) stays while the new revision rolls out. It is not this deploy's:
    // older than the unit (by more than the deployer's 2 s allowance for whole-second creation times), and of the
    // previous ReplicaSet once the new one has a pod. A pod made within the allowance, before the new ReplicaSet's
    // first pod, would still be judged: the pause keeps this test out of that window.
    await new Promise((r) => setTimeout(r, 3_000));
    pushCommit(repo.url, 'crash', (dir) => writeProject(dir, AGENT_IMAGE, 'echo "app starting"; echo "fatal: config file /etc/app.conf missing" >&2; exit 3'));
    const { error, ms } = await failure(1312);
    assert.match(error, /^Deployment\/app in faults-dev-1: pod app-[a-z0-9-]+ container app CrashLoopBackOff \(exit code 3, restarted \d+ times\)/, error);
    // Both streams, as the kubelet interleaved them (stdout and stderr are separate pipes: their order may differ).
    const lines = error.split('\nlast log lines of app:\n')[1]?.split('\n') ?? [];
    assert.deepEqual([...lines].sort(), ['app starting', 'fatal: config file /etc/app.conf missing'], error);
    assert.ok(ms < 180_000, `failed after ${ms} ms (rollout timeout 600 s)`);
  });
});
