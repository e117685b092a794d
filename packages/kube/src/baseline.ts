import type { KubernetesObject } from '@kubernetes/client-node';
import { MANAGED_BY, type LabelKeys } from './labels.js';

/** Names and quantities of the run baseline (reference 3.3; every value overridable by env). */
export interface BaselineSpec {
  readonly serviceAccount: string;
  readonly role: string;
  readonly roleBinding: string;
  readonly resourceQuota: string;
  readonly limitRange: string;
  readonly quota: { readonly pods: string; readonly requestsCpu: string; readonly requestsMemory: string; readonly limitsCpu: string; readonly limitsMemory: string };
  readonly limits: { readonly defaultRequestCpu: string; readonly defaultRequestMemory: string; readonly defaultCpu: string; readonly defaultMemory: string };
  /** The default-deny NetworkPolicy name, or null when disabled. */
  readonly networkPolicy: string | null;
  /** Namespaces whose pods may still reach the run's pods (the ingress controller, so slot URLs work). */
  readonly ingressFromNamespaces?: readonly string[];
  /**
   * Networks the run's pods may not reach (CIDRs, IPv4 and IPv6 mixed): the rest of the outside world stays open.
   * Private and link-local ranges by default, which hold the bus, Postgres, the apiserver and other tenants' pods.
   */
  readonly egressBlockedCidrs: readonly string[];
  /**
   * The platform namespace (CODEXK8S_PLATFORM_NAMESPACE), where agent-gateway runs: the run's pods may reach its
   * pods there on AGENT_GATEWAY_PORT, although the namespace's addresses are private (blocked above).
   */
  readonly platformNamespace: string;
}

/** agent-gateway's API port on its pods (deploy/base/agent-gateway: container port `http`, HTTP_PORT). */
export const AGENT_GATEWAY_PORT = 8080;

/**
 * The S2D3 "debug" Role: read the workloads of the namespace, exec into pods, nothing else and never Secrets.
 */
export const RUNNER_RULES = [
  { apiGroups: [''], resources: ['pods', 'pods/log', 'events', 'services', 'endpoints', 'configmaps'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
  { apiGroups: ['apps'], resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch'] },
] as const;

/**
 * The baseline objects of a run namespace, in apply order: ServiceAccount, Role, RoleBinding, ResourceQuota,
 * LimitRange and (unless disabled) a NetworkPolicy that admits traffic only from inside the namespace and from the
 * ingress controller's namespace(s), and lets traffic out only to those, to DNS, to agent-gateway and to public
 * addresses. Pure.
 */
export function buildBaseline(namespace: string, spec: BaselineSpec, keys: LabelKeys): KubernetesObject[] {
  const metadata = (name: string) => ({ name, namespace, labels: { [keys.managedBy]: MANAGED_BY } });
  const objects: KubernetesObject[] = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(spec.serviceAccount) },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: metadata(spec.role), rules: RUNNER_RULES.map((r) => ({ ...r, apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })) } as KubernetesObject,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: metadata(spec.roleBinding),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: spec.role },
      subjects: [{ kind: 'ServiceAccount', name: spec.serviceAccount, namespace }],
    } as KubernetesObject,
    {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: metadata(spec.resourceQuota),
      spec: {
        hard: {
          pods: spec.quota.pods,
          'requests.cpu': spec.quota.requestsCpu,
          'requests.memory': spec.quota.requestsMemory,
          'limits.cpu': spec.quota.limitsCpu,
          'limits.memory': spec.quota.limitsMemory,
        },
      },
    } as KubernetesObject,
    {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: metadata(spec.limitRange),
      spec: {
        limits: [
          {
            type: 'Container',
            defaultRequest: { cpu: spec.limits.defaultRequestCpu, memory: spec.limits.defaultRequestMemory },
            default: { cpu: spec.limits.defaultCpu, memory: spec.limits.defaultMemory },
          },
        ],
      },
    } as KubernetesObject,
  ];
  if (spec.networkPolicy) objects.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: metadata(spec.networkPolicy), spec: isolation(spec) } as KubernetesObject);
  return objects;
}

/** The cluster DNS: kube-system's port 53. */
const DNS = {
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
  ports: [
    { port: 53, protocol: 'UDP' },
    { port: 53, protocol: 'TCP' },
  ],
};

/** agent-gateway's pods in the platform namespace, its API port only: where agents report with their run token. */
const agentGateway = (platformNamespace: string) => ({
  to: [
    {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': platformNamespace } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'agent-gateway' } },
    },
  ],
  ports: [{ port: AGENT_GATEWAY_PORT, protocol: 'TCP' }],
});

/**
 * The run namespace's NetworkPolicy spec. Ingress: the namespace itself and the ingress controller's namespaces.
 * Egress: the namespace itself, cluster DNS, agent-gateway's API port in the platform namespace, the ingress
 * controller (a slot reaching its own public URL) and the outside world as `0.0.0.0/0` and `::/0` minus the blocked
 * networks. Pure.
 */
function isolation(spec: BaselineSpec): Record<string, unknown> {
  const ingressNamespaces = (spec.ingressFromNamespaces ?? []).map((ns) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } }));
  const world = (cidr: string, except: readonly string[]) => ({ ipBlock: { cidr, ...(except.length > 0 ? { except: [...except] } : {}) } });
  const v6 = spec.egressBlockedCidrs.filter((c) => c.includes(':'));
  const v4 = spec.egressBlockedCidrs.filter((c) => !c.includes(':'));
  return {
    podSelector: {},
    policyTypes: ['Ingress', 'Egress'],
    ingress: [{ from: [{ podSelector: {} }, ...ingressNamespaces] }],
    egress: [
      { to: [{ podSelector: {} }, ...ingressNamespaces] },
      DNS,
      agentGateway(spec.platformNamespace),
      { to: [world('0.0.0.0/0', v4), world('::/0', v6)] },
    ],
  };
}
