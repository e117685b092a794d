import type { KubernetesObjectApi} from '@kubernetes/client-node';
import { KubeConfig, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';

/**
 * The cluster connection of a service: the kubeconfig file named by KUBECONFIG when given, else the in-cluster
 * ServiceAccount (a Deployment from deploy/). One place, so every service connects the same way.
 */
export function loadKubeConfig(kubeconfigPath?: string): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
  else kc.loadFromCluster();
  return kc;
}

/**
 * Server-side apply of one object with the service's field manager (its name), forcing ownership of the
 * fields it sets: idempotent, and a second apply of the same object changes nothing.
 */
export async function applyObject<T extends KubernetesObject>(objects: KubernetesObjectApi, obj: T, fieldManager: string): Promise<T> {
  return objects.patch(obj, undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply);
}
