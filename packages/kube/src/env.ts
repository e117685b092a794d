import { z } from 'zod';
import { isQuantity } from './quantity.js';

const quantity = (fallback: string) => z.string().default(fallback).refine(isQuantity, { message: 'not a Kubernetes quantity (e.g. 250m, 1, 8Gi)' });
const dnsName = (fallback: string) => z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'not a DNS-1123 name').max(63).default(fallback);
const list = (v: string): string[] => v.split(',').map((x) => x.trim()).filter(Boolean);

/** Private (RFC 1918, carrier-grade NAT, unique local) and link-local ranges: in-cluster and cloud metadata addresses. */
export const DEFAULT_EGRESS_BLOCKED_CIDRS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', 'fc00::/7', 'fe80::/10'] as const;

const cidrV4 = z.cidrv4();
const cidrV6 = z.cidrv6();

const v4Bits = (address: string): bigint => address.split('.').reduce((n, octet) => (n << 8n) | BigInt(Number(octet)), 0n);

/** An IPv6 address as a 128-bit number: `::` expanded, an embedded IPv4 tail (`::ffff:10.0.0.0`) as two groups. */
function v6Bits(address: string): bigint {
  const groups = (part: string): string[] =>
    (part ? part.split(':') : []).flatMap((g) => {
      if (!g.includes('.')) return [g];
      const n = v4Bits(g);
      return [(n >> 16n).toString(16), (n & 0xffffn).toString(16)];
    });
  const [head = '', tail = ''] = address.includes('::') ? address.split('::') : [address, ''];
  const h = groups(head);
  const t = groups(tail);
  return [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t].reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/**
 * A network an `ipBlock.except` can hold: IPv4 or IPv6 CIDR, no host bits set (`10.0.0.1/8` is not a network) and
 * narrower than the whole family (an except must be a strict subset of 0.0.0.0/0 or ::/0). Pure.
 */
export function isNetworkCidr(value: string): boolean {
  const v6 = cidrV6.safeParse(value).success;
  if (!v6 && !cidrV4.safeParse(value).success) return false;
  const [address = '', length = ''] = value.split('/');
  const width = v6 ? 128n : 32n;
  const prefix = BigInt(Number(length));
  if (prefix < 1n) return false;
  const hostMask = (1n << (width - prefix)) - 1n;
  return ((v6 ? v6Bits(address) : v4Bits(address)) & hostMask) === 0n;
}

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
  CODEXK8S_INGRESS_NAMESPACES: z.string().default('ingress-nginx').transform(list),
  /**
   * Networks run and slot pods may not reach (comma-separated CIDRs; empty: none): everything else outside the
   * namespace is reachable, so these keep the bus, Postgres, the apiserver and other tenants out of reach.
   */
  CODEXK8S_RUN_EGRESS_BLOCKED_CIDRS: z
    .string()
    .default(DEFAULT_EGRESS_BLOCKED_CIDRS.join(','))
    .transform(list)
    .pipe(z.array(z.string().refine(isNetworkCidr, 'not a network CIDR (e.g. 10.0.0.0/8, fc00::/7; no host bits, prefix at least 1)'))),
});
