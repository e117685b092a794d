import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { listFlowEvents, type FlowEventRow } from '@codex-k8s/db';
import { seedSampleProject } from '../../scripts/dev/seed.js';
import { KubeConfig } from '@kubernetes/client-node';
import { freshDatabase, type TestDatabase } from './database.js';
import { requireEnv, uniqueBus, uniqueSuffix } from './env.js';
import { eventually, postWebhook } from './github.js';
import { startService, type RunningService } from './services.js';

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

export interface Platform {
  readonly tdb: TestDatabase;
  readonly env: Record<string, string>;
  readonly services: Map<string, RunningService>;
  readonly baseUrl: string;
  readonly projectId: string;
  /** Posts a signed delivery; resolves with its delivery id once accepted. */
  deliver(body: string, event?: string, delivery?: string): Promise<string>;
  /** The flow_events of one delivery, in the order they happened. */
  timeline(correlationId: string): Promise<FlowEventRow[]>;
  /** Waits until the timeline contains every listed type. */
  waitFor(correlationId: string, types: readonly string[], timeoutMs?: number): Promise<FlowEventRow[]>;
  /** Stops (SIGTERM) or kills (SIGKILL) a service and starts it again, optionally with changed settings. */
  restart(name: string, how: 'kill' | 'stop', env?: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

export const PLATFORM_SERVICE_ORDER = ['audit-writer', 'planner', 'namespace-provisioner', 'agent-launcher', 'webhook-ingress'] as const;

export function adminKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(requireEnv('KUBECONFIG'));
  return kc;
}

/**
 * The run pipeline of real services (ingress, audit, planner, provisioner, launcher) on the shared stack with a
 * database and bus names of its own. Each service runs as its deploy/ ServiceAccount (the stack's service
 * kubeconfigs, under deploy/base RBAC and admission policies); `kubeconfigs` (or a KUBECONFIG in a restart's env)
 * gives a service another identity. The admin KUBECONFIG is for the test code only.
 */
export async function startPlatform(opts: { env?: Record<string, string>; kubeconfigs?: Record<string, string>; services?: readonly string[]; before?: (db: TestDatabase['db']) => Promise<void> } = {}): Promise<Platform> {
  const tdb = await freshDatabase();
  const projectId = await seedSampleProject(tdb.db);
  await opts.before?.(tdb.db);
  const env: Record<string, string> = {
    ...uniqueBus(),
    NATS_URL: requireEnv('NATS_URL'),
    DATABASE_URL: tdb.url,
    KUBECONFIG: requireEnv('KUBECONFIG'),
    // Never admin: services get their own kubeconfig from this directory (startServiceProcess).
    CODEXK8S_SERVICE_KUBECONFIG_DIR: requireEnv('CODEXK8S_SERVICE_KUBECONFIG_DIR'),
    CODEXK8S_GITHUB_WEBHOOK_SECRET: SECRET,
    CODEXK8S_WORKER_RUN_NAMESPACE_PREFIX: `t${uniqueSuffix()}`,
    CODEXK8S_JOB_RESYNC_INTERVAL_MS: '1000',
    CODEXK8S_NAMESPACE_SWEEP_INTERVAL_MS: '2000',
    CODEXK8S_NAMESPACE_SWEEP_GRACE_MS: '3000',
    BUS_ACK_WAIT_MS: '10000',
    ...opts.env,
  };
  const services = new Map<string, RunningService>();
  const start = async (name: string, extra: Record<string, string> = {}): Promise<void> => {
    const kubeconfig = extra.KUBECONFIG ?? opts.kubeconfigs?.[name];
    services.set(name, await startService(name, { ...env, ...extra }, { http: name === 'webhook-ingress', ...(kubeconfig ? { kubeconfig } : {}) }));
  };
  for (const name of opts.services ?? PLATFORM_SERVICE_ORDER) await start(name);
  const baseUrl = `http://127.0.0.1:${services.get('webhook-ingress')?.httpPort ?? 0}`;
  const timeline = async (c: string): Promise<FlowEventRow[]> =>
    (await listFlowEvents(tdb.db, c)).sort((a, b) => new Date(a.occurred_at).getTime() - new Date(b.occurred_at).getTime() || Number(a.id) - Number(b.id));
  return {
    tdb,
    env,
    services,
    baseUrl,
    projectId,
    async deliver(body, event = 'issues', delivery = randomUUID()) {
      const res = await postWebhook(baseUrl, { delivery, event, body, secret: SECRET });
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
      await start(name, extra);
    },
    async stop() {
      await Promise.all([...services.values()].map((s) => s.stop()));
      await tdb.drop();
    },
  };
}
