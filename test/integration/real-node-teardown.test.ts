import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { loadKubeConfig } from '@codex-k8s/kube';
import { ensureImages, imageRef, nodeLeftovers, readState, REAL_NODE_TAINT, restartNodeDaemon, startStack, stopStack, type StackState } from '@codex-k8s/stack';
import { CoreV1Api } from '@kubernetes/client-node';
import { eventually } from '../support/github.js';
import { testStack } from '../support/stack.js';

// A second stack's real node beside the test stack's own (as `npm run dev` runs beside `npm test`): its own
// network namespace and /24, and its `down` takes all of it away without touching the first, also after its
// kubelet and containerd crashed under a running pod.

const chains = (): string[] =>
  ['iptables-save', 'ip6tables-save'].flatMap((tool) => execFileSync(tool, { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith(':') || l.startsWith('*')).map((l) => `${tool} ${l.split(' ')[0]}`)).sort();

const ready = async (kubeconfig: string, name: string): Promise<boolean> => {
  const node = await loadKubeConfig(kubeconfig).makeApiClient(CoreV1Api).readNode({ name });
  return Boolean(node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
};

test("a second stack's node runs beside the first; after kubelet and containerd crashes under a running pod (the last one without restart), its down leaves no container, mount, link, namespace, cgroup, process or chain behind", async () => {
  const first = testStack();
  assert.ok(first?.node && first.kube, 'the test stack runs a real node');
  const before = chains();
  const name = `node-${randomUUID().slice(0, 6)}`;
  let second: StackState | undefined;
  try {
    // Its own servers: not the test stack's (the environment names those).
    second = await startStack({ name, with: ['kube', 'node'], env: {}, log: () => undefined });
    assert.ok(second.node && second.kube);
    assert.notEqual(second.node.network.podSubnet, first.node.network.podSubnet);
    assert.notEqual(second.node.netns, first.node.netns);
    assert.ok(await ready(second.kube.kubeconfig, second.node.name));
    const core = loadKubeConfig(second.kube.kubeconfig).makeApiClient(CoreV1Api);
    ensureImages(second.node.socket, ['agent-runner']);
    const pod = await core.createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name: 'sleeper' },
        spec: {
          tolerations: [{ key: REAL_NODE_TAINT, operator: 'Exists' }],
          nodeSelector: { 'kubernetes.io/hostname': second.node.name },
          containers: [{ name: 'c', image: imageRef('agent-runner'), imagePullPolicy: 'Never', command: ['sleep', '600'] }],
        },
      },
    });
    await eventually('the pod to run', async () => ((await core.readNamespacedPod({ name: 'sleeper', namespace: 'default' })).status?.phase === 'Running' ? true : undefined), 60_000);
    await restartNodeDaemon(name, 'kubelet', 1_000);
    await restartNodeDaemon(name, 'containerd', 1_000);
    second = readState(name) ?? second;
    assert.ok(second.node && nodeLeftovers(second.node).some((l) => l.startsWith('container shim')), `the pod ${pod.metadata?.uid ?? ''} still runs in its shim`);
    // Then containerd dies for good, its container still running under the shim; a plain down (the pod stays bound to
    // the node, as after a reboot) must take the container and its shim too.
    process.kill(second.node.pids.containerd, 'SIGKILL');
    await stopStack(name);
    assert.deepEqual(nodeLeftovers(second.node), []);
  } finally {
    await stopStack(name, { purge: true });
  }
  assert.ok(second?.node);
  assert.deepEqual(nodeLeftovers(second.node), []);
  assert.deepEqual(chains(), before, 'the host has the iptables chains it had before the second node');
  // The first stack's node is untouched: still Ready, its namespace and link still there.
  await eventually('the first node to stay Ready', async () => ((await ready(first.kube?.kubeconfig ?? '', first.node?.name ?? '')) ? true : undefined), 20_000);
  assert.ok(nodeLeftovers(first.node).some((l) => l.startsWith('network namespace')), "the first stack's network namespace is still there");
});
