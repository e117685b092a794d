import { z } from 'zod';
import { isQuantity } from './quantity.js';

const quantity = (fallback: string) => z.string().default(fallback).refine(isQuantity, { message: 'not a Kubernetes quantity (e.g. 250m, 1, 8Gi)' });
const dnsName = (fallback: string) => z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'not a DNS-1123 name').max(63).default(fallback);

/** Settings every service that talks to the cluster shares (reference names kept where they exist). */
export const KubeEnv = z.object({
  /** A kubeconfig file; unset = the in-cluster ServiceAccount. */
  KUBECONFIG: z.string().min(1).optional(),
  /** Prefix of every label and annotation the platform writes. */
  CODEXK8S_LABEL_DOMAIN: z.string().regex(/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)$/, 'a DNS prefix ending in "/"').default('codex-k8s.dev/'),
  /** The platform's own namespace: code-only Jobs run here; it is never deleted. */
  CODEXK8S_PLATFORM_NAMESPACE: dnsName('codex-k8s-system'),
  /** The run ServiceAccount in full-env namespaces. */
  CODEXK8S_WORKER_RUN_SERVICE_ACCOUNT: dnsName('codex-runner'),
});

/** The run baseline (reference 3.3): names and quantities, each overridable; bad quantities stop the service. */
export const BaselineEnv = z.object({
  CODEXK8S_WORKER_RUN_ROLE_NAME: dnsName('codex-runner'),
  CODEXK8S_WORKER_RUN_ROLE_BINDING_NAME: dnsName('codex-runner'),
  CODEXK8S_WORKER_RUN_RESOURCE_QUOTA_NAME: dnsName('codex-run-quota'),
  CODEXK8S_WORKER_RUN_LIMIT_RANGE_NAME: dnsName('codex-run-limits'),
  CODEXK8S_WORKER_RUN_QUOTA_PODS: quantity('20'),
  CODEXK8S_WORKER_RUN_QUOTA_REQUESTS_CPU: quantity('4'),
  CODEXK8S_WORKER_RUN_QUOTA_REQUESTS_MEMORY: quantity('8Gi'),
  CODEXK8S_WORKER_RUN_QUOTA_LIMITS_CPU: quantity('8'),
  CODEXK8S_WORKER_RUN_QUOTA_LIMITS_MEMORY: quantity('16Gi'),
  CODEXK8S_WORKER_RUN_LIMIT_DEFAULT_REQUEST_CPU: quantity('250m'),
  CODEXK8S_WORKER_RUN_LIMIT_DEFAULT_REQUEST_MEMORY: quantity('256Mi'),
  CODEXK8S_WORKER_RUN_LIMIT_DEFAULT_CPU: quantity('1'),
  CODEXK8S_WORKER_RUN_LIMIT_DEFAULT_MEMORY: quantity('1Gi'),
  /** The NetworkPolicy that admits ingress only from inside the run namespace; empty disables it. */
  CODEXK8S_RUN_NETWORK_POLICY_NAME: z.union([z.literal(''), dnsName('codex-run-isolation')]).default('codex-run-isolation'),
  /** Namespaces allowed through that NetworkPolicy (comma-separated): the ingress controller, so slot URLs answer. */
  CODEXK8S_INGRESS_NAMESPACES: z
    .string()
    .default('ingress-nginx')
    .transform((v) => v.split(',').map((x) => x.trim()).filter(Boolean)),
});
