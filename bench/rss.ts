import { join } from 'node:path';
import { createDb, migrateToLatest } from '@codex-k8s/db';
import { PLATFORM_SERVICES, serviceNodeEnv, stackEnv, startServiceProcess, stopStack, type ServiceProcess } from '@codex-k8s/stack';
import { ensurePlatformNamespace } from '../scripts/dev/namespace.js';
import { memoryMb, startBenchStack } from './support.js';

// `node scripts/bootstrap.mjs bench/rss.ts` (part of `npm run bench -- --all`): the resident memory of the seven
// services at idle, side by side on the same stack: compiled JavaScript with the services' Node settings (how they
// run: serviceNodeEnv, docs/adr/0004), compiled with Node's defaults, and from the TypeScript sources
// through tsx with Node's defaults (how they ran before). Run `npm run build` first. Prints figures; asserts nothing.
const TARGET_MB = 500;
const name = 'bench-rss';
const stack = await startBenchStack(name, { with: ['postgres', 'nats', 'kube'] });
const env: Record<string, string> = { ...stackEnv(stack), LOG_LEVEL: 'warn', CODEXK8S_GITHUB_WEBHOOK_SECRET: 'bench-rss' };
const db = createDb(env.DATABASE_URL ?? '', { applicationName: 'bench-rss' });
await migrateToLatest(db);
await db.destroy();
if (env.KUBECONFIG) await ensurePlatformNamespace(env.KUBECONFIG, 'codex-k8s-system');

type Mode = 'settings' | 'compiled' | 'tsx';
async function measure(mode: Mode): Promise<Map<string, number>> {

  const running: ServiceProcess[] = [];
  try {
    for (const svc of PLATFORM_SERVICES) {
      running.push(
        await startServiceProcess(svc, {
          env: { ...env, ...(mode === 'tsx' ? { CODEXK8S_RUN_FROM_SOURCE: '1' } : {}) },
          logFile: join(stack.dir, 'logs', `bench-rss-${mode}-${svc}.log`),
          http: svc === 'webhook-ingress',
          nodeEnv: mode === 'settings' ? serviceNodeEnv(svc) : {},
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 10_000)); // idle: start-up garbage collected, timers settled
    return new Map(running.map((s) => [s.name, memoryMb(s.process.pid)]));
  } finally {
    await Promise.all(running.map((s) => s.stop()));
  }
}

try {
  const settings = await measure('settings');
  const compiled = await measure('compiled');
  const tsx = await measure('tsx');
  const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
  const row = (label: string, f: (m: Map<string, number>) => number): string => `  ${label.padEnd(22)}${[settings, compiled, tsx].map((m) => f(m).toFixed(0).padStart(10)).join('')}`;
  console.log(`\nRSS at idle (MB)        services'   compiled,       tsx,\n                        settings   defaults  defaults`);
  for (const svc of PLATFORM_SERVICES) console.log(`${row(svc, (m) => m.get(svc) ?? 0)}   ${Object.entries(serviceNodeEnv(svc)).map(([k, v]) => `${k}="${v}"`).join(' ')}`);
  console.log(`${row('all seven', sum)}   target < ${TARGET_MB} MB (services' settings)`);
} finally {
  await stopStack(name, { purge: true });
}
