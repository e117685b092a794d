import { join } from 'node:path';
import { cacheDir, startServiceProcess, type ServiceProcess } from '@codex-k8s/stack';

export type RunningService = ServiceProcess;

/**
 * Starts a real service process with the given environment and waits for /readyz. Output goes to a log file
 * under the cache dir, named in failures. A service that talks to Kubernetes runs as its own deploy/ ServiceAccount
 * unless `kubeconfig` names another identity (see serviceKubeconfigFile in @codex-k8s/stack). `replica` (0-based)
 * tags the log file of a second or later replica.
 */
export async function startService(name: string, env: Record<string, string>, opts: { http?: boolean; kubeconfig?: string; replica?: number } = {}): Promise<RunningService> {
  const tag = opts.replica ? `-r${opts.replica + 1}` : '';
  const logFile = join(cacheDir(), 'test-logs', `${name}${tag}-${process.pid}-${Date.now()}.log`);
  return startServiceProcess(name, { env, logFile, ...(opts.http ? { http: true } : {}), ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}) });
}
