import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { deterministicId } from '@codex-k8s/contracts';
import { addMember, bindRepository, createDb, migrateToLatest, upsertProject } from '@codex-k8s/db';
import { buildBaseline, labelKeys, loadKubeConfig, ObjectApplier } from '@codex-k8s/kube';
import { directorySource, loadServicesYaml } from '@codex-k8s/services-config';
import { ensureImages, imageRef, PLATFORM_SERVICES, REPO_ROOT, postWebhook, realNodeEnv, stackEnv, startServiceProcess, stopStack, type ServiceProcess } from '@codex-k8s/stack';
import { CustomObjectsApi, type KubernetesObject } from '@kubernetes/client-node';
import { bareRepoFrom } from '../scripts/dev/git.js';
import { ensurePlatformNamespace } from '../scripts/dev/namespace.js';
import { applyObjects, placeIn, unitState } from '../services/deployer/src/apply.js';
import { readConfig as readDeployerConfig } from '../services/deployer/src/config.js';
import { renderDeploy } from '../services/deployer/src/deploy.js';
import { slotVars } from '../services/deployer/src/vars.js';
import { baselineSpec, readConfig as readProvisionerConfig } from '../services/namespace-provisioner/src/config.js';
import { median, startBenchStack } from './support.js';

// `node scripts/bootstrap.mjs bench/slot-deploy.ts [repeats]` (part of `npm run bench -- --all`): a cold slot deploy of
// the sample project (6 units: config, postgres, migrate Job, api, gateway Ingress, web) by the seven services, from
// the signed webhook to `slot.ready`, beside its floor measured in the same run: the same rendered objects applied
// straight to the apiserver by server-side apply into a fresh namespace with the same baseline, unit by unit, each
// unit's readiness and then the certificate looked at every 20 ms (what `kubectl apply --server-side` followed by
// `kubectl wait` costs). Each repeat uses a project of its own, so every deploy is cold. Run `npm run build` first.
// With `--real` the stack also runs its real node, and the same number of cold deploys follow with the slot's pods
// placed on it (the sample's real images: Postgres, the migration, the api, the web front): the real sample beside
// the kwok version in the same run. Prints figures; asserts nothing.
const REAL = process.argv.includes('--real');
const REPEATS = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 3);
const TARGET = 1.1;
const name = 'bench-slot';
const secret = 'bench-slot';
const say = (l: string): void => console.log(l);
const stack = await startBenchStack(name, { with: REAL ? ['postgres', 'nats', 'kube', 'node'] : ['postgres', 'nats', 'kube'] });
const env: Record<string, string> = { ...stackEnv(stack), LOG_LEVEL: 'warn', CODEXK8S_GITHUB_WEBHOOK_SECRET: secret };
const db = createDb(env.DATABASE_URL ?? '', { applicationName: name });
// The same client the services use (keep-alive connections): the floor is the apiserver's, not the client's.
const kc = loadKubeConfig(env.KUBECONFIG ?? '');
const applier = ObjectApplier.forConfig(kc);
const custom = kc.makeApiClient(CustomObjectsApi);
const fixture = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/issues-labeled.json'), 'utf8')) as Record<string, unknown> & { repository: Record<string, unknown> & { owner: Record<string, unknown> }; issue: Record<string, unknown> };
const running: ServiceProcess[] = [];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A project of its own for repeat `r`: slug, repository (a real bare git repo of the fixture) and the delivery body. */
async function projectFor(r: number): Promise<{ slug: string; dir: string; body: string }> {
  const slug = `shop${String.fromCharCode(97 + r)}`;
  let dir = '';
  const repo = bareRepoFrom('test/fixtures/sample-project', (d) => {
    dir = d;
    const file = join(d, 'services.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('project: shop', `project: ${slug}`));
  });
  const project = await upsertProject(db, { id: deterministicId('project', slug), slug, name: slug, settings: { runtime_deploy: true } });
  const externalId = 900_000 + r;
  await bindRepository(db, { projectId: project.id, externalId, owner: 'acme', name: slug, cloneUrl: repo.url });
  await addMember(db, { projectId: project.id, login: 'alice', role: 'admin' });
  const body = JSON.stringify({ ...fixture, repository: { ...fixture.repository, id: externalId, name: slug, full_name: `acme/${slug}` }, issue: { ...fixture.issue, number: 500 + r } });
  return { slug, dir, body };
}

/** Webhook to `slot.ready` of one cold slot deploy by the platform, in ms, and its steps (ms from the webhook); waits for the run to end. */
async function platformMs(body: string, port: number): Promise<{ ms: number; steps: string }> {
  const delivery = randomUUID();
  const t0 = Date.now();
  await postWebhook(`http://127.0.0.1:${port}`, { delivery, event: 'issues', body, secret });
  const at = async (type: string): Promise<number | undefined> => {
    const row = (await sql<{ at: Date }>`select occurred_at as at from flow_events where correlation_id = ${delivery} and event_type = ${type} limit 1`.execute(db)).rows[0];
    return row?.at.getTime();
  };
  for (;;) {
    const failed = await at('run.failed.launch_error');
    if (failed) throw new Error(`run of delivery ${delivery} failed; see the deployer's log`);
    const ready = await at('slot.ready');
    const released = await at('slot.released');
    if (ready && released) {
      const rows = (await sql<{ type: string; at: Date }>`select event_type as type, occurred_at as at from flow_events where correlation_id = ${delivery} order by occurred_at, id`.execute(db)).rows;
      const steps = rows.filter((x) => x.at.getTime() <= ready).map((x) => `${x.type.replace(/^(slot|run)\./, '')} ${x.at.getTime() - t0}`);
      return { ms: ready - t0, steps: steps.join(', ') };
    }
    if (Date.now() - t0 > 300_000) throw new Error(`delivery ${delivery}: no slot.ready/slot.released after 5 min`);
    await sleep(100);
  }
}

/** The same objects straight to the apiserver: namespace and baseline, then unit by unit applied and waited for, then the certificate. */
async function floorMs(slug: string, dir: string): Promise<{ ms: number; steps: string }> {
  const deployer = readDeployerConfig({ ...process.env, ...env });
  const resolved = await loadServicesYaml(directorySource(dir), { file: 'services.yaml', env: deployer.CODEXK8S_RUNTIME_DEPLOY_ENV, slot: 1 });
  const namespace = `${slug}-floor`;
  const s = { ...resolved, namespace };
  const units = await renderDeploy({ src: directorySource(dir), stack: s, vars: slotVars(s, { clusterIssuer: deployer.CODEXK8S_CLUSTER_ISSUER }) });
  const keys = labelKeys('codex-k8s.dev');
  const spec = baselineSpec(readProvisionerConfig({ ...process.env, ...env }));
  const t0 = performance.now();
  await applier.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { [keys.managedBy]: 'bench' } } } as KubernetesObject, 'bench');
  for (const o of buildBaseline(namespace, spec, keys)) await applier.apply(o, 'bench');
  const steps = [`namespace.prepared ${Math.round(performance.now() - t0)}`];
  for (const u of units) {
    const objects = placeIn(u.objects, namespace);
    await applyObjects(applier, 'bench', objects);
    while (!(await unitState(applier, objects)).ready) await sleep(20);
    steps.push(`${u.unit.name} ${Math.round(performance.now() - t0)}`);
  }
  for (;;) {
    const list = (await custom.listNamespacedCustomObject({ group: 'cert-manager.io', version: 'v1', namespace, plural: 'certificates' })) as { items: { status?: { conditions?: { type: string; status: string }[] } }[] };
    if (list.items.length > 0 && list.items.every((c) => c.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'))) break;
    await sleep(20);
  }
  steps.push(`certificate ${Math.round(performance.now() - t0)}`);
  return { ms: performance.now() - t0, steps: steps.join(', ') };
}

/** The same cold deploys with every slot pod on the real node: the two services that decide it restarted with its settings. */
async function realRows(port: number): Promise<number[]> {
  if (!stack.node) return [];
  ensureImages(stack.node.socket, ['agent-runner', 'shop-api', 'shop-web', 'shop-postgres']);
  const realEnv = { ...env, ...realNodeEnv(), CODEXK8S_WORKER_JOB_IMAGE: imageRef('agent-runner'), CODEXK8S_WORKER_JOB_COMMAND: 'codex-agent-probe' };
  for (const svc of ['namespace-provisioner', 'agent-launcher']) {
    const i = running.findIndex((s) => s.name === svc);
    await running[i]?.stop();
    running[i] = await startServiceProcess(svc, { env: realEnv, logFile: join(stack.dir, 'logs', `${name}-${svc}-real.log`) });
  }
  const out: number[] = [];
  for (let r = REPEATS; r < 2 * REPEATS; r++) {
    const p = await projectFor(r);
    const { ms, steps } = await platformMs(p.body, port);
    out.push(ms);
    say(`  real node, repeat ${r - REPEATS + 1}: webhook -> slot.ready ${(ms / 1000).toFixed(2)} s`);
    say(`    ms from the webhook: ${steps}`);
  }
  return out;
}

try {
  await migrateToLatest(db);
  if (env.KUBECONFIG) await ensurePlatformNamespace(env.KUBECONFIG, 'codex-k8s-system');
  for (const svc of PLATFORM_SERVICES) running.push(await startServiceProcess(svc, { env, logFile: join(stack.dir, 'logs', `${name}-${svc}.log`), http: svc === 'webhook-ingress' }));
  const port = running.find((s) => s.name === 'webhook-ingress')?.httpPort ?? 0;
  const rows: { platform: number; floor: number }[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const p = await projectFor(r);
    const { ms: platform, steps } = await platformMs(p.body, port);
    const { ms: floor, steps: floorSteps } = await floorMs(p.slug, p.dir);
    rows.push({ platform, floor });
    say(`  repeat ${r + 1}: webhook -> slot.ready ${(platform / 1000).toFixed(2)} s, floor ${(floor / 1000).toFixed(2)} s, ratio ${(platform / floor).toFixed(2)}x`);
    say(`    platform, ms from the webhook: ${steps}`);
    say(`    floor, ms from the start: ${floorSteps}`);
  }
  say(`\ncold slot deploy, 6 units (median of ${REPEATS})     now        target`);
  say(`  webhook -> slot.ready                   ${(median(rows.map((x) => x.platform)) / 1000).toFixed(2).padStart(6)} s`);
  say(`  apply --server-side + waits (floor)     ${(median(rows.map((x) => x.floor)) / 1000).toFixed(2).padStart(6)} s`);
  say(`  ratio                                   ${median(rows.map((x) => x.platform / x.floor)).toFixed(2).padStart(6)}x     <= ${TARGET}x`);
  if (REAL) {
    const real = await realRows(port);
    say(`\nthe real sample on the real node (median of ${REPEATS})   kwok (above)`);
    say(`  webhook -> slot.ready                   ${(median(real) / 1000).toFixed(2).padStart(6)} s    ${(median(rows.map((x) => x.platform)) / 1000).toFixed(2)} s (${(median(real) / median(rows.map((x) => x.platform))).toFixed(2)}x)`);
  }
} finally {
  await Promise.all(running.map((s) => s.stop()));
  await db.destroy();
  await stopStack(name, { purge: true });
}
