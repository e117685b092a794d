import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, DiscoveryV1Api, NetworkingV1Api } from '@kubernetes/client-node';
import { loadKubeConfig } from '@codex-k8s/kube';
import { nginxConfig } from './nginx.js';
import { ingressRoutes, type Route } from './routes.js';

/** What one pass of the proxy's sync loop needs: its API clients, its directory, its address and nginx. */
export interface SyncOptions {
  readonly api: SyncClients;
  readonly dir: string;
  readonly address: string;
  /** nginx itself: a configuration is checked with `nginx -t` before it replaces the one nginx runs. */
  readonly nginx: string;
}

export interface SyncClients {
  readonly core: CoreV1Api;
  readonly networking: NetworkingV1Api;
  readonly discovery: DiscoveryV1Api;
}

/** The clients the loop uses on every pass, made once from its identity's kubeconfig (keep-alive connections). */
export function syncClients(kubeconfig: string): SyncClients {
  const kc = loadKubeConfig(kubeconfig);
  return { core: kc.makeApiClient(CoreV1Api), networking: kc.makeApiClient(NetworkingV1Api), discovery: kc.makeApiClient(DiscoveryV1Api) };
}

const sameContent = (file: string, content: string): boolean => existsSync(file) && readFileSync(file, 'utf8') === content;

/** Writes a file only when its content changed; returns whether it did. */
function writeIfChanged(file: string, content: string, mode = 0o644): boolean {
  if (sameContent(file, content)) return false;
  writeFileSync(file, content, { mode });
  return true;
}

/**
 * Puts a new configuration in place only when nginx accepts it (`nginx -t`), so one odd Ingress can never leave
 * nginx without a configuration; a refused one is tried again on every pass (its cause is in the error).
 * @throws Error with nginx's reason when it refuses the configuration.
 */
function replaceConfig(o: SyncOptions, conf: string): boolean {
  const file = join(o.dir, 'nginx.conf');
  if (sameContent(file, conf)) return false;
  writeFileSync(`${file}.new`, conf);
  try {
    execFileSync(o.nginx, ['-t', '-q', '-p', o.dir, '-e', join(o.dir, 'error.log'), '-c', `${file}.new`], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new Error(`nginx refused the new configuration, kept the running one: ${String((err as { stderr?: Buffer }).stderr ?? err).trim().slice(0, 500)}`);
  }
  renameSync(`${file}.new`, file);
  return true;
}

/**
 * One pass: the routes from the cluster's Ingresses, Services and EndpointSlices, each TLS Secret's certificate
 * and key written as files (key readable by root only), and nginx's configuration. Returns the routes and whether
 * anything nginx reads changed (then it must reload).
 */
export async function syncOnce(o: SyncOptions): Promise<{ routes: Route[]; changed: boolean }> {
  const { core, networking, discovery } = o.api;
  const [ingresses, services, slices] = await Promise.all([
    networking.listIngressForAllNamespaces(),
    core.listServiceForAllNamespaces(),
    discovery.listEndpointSliceForAllNamespaces(),
  ]);
  const routes = ingressRoutes(ingresses.items, services.items, slices.items);
  const certs = join(o.dir, 'certs');
  mkdirSync(certs, { recursive: true, mode: 0o700 });
  const files = new Map<string, { cert: string; key: string }>();
  let changed = false;
  for (const r of routes) {
    if (!r.tls) continue;
    const secret = await core.readNamespacedSecret({ name: r.tls.secret, namespace: r.tls.namespace }).catch(() => undefined);
    const crt = secret?.data?.['tls.crt'];
    const key = secret?.data?.['tls.key'];
    if (!crt || !key) continue;
    const f = { cert: join(certs, `${r.host}.crt`), key: join(certs, `${r.host}.key`) };
    changed = writeIfChanged(f.cert, Buffer.from(crt, 'base64').toString('utf8')) || changed;
    changed = writeIfChanged(f.key, Buffer.from(key, 'base64').toString('utf8'), 0o600) || changed;
    files.set(r.host, f);
  }
  const conf = nginxConfig(routes, { address: o.address, dir: o.dir, certOf: (h) => files.get(h) });
  changed = replaceConfig(o, conf) || changed;
  writeIfChanged(join(o.dir, 'routes.json'), JSON.stringify(routes.map((r) => ({ host: r.host, tls: Boolean(files.get(r.host)), paths: r.paths.map((p) => ({ path: p.path, backends: p.backends.length })) })), null, 2));
  return { routes, changed };
}
