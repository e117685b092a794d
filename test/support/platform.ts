import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listFlowEvents, type FlowEventRow } from '@codex-k8s/db';
import { KUBE_SERVICES, agentGatewayListener, freePort, serviceKubeconfigPath, type GatewayListener } from '@codex-k8s/stack';
import { seedSampleProject } from '../../scripts/dev/seed.js';
import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '@codex-k8s/kube';
import { parse, stringify } from 'yaml';
import { freshDatabase, type TestDatabase } from './database.js';
import { requireEnv, uniqueBus, uniqueSuffix } from './env.js';
import { eventually, postWebhook } from './github.js';
import { startService, type RunningService } from './services.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

export const FIXTURE = readFileSync(new URL('../fixtures/issues-labeled.json', import.meta.url), 'utf8');
export const SECRET = 'platform-test-secret';

/** The fixture with another label added (and present on the issue), or another action. */
export function issuePayload(opts: { label?: string; issueLabels?: string[]; action?: string; issueNumber?: number } = {}): string {
  const p = JSON.parse(FIXTURE) as { action: string; label: { name: string }; issue: { number: number; labels: { name: string }[] } };
  if (opts.action) p.action = opts.action;
  if (opts.label) p.label = { ...p.label, name: opts.label };
  if (opts.issueNumber) p.issue.number = opts.issueNumber;
  p.issue.labels = (opts.issueLabels ?? [opts.label ?? 'run:dev']).map((name) => ({ ...p.issue.labels[0], name }));
  return JSON.stringify(p);
}

/** A server every service reaches through a TCP proxy of the platform (see startPlatform's `proxied`). */
export type ProxiedServer = 'postgres' | 'nats' | 'apiserver';

export interface Platform {
  readonly tdb: TestDatabase;
  /** The services' environment (with `proxied` servers, their proxied DATABASE_URL / NATS_URL). */
  readonly env: Record<string, string>;
  /** The first replica of each service. */
  readonly services: Map<string, RunningService>;
  /** Every replica of each service (`replicas` option), the first being `services.get(name)`. */
  readonly replicas: Map<string, RunningService[]>;
  /** The proxies in front of the `proxied` servers: the test's fault switch (the test's own clients bypass them). */
  readonly proxies: Partial<Record<ProxiedServer, TcpProxy>>;
  /** agent-gateway's URL as agents get it (when the platform runs agent-gateway on a stack with a real node). */
  readonly gatewayUrl?: string;
  /** staff-console's URL on loopback (when the platform runs it). */
  readonly consoleUrl?: string;
  /** The webhook URL of the first ingress replica. */
  readonly baseUrl: string;
  /** The webhook URL of every ingress replica. */
  readonly baseUrls: readonly string[];
  readonly projectId: string;
  /** Posts a signed delivery (to the ingress replicas in turn); resolves with its delivery id once accepted. */
  deliver(body: string, event?: string, delivery?: string): Promise<string>;
  /** The flow_events of one delivery, in the order they happened. */
  timeline(correlationId: string): Promise<FlowEventRow[]>;
  /** Waits until the timeline contains every listed type. */
  waitFor(correlationId: string, types: readonly string[], timeoutMs?: number): Promise<FlowEventRow[]>;
  /** Stops (SIGTERM) or kills (SIGKILL) a service and starts it again, optionally with changed settings. */
  restart(name: string, how: 'kill' | 'stop', env?: Record<string, string>): Promise<void>;
  /** Every replica of every service, with its name. */
  all(): { name: string; service: RunningService }[];
  stop(): Promise<void>;
}

export const PLATFORM_SERVICE_ORDER = ['audit-writer', 'planner', 'namespace-provisioner', 'agent-launcher', 'webhook-ingress'] as const;

/** The stack's admin kubeconfig, over keep-alive connections like the services' (loadKubeConfig). */
export function adminKubeConfig(): KubeConfig {
  return loadKubeConfig(requireEnv('KUBECONFIG'));
}

/** The proxies of `proxied` servers and what the services use instead of each server: URLs and kubeconfigs. */
async function proxiedServers(
  dbUrl: string,
  proxied: readonly ProxiedServer[],
  given: Record<string, string>,
): Promise<{ proxies: Partial<Record<ProxiedServer, TcpProxy>>; databaseUrl: string; natsUrl: string; kubeconfigs: Record<string, string> }> {
  const proxies: Partial<Record<ProxiedServer, TcpProxy>> = {};
  const kubeconfigs: Record<string, string> = { ...given };
  let databaseUrl = dbUrl;
  let natsUrl = requireEnv('NATS_URL');
  if (proxied.includes('postgres')) {
    proxies.postgres = await proxyFor(dbUrl);
    databaseUrl = viaProxy(dbUrl, proxies.postgres);
  }
  if (proxied.includes('nats')) {
    proxies.nats = await proxyFor(natsUrl);
    natsUrl = viaProxy(natsUrl, proxies.nats);
  }
  if (proxied.includes('apiserver')) {
    const server = adminKubeConfig().getCurrentCluster()?.server ?? '';
    proxies.apiserver = await proxyFor(server);
    const dir = requireEnv('CODEXK8S_SERVICE_KUBECONFIG_DIR');
    for (const name of KUBE_SERVICES) kubeconfigs[name] ??= kubeconfigVia(serviceKubeconfigPath(dir, name), viaProxy(server, proxies.apiserver), name);
  }
  return { proxies, databaseUrl, natsUrl, kubeconfigs };
}

/** `url` with its port (and host) replaced by the proxy's. Pure. */
function viaProxy(url: string, proxy: TcpProxy): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString().replace(/\/$/, '');
}

/** A proxy in front of the server of `url` (host:port). */
function proxyFor(url: string): Promise<TcpProxy> {
  const u = new URL(url);
  return startTcpProxy({ host: u.hostname, port: Number(u.port) });
}

/** A copy of `file` (a kubeconfig) whose clusters point at the proxy (same CA: the apiserver cert names 127.0.0.1). */
export function kubeconfigVia(file: string, server: string, name: string): string {
  const cfg = parse(readFileSync(file, 'utf8')) as { clusters: { cluster: { server: string } }[] };
  for (const c of cfg.clusters) c.cluster.server = server;
  const out = join(mkdtempSync(join(tmpdir(), 'codex-k8s-proxied-')), `${name}.kubeconfig`);
  writeFileSync(out, stringify(cfg), { mode: 0o600 });
  return out;
}

/**
 * The run pipeline of real services (ingress, audit, planner, provisioner, launcher) on the shared stack with a
 * database and bus names of its own. Each service runs as its deploy/ ServiceAccount (the stack's service
 * kubeconfigs, under deploy/base RBAC and admission policies); `kubeconfigs` (or a KUBECONFIG in a restart's env)
 * gives a service another identity. The admin KUBECONFIG is for the test code only.
 *
 * `proxied` puts a TCP proxy (test/support/tcp-proxy.ts) between every service and that real server: Postgres
 * (DATABASE_URL), NATS (NATS_URL) or the apiserver (each Kubernetes service's own kubeconfig, rewritten); the test
 * injects outages with `proxies.<server>.setMode`. `replicas` starts every service that many times (own ports and
 * log files); `deliver` then alternates between the ingress replicas.
 */
export async function startPlatform(
  opts: {
    env?: Record<string, string>;
    kubeconfigs?: Record<string, string>;
    services?: readonly string[];
    before?: (db: TestDatabase['db']) => Promise<void>;
    proxied?: readonly ProxiedServer[];
    replicas?: number;
  } = {},
): Promise<Platform> {
  const tdb = await freshDatabase();
  const projectId = await seedSampleProject(tdb.db);
  await opts.before?.(tdb.db);
  const { proxies, databaseUrl, natsUrl, kubeconfigs } = await proxiedServers(tdb.url, opts.proxied ?? [], opts.kubeconfigs ?? {});
  // agent-gateway (when asked for) listens where the real node's pods reach it, or on loopback without a node; each
  // replica on its own port, kept across restarts (agents were given the first one's URL).
  const withGateway = (opts.services ?? PLATFORM_SERVICE_ORDER).includes('agent-gateway');
  const gateways = new Map<number, GatewayListener>();
  const gatewayOf = async (replica: number): Promise<GatewayListener | undefined> => {
    if (!withGateway) return undefined;
    const known = gateways.get(replica);
    if (known) return known;
    const l = await agentGatewayListener(process.env);
    gateways.set(replica, l);
    return l;
  };
  const firstGateway = await gatewayOf(0);
  // staff-console (when asked for) on a loopback port of its own per replica, kept across restarts.
  const withConsole = (opts.services ?? PLATFORM_SERVICE_ORDER).includes('staff-console');
  const consolePorts = new Map<number, number>();
  const consolePortOf = async (replica: number): Promise<number> => {
    const known = consolePorts.get(replica) ?? (await freePort());
    consolePorts.set(replica, known);
    return known;
  };
  const env: Record<string, string> = {
    ...uniqueBus(),
    NATS_URL: natsUrl,
    DATABASE_URL: databaseUrl,
    KUBECONFIG: requireEnv('KUBECONFIG'),
    // Never admin: services get their own kubeconfig from this directory (startServiceProcess).
    CODEXK8S_SERVICE_KUBECONFIG_DIR: requireEnv('CODEXK8S_SERVICE_KUBECONFIG_DIR'),
    CODEXK8S_GITHUB_WEBHOOK_SECRET: SECRET,
    CODEXK8S_WORKER_RUN_NAMESPACE_PREFIX: `t${uniqueSuffix()}`,
    CODEXK8S_JOB_RESYNC_INTERVAL_MS: '1000',
    CODEXK8S_NAMESPACE_SWEEP_INTERVAL_MS: '2000',
    CODEXK8S_NAMESPACE_SWEEP_GRACE_MS: '3000',
    BUS_ACK_WAIT_MS: '10000',
    CODEXK8S_STAFF_SECRET: randomBytes(32).toString('hex'),
    CODEXK8S_STAFF_LOGIN_LINKS: 'true',
    ...(firstGateway ? { CODEXK8S_AGENT_GATEWAY_URL: firstGateway.url } : {}),
    ...opts.env,
  };
  const services = new Map<string, RunningService>();
  const replicas = new Map<string, RunningService[]>();
  const count = Math.max(opts.replicas ?? 1, 1);
  const startOne = async (name: string, replica: number, extra: Record<string, string> = {}): Promise<RunningService> => {
    const kubeconfig = extra.KUBECONFIG ?? kubeconfigs[name];
    const gw = name === 'agent-gateway' ? await gatewayOf(replica) : undefined;
    const listen: Record<string, string> = gw ? { HTTP_HOST: gw.host, HTTP_PORT: String(gw.port) } : name === 'staff-console' ? { HTTP_HOST: '127.0.0.1', HTTP_PORT: String(await consolePortOf(replica)) } : {};
    return startService(name, { ...env, ...listen, ...extra }, { http: name === 'webhook-ingress', replica, ...(kubeconfig ? { kubeconfig } : {}) });
  };
  const stopAll = async (): Promise<void> => {
    await Promise.all([...replicas.values()].flat().map((s) => s.stop()));
    await Promise.all(Object.values(proxies).map((p) => p.close()));
  };
  try {
    for (const name of opts.services ?? PLATFORM_SERVICE_ORDER) {
      // The replicas of one service start together; services start in order (recorder first, endpoint last).
      const started = await Promise.allSettled(Array.from({ length: count }, (_, r) => startOne(name, r)));
      const list = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      replicas.set(name, list);
      const failed = started.find((s) => s.status === 'rejected');
      if (failed) throw failed.reason;
      services.set(name, list[0] as RunningService);
    }
  } catch (err) {
    await stopAll();
    await tdb.drop();
    throw err;
  }
  const gatewayUrl = firstGateway?.url;
  const consoleUrl = withConsole ? `http://127.0.0.1:${await consolePortOf(0)}` : undefined;
  const baseUrls = (replicas.get('webhook-ingress') ?? []).map((s) => `http://127.0.0.1:${s.httpPort ?? 0}`);
  const baseUrl = baseUrls[0] ?? 'http://127.0.0.1:0';
  let turn = 0;
  const timeline = async (c: string): Promise<FlowEventRow[]> =>
    (await listFlowEvents(tdb.db, c)).sort((a, b) => new Date(a.occurred_at).getTime() - new Date(b.occurred_at).getTime() || Number(a.id) - Number(b.id));
  return {
    tdb,
    env,
    services,
    replicas,
    proxies,
    baseUrl,
    baseUrls,
    ...(gatewayUrl ? { gatewayUrl } : {}),
    ...(consoleUrl ? { consoleUrl } : {}),
    projectId,
    async deliver(body, event = 'issues', delivery = randomUUID()) {
      const url = baseUrls[turn++ % Math.max(baseUrls.length, 1)] ?? baseUrl;
      const res = await postWebhook(url, { delivery, event, body, secret: SECRET });
      if (res.status !== 202) throw new Error(`delivery refused: ${res.status} ${JSON.stringify(res.body)}`);
      return delivery;
    },
    timeline,
    waitFor: (c, types, timeoutMs = 60_000) =>
      eventually(`${types.join(', ')} for ${c}`, async () => {
        const rows = await timeline(c);
        const have = new Set(rows.map((r) => r.event_type));
        return types.every((t) => have.has(t)) ? rows : undefined;
      }, timeoutMs),
    async restart(name, how, extra) {
      const s = services.get(name);
      if (how === 'kill') await s?.kill();
      else await s?.stop();
      const next = await startOne(name, 0, extra);
      services.set(name, next);
      const list = replicas.get(name);
      if (list) list[0] = next;
      else replicas.set(name, [next]);
    },
    all: () => [...replicas.entries()].flatMap(([name, list]) => list.map((service) => ({ name, service }))),
    async stop() {
      await stopAll();
      await tdb.drop();
    },
  };
}
