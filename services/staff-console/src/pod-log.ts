import { newestPodsFirst } from '@codex-k8s/kube';
import type { CoreV1Api } from '@kubernetes/client-node';

/**
 * Reads the end of what a Job's newest pod printed (its `run` container, the agent), through the apiserver; undefined
 * when the Job has no pod left or its log cannot be read (a node that serves no logs, a pod not started yet).
 */
export function podLogReader(core: Pick<CoreV1Api, 'listNamespacedPod' | 'readNamespacedPodLog'>): (job: { name: string; namespace: string }, lines: number) => Promise<string | undefined> {
  return async (job, lines) => {
    try {
      const pods = (await core.listNamespacedPod({ namespace: job.namespace, labelSelector: `job-name=${job.name}` })).items;
      const pod = newestPodsFirst(pods)[0];
      if (!pod?.metadata?.name) return undefined;
      return await core.readNamespacedPodLog({ name: pod.metadata.name, namespace: job.namespace, container: 'run', tailLines: lines, limitBytes: 4 * 1024 * 1024 });
    } catch {
      return undefined;
    }
  };
}
