import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { candidateVersion } from '../debian.js';
import { addDebianPackage } from '../images/rootfs.js';
import { cacheDir, REPO_ROOT } from '../paths.js';
import { acceptsTcp, killGroup, spawnDetached, stopProcess, waitReady } from '../proc.js';
import { nginxConfig } from './nginx.js';

// The local TLS proxy (docs/adr/0007): Debian's nginx as the data plane, configured by a sync loop from the
// cluster's Ingresses and the Secrets cert-manager wrote, listening on a loopback address of the stack's own.

export interface ProxyHandle {
  /** HTTPS on :443 and HTTP on :80 of this loopback address; map slot hosts to it (e.g. Chromium's --host-resolver-rules). */
  readonly address: string;
  readonly dir: string;
  readonly pids: { readonly nginx: number; readonly sync: number };
}

/** Debian's nginx, unpacked (never installed: no service starts, nothing lands in /etc) into the cache once. */
function nginxBinary(): string {
  const version = candidateVersion('nginx') ?? 'none';
  const root = join(cacheDir(), 'bin', `nginx-${version.replace(/[^A-Za-z0-9.+~-]/g, '_')}`);
  const bin = join(root, 'usr', 'sbin', 'nginx');
  if (!existsSync(bin)) {
    mkdirSync(root, { recursive: true });
    addDebianPackage(root, 'nginx');
  }
  return bin;
}

/** The sync loop's entry: run through tsx from the sources, or directly when this module is compiled. */
function syncCommand(): string[] {
  const self = fileURLToPath(import.meta.url);
  const main = join(self, '..', self.endsWith('.ts') ? 'main.ts' : 'main.js');
  return [...(self.endsWith('.ts') ? ['--conditions=source', '--import', 'tsx'] : []), main];
}

/** Starts nginx with an empty configuration, then the sync loop that fills it. Resolves once nginx answers. */
export async function startProxy(o: { dir: string; address: string; kubeconfig: string }): Promise<ProxyHandle> {
  const nginx = nginxBinary();
  for (const t of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(o.dir, 'tmp', t), { recursive: true });
  const conf = join(o.dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig([], { address: o.address, dir: o.dir, certOf: () => undefined }));
  const pids = { nginx: 0, sync: 0 };
  try {
    pids.nginx = spawnDetached(nginx, ['-p', o.dir, '-e', join(o.dir, 'error.log'), '-c', conf, '-g', 'daemon off;'], { logFile: join(o.dir, 'nginx.log') });
    await waitReady('nginx', () => acceptsTcp(o.address, 80), { timeoutMs: 15_000, pid: pids.nginx, logFile: join(o.dir, 'error.log') });
    pids.sync = spawnDetached(process.execPath, [...syncCommand(), '--kubeconfig', o.kubeconfig, '--dir', o.dir, '--address', o.address, '--nginx', nginx], { logFile: join(o.dir, 'sync.log'), cwd: REPO_ROOT });
    return { address: o.address, dir: o.dir, pids };
  } catch (err) {
    await stopProxy({ address: o.address, dir: o.dir, pids });
    throw err;
  }
}

export async function stopProxy(h: ProxyHandle): Promise<void> {
  await stopProcess(h.pids.sync);
  // SIGQUIT: nginx's graceful stop (its master then stops the workers); a worker left behind would hold :443.
  await stopProcess(h.pids.nginx, 10_000, 'SIGQUIT');
  killGroup(h.pids.nginx);
}
