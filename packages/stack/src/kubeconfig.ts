import { readFileSync } from 'node:fs';
import type { Cluster } from '@kubernetes/client-node';
import { stringify } from 'yaml';

/** A kubeconfig for one user against the local apiserver (token auth, pinned CA). */
export function kubeconfigYaml(opts: { server: string; caPem: string; token: string; user?: string; namespace?: string }): string {
  const user = opts.user ?? 'admin';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'codex-k8s-local', cluster: { server: opts.server, 'certificate-authority-data': Buffer.from(opts.caPem).toString('base64') } }],
    users: [{ name: user, user: { token: opts.token } }],
    contexts: [{ name: 'codex-k8s-local', context: { cluster: 'codex-k8s-local', user, ...(opts.namespace ? { namespace: opts.namespace } : {}) } }],
    'current-context': 'codex-k8s-local',
  });
}

/** The CA a kubeconfig's cluster pins, as PEM (inline data, else its file), to write into other kubeconfigs. */
export function clusterCaPem(cluster: Cluster | null): string {
  return cluster?.caData ? Buffer.from(cluster.caData, 'base64').toString('utf8') : readFileSync(cluster?.caFile ?? '', 'utf8');
}
