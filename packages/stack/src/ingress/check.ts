import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { CoreV1Api, NetworkingV1Api } from '@kubernetes/client-node';
import { loadKubeConfig } from '@codex-k8s/kube';
import { LOCAL_CLUSTER_ISSUER } from '../cert-manager.js';

/** What a slot's page answered through the local TLS proxy, and whether it presented the certificate cert-manager issued. */
export interface SlotPageCheck {
  readonly status: number;
  readonly body: string;
  /** The certificate the proxy presented is the one in the Secret the slot's Ingress names. */
  readonly certificateFromSecret: boolean;
  readonly issuer: string;
  /** When the presented certificate expires (ms since the epoch). */
  readonly validTo: number;
}

/** The local CA cert-manager signs slot certificates with (trusted by this check, by nothing else on the machine). */
export async function localCaPem(kubeconfig: string): Promise<string> {
  const core = loadKubeConfig(kubeconfig).makeApiClient(CoreV1Api);
  const s = await core.readNamespacedSecret({ name: LOCAL_CLUSTER_ISSUER, namespace: 'cert-manager' });
  return Buffer.from(s.data?.['ca.crt'] ?? s.data?.['tls.crt'] ?? '', 'base64').toString('utf8');
}

/** The certificate in the TLS Secret of the Ingress serving `host` in `namespace`. */
async function ingressCertificate(kubeconfig: string, namespace: string, host: string): Promise<string | undefined> {
  const kc = loadKubeConfig(kubeconfig);
  const ingresses = await kc.makeApiClient(NetworkingV1Api).listNamespacedIngress({ namespace });
  const secret = ingresses.items.flatMap((i) => i.spec?.tls ?? []).find((t) => t.hosts?.includes(host))?.secretName;
  if (!secret) return undefined;
  const s = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ name: secret, namespace });
  return Buffer.from(s.data?.['tls.crt'] ?? '', 'base64').toString('utf8');
}

/**
 * GET https://<host>/ through the proxy's address, verifying the certificate against the local CA and the host
 * name (no verification is switched off), and comparing it with the Secret cert-manager wrote.
 */
export async function checkSlotPage(o: { kubeconfig: string; proxyAddress: string; url: string; namespace: string }): Promise<SlotPageCheck> {
  const host = new URL(o.url).hostname;
  const ca = await localCaPem(o.kubeconfig);
  const issued = await ingressCertificate(o.kubeconfig, o.namespace, host);
  return new Promise((resolve, reject) => {
    const req = request({ host: o.proxyAddress, port: 443, path: '/', servername: host, headers: { host }, ca, timeout: 10_000 }, (res) => {
      const peer = (res.socket as TLSSocket).getPeerX509Certificate();
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const first = issued ? new X509Certificate(issued) : undefined;
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), certificateFromSecret: Boolean(first && peer && first.fingerprint256 === peer.fingerprint256), issuer: peer?.issuer ?? '', validTo: peer ? Date.parse(peer.validTo) : 0 });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${o.proxyAddress}:443 for ${host} within 10 s`)));
    req.on('error', reject);
    req.end();
  });
}
