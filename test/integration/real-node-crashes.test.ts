import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { RUN_ENDED_EVENTS } from '@codex-k8s/flow';
import { getRun } from '@codex-k8s/db';
import { ensureImages, imageRef, isAlive, realNodeEnv, restartNodeDaemon, type NodeDaemon } from '@codex-k8s/stack';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { eventually } from '../support/github.js';
import { testNode, testStack } from '../support/stack.js';
import { adminKubeConfig, issuePayload, startPlatform, type Platform } from '../support/platform.js';

// The stack's node losing its kubelet or containerd under a running agent. These crash the shared test stack's own
// daemons, so scripts/test.ts runs this file alone, after the others.

const core = adminKubeConfig().makeApiClient(CoreV1Api);
const AGENT_IMAGE = imageRef('agent-runner');
const TERMINAL = RUN_ENDED_EVENTS;
const node = testNode;

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
      const crashedAt = Date.now();
      await restartNodeDaemon(testStack().name, daemon, 2_000);
      const now = node().pids[daemon];
      assert.ok(now !== before && isAlive(now) && !isAlive(before), `the new ${daemon} (pid ${now}) is recorded for down; the old (${before}) is gone`);

      const rows = await p.waitFor(delivery, ['run.succeeded', 'run.namespace.cleaned'], 120_000);
      assert.deepEqual(rows.filter((r) => TERMINAL.includes(r.event_type)).map((r) => r.event_type), ['run.succeeded'], 'exactly one end');
      const end = rows.find((r) => r.event_type === 'run.succeeded');
      assert.ok(end && end.occurred_at.getTime() > crashedAt, 'the agent was still running when the daemon died');
      const ended = end.payload as { run_id: string; exit_code: number | null };
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
