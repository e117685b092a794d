import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDb, migrateToLatest } from '@codex-k8s/db';
import { PLATFORM_SERVICES, stackEnv, startServiceProcess, startStack, stopStack, type ServiceProcess } from '@codex-k8s/stack';
import { ensurePlatformNamespace } from '../scripts/dev/namespace.js';

// `npm run bench -- --rss` (or `node scripts/bootstrap.mjs bench/rss.ts`): the resident memory of the seven services
// at idle, started as compiled JavaScript (how they run) and from the TypeScript sources through tsx (how they ran
// before), side by side on the same stack. Run `npm run build` first. Prints figures; asserts nothing.
const TARGET_MB = 500;
const rssMb = (pid: number | undefined): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
};
const name = 'bench-rss';
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => void stopStack(name, { purge: true }).then(() => process.exit(130), () => process.exit(130)));
const stack = await startStack({ name, log: (l) => console.error(`   ${l}`) });
const env: Record<string, string> = { ...stackEnv(stack), LOG_LEVEL: 'warn', CODEXK8S_GITHUB_WEBHOOK_SECRET: 'bench-rss' };
const db = createDb(env.DATABASE_URL ?? '', { applicationName: 'bench-rss' });
await migrateToLatest(db);
await db.destroy();
if (env.KUBECONFIG) await ensurePlatformNamespace(env.KUBECONFIG, 'codex-k8s-system');

async function measure(mode: 'compiled' | 'tsx'): Promise<Map<string, number>> {
  const running: ServiceProcess[] = [];
  try {
    for (const svc of PLATFORM_SERVICES) {
      running.push(
        await startServiceProcess(svc, {
          env: { ...env, ...(mode === 'tsx' ? { CODEXK8S_RUN_FROM_SOURCE: '1' } : {}) },
          logFile: join(stack.dir, 'logs', `bench-rss-${mode}-${svc}.log`),
          http: svc === 'webhook-ingress',
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 10_000)); // idle: start-up garbage collected, timers settled
    return new Map(running.map((s) => [s.name, rssMb(s.process.pid)]));
  } finally {
    await Promise.all(running.map((s) => s.stop()));
  }
}

try {
  const compiled = await measure('compiled');
  const tsx = await measure('tsx');
  const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
  console.log('\nRSS at idle (MB)        compiled      tsx');
  for (const svc of PLATFORM_SERVICES) console.log(`  ${svc.padEnd(22)}${(compiled.get(svc) ?? 0).toFixed(0).padStart(8)}${(tsx.get(svc) ?? 0).toFixed(0).padStart(9)}`);
  console.log(`  ${'all seven'.padEnd(22)}${sum(compiled).toFixed(0).padStart(8)}${sum(tsx).toFixed(0).padStart(9)}   target < ${TARGET_MB} MB (compiled)`);
} finally {
  await stopStack(name, { purge: true });
}
