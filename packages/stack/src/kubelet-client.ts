import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDebianPackages } from './debian.js';

// Who may talk to the real node's kubelet: the apiserver only (logs, exec, port-forward go through it). The stack
// makes a CA of its own that signs exactly one client certificate, the apiserver's, and then forgets its key; the
// kubelet accepts clients of that CA and nobody anonymous (docs/adr/0006).

/** The files of the apiserver's kubelet client identity under a stack's kube/pki directory. */
export function kubeletClientFiles(pkiDir: string): { readonly ca: string; readonly cert: string; readonly key: string } {
  return { ca: join(pkiDir, 'kubelet-client-ca.crt'), cert: join(pkiDir, 'kubelet-client.crt'), key: join(pkiDir, 'kubelet-client.key') };
}

const WORK_PREFIX = 'kubelet-ca-';

const openssl = (args: readonly string[]): void => {
  execFileSync('openssl', [...args], { stdio: ['ignore', 'ignore', 'pipe'] });
};

/**
 * Creates the CA and the apiserver's client certificate (CN kube-apiserver-kubelet-client, ECDSA P-256, 10 years)
 * once per stack; the CA's key exists only while signing. Kept across restarts (the apiserver and kubelet reuse them).
 * @throws Error when openssl cannot be installed or fails.
 */
export function ensureKubeletClientCert(pkiDir: string): ReturnType<typeof kubeletClientFiles> {
  const f = kubeletClientFiles(pkiDir);
  // A start cut short while signing left the CA key in its working directory: never reused, always removed.
  for (const d of readdirSync(pkiDir).filter((n) => n.startsWith(WORK_PREFIX))) rmSync(join(pkiDir, d), { recursive: true, force: true });
  if ([f.ca, f.cert, f.key].every((p) => existsSync(p))) return f;
  ensureDebianPackages(['openssl'], (l) => console.error(l));
  const tmp = mkdtempSync(join(pkiDir, WORK_PREFIX));
  try {
    const caKey = join(tmp, 'ca.key');
    const csr = join(tmp, 'client.csr');
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    openssl(['req', '-x509', ...ec, '-keyout', caKey, '-out', f.ca, '-days', '3650', '-subj', '/CN=codex-k8s kubelet client CA']);
    openssl(['req', ...ec, '-keyout', f.key, '-out', csr, '-subj', '/CN=kube-apiserver-kubelet-client']);
    openssl(['x509', '-req', '-in', csr, '-CA', f.ca, '-CAkey', caKey, '-CAcreateserial', '-CAserial', join(tmp, 'ca.srl'), '-out', f.cert, '-days', '3650']);
    chmodSync(f.key, 0o600);
    return f;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
