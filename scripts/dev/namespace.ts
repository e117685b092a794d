import { loadKubeConfig } from '@codex-k8s/kube';
import { CoreV1Api } from '@kubernetes/client-node';

/** The platform namespace (code-only Jobs run there); created on the local stack when missing. */
export async function ensurePlatformNamespace(kubeconfig: string, name: string): Promise<void> {
  const core = loadKubeConfig(kubeconfig).makeApiClient(CoreV1Api);
  try {
    await core.readNamespace({ name });
  } catch {
    await core.createNamespace({ body: { metadata: { name, labels: { 'app.kubernetes.io/part-of': 'codex-k8s' } } } });
  }
}
