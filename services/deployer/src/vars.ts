import type { ResolvedStack } from '@codex-k8s/services-config';

/**
 * The variables manifests render with (reference 2.6), pure: the platform's settings, the image references,
 * and the slot host resolved before any manifest renders, so the Ingress host, its TLS host and an
 * oauth2-proxy `--redirect-url=https://<host>/oauth2/callback` always agree. `CODEXK8S_STAGING_DOMAIN` is the
 * seed's name for the host (`CODEXK8S_PUBLIC_DOMAIN` the later one).
 */
export function slotVars(stack: ResolvedStack, platform: { clusterIssuer: string; extra?: Readonly<Record<string, string>> }): Record<string, string> {
  const host = stack.host ?? '';
  return {
    ...platform.extra,
    ...stack.imageVars,
    CODEXK8S_PROJECT: stack.project,
    CODEXK8S_ENV: stack.env,
    CODEXK8S_SLOT: String(stack.slot),
    CODEXK8S_NAMESPACE: stack.namespace,
    CODEXK8S_CLUSTER_ISSUER: platform.clusterIssuer,
    CODEXK8S_TLS_SECRET_NAME: stack.env === 'ai' ? 'codex-k8s-ai-tls' : 'codex-k8s-production-tls',
    ...(host ? { CODEXK8S_STAGING_DOMAIN: host, CODEXK8S_PUBLIC_DOMAIN: host, CODEXK8S_PUBLIC_BASE_URL: `https://${host}` } : {}),
  };
}
