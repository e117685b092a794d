import type { KubernetesObject } from '@kubernetes/client-node';

type IngressLike = KubernetesObject & { spec?: { tls?: { hosts?: string[]; secretName?: string }[] } };
type CertificateLike = KubernetesObject & { spec?: { secretName?: string; dnsNames?: string[] } };

/**
 * Why the certificate the platform will wait for can never appear, or undefined when something issues it. A slot
 * with a host is served over HTTPS with the TLS secret `secretName`: some object of the stack must ask cert-manager
 * for it, either an Ingress with a cert-manager issuer annotation whose `tls` entry names that secret and the host,
 * or a cert-manager Certificate writing that secret for the host. Without one the deploy fails at once instead of
 * waiting out the whole TLS timeout. Pure.
 */
export function tlsSourceProblem(objects: readonly KubernetesObject[], host: string, secretName: string): string | undefined {
  const byIngress = objects.some((o) => {
    if (o.kind !== 'Ingress' || !o.apiVersion?.startsWith('networking.k8s.io/')) return false;
    const annotations = o.metadata?.annotations ?? {};
    const issued = Boolean(annotations['cert-manager.io/cluster-issuer'] ?? annotations['cert-manager.io/issuer']);
    return issued && ((o as IngressLike).spec?.tls ?? []).some((t) => t.secretName === secretName && (t.hosts ?? []).includes(host));
  });
  const byCertificate = objects.some((o) => {
    if (o.kind !== 'Certificate' || !o.apiVersion?.startsWith('cert-manager.io/')) return false;
    const spec = (o as CertificateLike).spec;
    return spec?.secretName === secretName && (spec.dnsNames ?? []).includes(host);
  });
  if (byIngress || byCertificate) return undefined;
  return `the slot has host ${host}, but no Ingress with a cert-manager issuer annotation and a tls entry for ${host} with secretName ${secretName} (nor a Certificate for it) is in the stack: its certificate would never be issued`;
}
