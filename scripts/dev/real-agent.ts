import { ensureImages, imageRef, realNodePlacementEnv, type StackState } from '@codex-k8s/stack';

/**
 * With a real node in the stack, the agent runs for real: the agent image is built (or found in the cache) and
 * imported into the node's containerd, and run namespaces place their pods on the node. Slot namespaces stay on
 * kwok nodes while the sample project's own images do not exist yet (its manifests name images nothing builds).
 */
export function realAgentEnv(stack: StackState, opts: { slots: boolean }, say: (l: string) => void): Record<string, string> {
  if (!stack.node || opts.slots) return {};
  for (const i of ensureImages(stack.node.socket, ['agent-runner'])) {
    say(`   image ${i.ref} ${i.built ? `built in ${(i.ms / 1000).toFixed(1)} s` : 'from the cache'}${i.imported ? ', imported' : ''}`);
  }
  return {
    ...realNodePlacementEnv(),
    CODEXK8S_WORKER_JOB_IMAGE: imageRef('agent-runner'),
    CODEXK8S_WORKER_JOB_COMMAND: 'codex-agent-probe',
  };
}
