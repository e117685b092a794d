import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createDb, migrateToLatest } from '@codex-k8s/db';
import { buildBaseline, labelKeys, loadKubeConfig, ObjectApplier } from '@codex-k8s/kube';
import { PLATFORM_SERVICES, REPO_ROOT, postWebhook, stackEnv, startServiceProcess, stopStack, type ServiceProcess } from '@codex-k8s/stack';
import { ensurePlatformNamespace } from '../scripts/dev/namespace.js';
import { cpuMeter, processTree } from './cpu.js';
import { seedSampleProject } from '../scripts/dev/seed.js';
import { baselineSpec, readConfig as readProvisionerConfig } from '../services/namespace-provisioner/src/config.js';
import { memoryMb, startBenchStack } from './support.js';

// `node scripts/bootstrap.mjs bench/burst.ts [runs]`: 100 run:dev deliveries at once against the seven services on the
// local stack. Prints the time until every run's namespace is prepared beside the bare apiserver floor for the same
// objects (namespace + baseline, 4 requests in flight, measured in the same run), finish attempts and namespace deletes
// per run from the services' metrics, and the services' RSS after the burst. Run `npm run build` first. Asserts nothing.
const RUNS = Number(process.argv[2] ?? 100);
const name = 'bench-burst';
const say = (l: string): void => console.log(l);
const stack = await startBenchStack(name, { with: ['postgres', 'nats', 'kube'] });
const prefix = `b${Date.now().toString(36).slice(-5)}`;
const env: Record<string, string> = { ...stackEnv(stack), LOG_LEVEL: 'warn', CODEXK8S_GITHUB_WEBHOOK_SECRET: 'bench-burst', CODEXK8S_WORKER_RUN_NAMESPACE_PREFIX: prefix };
const db = createDb(env.DATABASE_URL ?? '', { applicationName: 'bench-burst' });
const running: ServiceProcess[] = [];
const metric = async (svc: string, series: string): Promise<number> => {
  const s = running.find((r) => r.name === svc);
  const text = await (await fetch(`http://127.0.0.1:${s?.healthPort ?? 0}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
};
/** CPU of the servers and the services, per group, for a phase: where the time of a burst goes on 2 cores. */
const meter = () => {
  const k = stack.kube?.pids;
  return cpuMeter({
    'kube-apiserver': () => (k ? [k.apiserver] : []),
    etcd: () => (k ? [k.etcd] : []),
    'controllers, scheduler, kwok': () => (k ? [k.controllerManager, k.scheduler, k.kwok] : []),
    'cert-manager': () => (stack.certManager ? [stack.certManager.pid] : []),
    postgres: () => (stack.postgres ? processTree(stack.postgres.pid) : []),
    'nats-server': () => (stack.nats ? [stack.nats.pid] : []),
    ...Object.fromEntries(PLATFORM_SERVICES.map((svc) => [svc, () => running.flatMap((r) => (r.name === svc && r.process.pid ? [r.process.pid] : []))])),
    'this process': () => [process.pid],
  });
};

/** The same objects the provisioner makes for RUNS namespaces, created straight against the apiserver, 4 in flight. */
async function floorMs(kubeconfig: string): Promise<number> {
  // The same client the services use (keep-alive connections): the floor is the apiserver's, not the client's.
  const applier = ObjectApplier.forConfig(loadKubeConfig(kubeconfig));
  const keys = labelKeys('codex-k8s.dev');
  // Exactly the objects the provisioner makes with this environment (its own config module).
  const spec = baselineSpec(readProvisionerConfig({ ...process.env, ...env }));
  const queue = Array.from({ length: RUNS }, (_, i) => `${prefix}-floor-${i}`);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let ns = queue.shift(); ns; ns = queue.shift()) {
        await applier.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { [keys.managedBy]: 'bench' } } }, 'bench');
        for (const o of buildBaseline(ns, spec, keys)) await applier.apply(o, 'bench');
      }
    }),
  );
  return performance.now() - t0;
}

try {
  await migrateToLatest(db);
  await seedSampleProject(db);
  if (env.KUBECONFIG) await ensurePlatformNamespace(env.KUBECONFIG, 'codex-k8s-system');
  const floorCpu = meter();
  const floor = await floorMs(env.KUBECONFIG ?? '');
  const floorUsed = floorCpu.stop();
  for (const svc of PLATFORM_SERVICES) running.push(await startServiceProcess(svc, { env, logFile: join(stack.dir, 'logs', `bench-burst-${svc}.log`), http: svc === 'webhook-ingress' }));
  const ingress = running.find((s) => s.name === 'webhook-ingress');
  const fixture = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/issues-labeled.json'), 'utf8')) as { issue: { number: number } };
  const bodies = Array.from({ length: RUNS }, (_, i) => JSON.stringify({ ...fixture, issue: { ...fixture.issue, number: 10_000 + i } }));
  const burstCpu = meter();
  const t0 = performance.now();
  await Promise.all(bodies.map((body) => postWebhook(`http://127.0.0.1:${ingress?.httpPort ?? 0}`, { delivery: randomUUID(), event: 'issues', body, secret: 'bench-burst' })));
  const count = async (type: string): Promise<number> => Number((await sql<{ n: string }>`select count(*) as n from flow_events where event_type = ${type}`.execute(db)).rows[0]?.n ?? 0);
  const until = async (type: string): Promise<number> => {
    while ((await count(type)) < RUNS) {
      if (performance.now() - t0 > 600_000) throw new Error(`${type}: only ${await count(type)} of ${RUNS} after 10 min`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return performance.now() - t0;
  };
  const prepared = await until('run.namespace.prepared');
  const burstUsed = burstCpu.stop();
  const cleaned = await until('run.namespace.cleaned');
  await new Promise((r) => setTimeout(r, 3_000));
  const attempts = await metric('agent-launcher', 'codexk8s_run_finish_total{outcome="attempted"}');
  const deletes = await metric('namespace-provisioner', 'codexk8s_namespace_delete_total{outcome="deleted"}');
  say(`\nburst of ${RUNS} run:dev                          now        target`);
  say(`  all run.namespace.prepared              ${(prepared / 1000).toFixed(1).padStart(6)} s`);
  say(`  bare apiserver floor (same objects)     ${(floor / 1000).toFixed(1).padStart(6)} s`);
  say(`  ratio                                   ${(prepared / floor).toFixed(2).padStart(6)}x     <= 1.5x`);
  say(`  all run.namespace.cleaned               ${(cleaned / 1000).toFixed(1).padStart(6)} s`);
  say(`  finish attempts per run                 ${(attempts / RUNS).toFixed(2).padStart(6)}      1`);
  say(`  namespace deletes per run               ${(deletes / RUNS).toFixed(2).padStart(6)}      1`);
  say(`\nCPU s spent until all prepared        floor   platform`);
  for (const k of Object.keys(burstUsed)) say(`  ${k.padEnd(36)}${((floorUsed[k] ?? 0) / 1000).toFixed(2).padStart(6)} ${((burstUsed[k] ?? 0) / 1000).toFixed(2).padStart(9)}`);
  const total = (u: Record<string, number>): number => Object.values(u).reduce((a, b) => a + b, 0) / 1000;
  say(`  ${'all'.padEnd(36)}${total(floorUsed).toFixed(2).padStart(6)} ${total(burstUsed).toFixed(2).padStart(9)}   (2 cores: ${((2 * floor) / 1000).toFixed(1)} / ${((2 * prepared) / 1000).toFixed(1)} CPU s available)`);
  say(`  RSS of the seven after the burst        ${running.reduce((a, s) => a + memoryMb(s.process.pid), 0).toFixed(0).padStart(6)} MB   < 500 MB at idle`);
} finally {
  await Promise.all(running.map((s) => s.stop()));
  await db.destroy();
  await stopStack(name, { purge: true });
}
