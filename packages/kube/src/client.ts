import { HttpMethod, KubernetesObjectApi, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { PooledKubeConfig } from './agent.js';

/**
 * The cluster connection of a service: the kubeconfig file named by KUBECONFIG when given, else the in-cluster
 * ServiceAccount (a Deployment from deploy/). One place, so every service connects the same way, over
 * keep-alive connections (PooledKubeConfig).
 */
export function loadKubeConfig(kubeconfigPath?: string): PooledKubeConfig {
  const kc = new PooledKubeConfig();
  if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
  else kc.loadFromCluster();
  return kc;
}

/**
 * The generic object client with a server-side apply that sends the object exactly as given. client-node's
 * own `patch` re-serialises known kinds through its models, which silently drops fields whose model name
 * differs from the wire name (a LimitRange's `default` limits were lost that way).
 */
export class ObjectApplier extends KubernetesObjectApi {
  static forConfig(kc: KubeConfig): ObjectApplier {
    const client = kc.makeApiClient(ObjectApplier);
    client.setDefaultNamespace(kc);
    return client;
  }

  /**
   * Whether a kind is namespaced, from API discovery (cached per group version).
   * @returns undefined when the apiserver does not serve that kind.
   */
  async isNamespaced(apiVersion: string, kind: string): Promise<boolean | undefined> {
    const r = await this.resource(apiVersion, kind).catch(() => undefined);
    return r ? r.namespaced : undefined;
  }

  /** Server-side apply (`application/apply-patch+yaml`, JSON is YAML) with force, as `fieldManager`. */
  async apply<T extends KubernetesObject>(obj: T, fieldManager: string): Promise<T> {
    const path = await this.specUriPath(obj, 'patch');
    const ctx = this.configuration.baseServer.makeRequestContext(path, HttpMethod.PATCH);
    ctx.setHeaderParam('Accept', 'application/json');
    ctx.setHeaderParam('Content-Type', 'application/apply-patch+yaml');
    ctx.setQueryParam('fieldManager', fieldManager);
    ctx.setQueryParam('force', 'true');
    ctx.setBody(JSON.stringify(obj));
    return this.requestPromise<T>(ctx);
  }
}
