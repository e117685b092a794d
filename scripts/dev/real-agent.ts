import { ensureImages, imageRef, realNodeEnv, type StackState } from '@codex-k8s/stack';

/**
 * With a real node in the stack, runs are real: the agent image (and with --slots the sample project's images) are
 * built, or found in the cache, and imported into the node's containerd, and run and slot namespaces place their
 * pods on the node. The Job runs the reference runner, and the runner the smoke agent: it checks the slot from
 * inside the cluster and reports through agent-gateway.
 */
export function realWorkloadEnv(stack: StackState, opts: { slots: boolean }, say: (l: string) => void): Record<string, string> {
  if (!stack.node) return {};
  const names = ['agent-runner', ...(opts.slots ? ['shop-api', 'shop-web', 'shop-postgres'] : [])];
  for (const i of ensureImages(stack.node.socket, names)) {
    say(`   image ${i.ref.padEnd(36)} ${i.built ? `built in ${(i.ms / 1000).toFixed(1)} s` : 'from the cache'}${i.imported ? ', imported' : ''}`);
  }
  return {
    ...realNodeEnv(),
    CODEXK8S_WORKER_JOB_IMAGE: imageRef('agent-runner'),
    CODEXK8S_WORKER_JOB_RUNNER: '/usr/local/bin/codex-agent-runner',
    CODEXK8S_WORKER_JOB_COMMAND: 'codex-agent-smoke',
  };
}
