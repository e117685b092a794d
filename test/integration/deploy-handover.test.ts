import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RUN_ENDED_EVENTS } from '@codex-k8s/flow';
import { deterministicId } from '@codex-k8s/contracts';
import { bindRepository, getDeployTask, upsertProject } from '@codex-k8s/db';
import { ObjectApplier } from '@codex-k8s/kube';
import { AppsV1Api, CoreV1Api, PatchStrategy } from '@kubernetes/client-node';
import { bareRepoFrom } from '../support/git.js';
import { eventually } from '../support/github.js';
import { adminKubeConfig, issuePayload, startPlatform, type Platform } from '../support/platform.js';

const kc = adminKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const TERMINAL = RUN_ENDED_EVENTS;
const NAMESPACE = 'shop-handover-1';

// A slot deploy that waits a long time (the web Deployment's image never pulls, as when a registry is slow), and a
// deployer stopped with SIGTERM in the middle of it. The wait must not hold the message: the deployer exits at once,
// the next instance continues the deploy from the deploy task's saved progress, and nothing is applied twice.
describe('a slot deploy handed over between deployer instances', () => {
  let p: Platform;

  before(async () => {
    const repo = bareRepoFrom('test/fixtures/sample-project', (dir) => {
      const file = join(dir, 'services.yaml');
      const yaml = readFileSync(file, 'utf8')
        .replace('namespaceTemplate: "{{ Project }}-dev-{{ Slot }}"', 'namespaceTemplate: "{{ Project }}-handover-{{ Slot }}"')
        .replace('domainTemplate: "{{ Project }}-{{ Slot }}.ai.example.test"', 'domainTemplate: "{{ Project }}-handover-{{ Slot }}.ai.example.test"')
        .replace('codex.local/shop/web:{{ Versions.api }}', 'codex-k8s.invalid/pull-error:latest');
      writeFileSync(file, yaml);
    });
    p = await startPlatform({
      services: ['audit-writer', 'planner', 'namespace-provisioner', 'deployer', 'tls-watcher', 'agent-launcher', 'webhook-ingress'],
      env: { CODEXK8S_CLUSTER_ISSUER: 'codex-k8s-local-ca', CODEXK8S_WORKER_RUN_NAMESPACE_CLEANUP: 'true' },
      before: async (db) => {
        const project = await upsertProject(db, { id: deterministicId('project', 'shop'), slug: 'shop', name: 'Shop', settings: { runtime_deploy: true } });
        await bindRepository(db, { projectId: project.id, externalId: 987654321, owner: 'acme', name: 'shop', cloneUrl: repo.url });
      },
    });
  });
  after(async () => {
    await p?.stop();
    await core.deleteNamespace({ name: NAMESPACE }).catch(() => undefined);
  });

  test('SIGTERM while a unit is not ready: the step is handed back, the next instance continues, nothing is redone', async () => {
    const delivery = await p.deliver(issuePayload({ label: 'run:dev' }));
    const rows = await p.waitFor(delivery, ['run.namespace.prepared'], 60_000);
    const runId = (rows.find((r) => r.event_type === 'run.namespace.prepared')?.payload as { run_id: string }).run_id;
    // The deploy reaches the last unit (web) and waits there (its pods never pull their image).
    await eventually('the web unit applied and waiting', async () => {
      const task = await getDeployTask(p.tdb.db, runId);
      return task?.units_done === 5 && task.unit_applied_at ? task : undefined;
    }, 60_000);
    const deployer = p.services.get('deployer');
    assert.ok(deployer);
    const t0 = Date.now();
    assert.equal(await deployer.stop(), 0, 'a clean exit');
    const stopMs = Date.now() - t0;
    assert.ok(stopMs < 10_000, `no message held while waiting: stopped in ${stopMs} ms`);
    const web = await apps.readNamespacedDeployment({ name: 'web', namespace: NAMESPACE });

    // The image is fixed by hand while no deployer runs; the next instance must not apply the unit again.
    await ObjectApplier.forConfig(kc).patch(
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: NAMESPACE }, spec: { template: { spec: { containers: [{ name: 'oauth2-proxy', image: 'codex.local/shop/web:1.4.0' }] } } } } as never,
      undefined,
      undefined,
      'operator',
      undefined,
      PatchStrategy.StrategicMergePatch,
    );
    await p.restart('deployer', 'stop');
    const done = await p.waitFor(delivery, ['slot.released'], 120_000);
    const types = done.map((r) => r.event_type);
    assert.deepEqual(types.filter((t) => TERMINAL.includes(t)), ['run.succeeded'], types.join(', '));
    for (const t of ['slot.leased', 'slot.deployed', 'slot.ready', 'run.started']) assert.equal(types.filter((x) => x === t).length, 1, `${t} once`);
    const units = done.filter((r) => r.event_type === 'slot.unit.ready').map((r) => (r.payload as { unit: string }).unit);
    assert.deepEqual(units, ['config', 'postgres', 'migrate', 'api', 'gateway', 'web'], 'each unit announced once, in order');

    const task = await getDeployTask(p.tdb.db, runId);
    const applying = (task?.logs_json ?? []).filter((l) => l.message.startsWith('applying ')).map((l) => l.message.split(' ')[1]);
    assert.deepEqual(applying, ['infrastructure/config', 'infrastructure/postgres', 'migrations/migrate', 'internal/api', 'edge/gateway', 'frontend/web'], 'each unit applied once');
    const after = await apps.readNamespacedDeployment({ name: 'web', namespace: NAMESPACE });
    assert.deepEqual(after.spec?.template.spec?.containers.map((c) => c.image), ['codex.local/shop/web:1.4.0'], 'the waiting unit was not applied again');
    assert.equal(after.metadata?.uid, web.metadata?.uid);
  });
});
