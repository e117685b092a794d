import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { deterministicId } from '@codex-k8s/contracts';
import { addMember, bindRepository, upsertProject, type Db } from '@codex-k8s/db';
import { AppsV1Api, BatchV1Api, CoreV1Api, NetworkingV1Api } from '@kubernetes/client-node';
import { uniqueSuffix } from '../support/env.js';
import { bareRepoFrom } from '../support/git.js';
import { adminKubeConfig, issuePayload, startPlatform, type Platform } from '../support/platform.js';

const kc = adminKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const batch = kc.makeApiClient(BatchV1Api);
const net = kc.makeApiClient(NetworkingV1Api);

// A tenant controls only its own repository and issue labels. Its services.yaml may name another project
// (`spec.project`) or another project's namespace; the platform, not the repository, decides who owns a slot.
const s = uniqueSuffix();
const victim = `v${s}`;
const victimNs = `${victim}-dev-1`;

/** The sample project as another project's repository: `spec.project` says `project`; `edit` may change more. */
function repoNaming(project: string, edit?: (dir: string) => void): { url: string; commit: string } {
  return bareRepoFrom('test/fixtures/sample-project', (dir) => {
    const file = join(dir, 'services.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('metadata: { name: shop }', `metadata: { name: ${project} }`).replace('project: shop', `project: ${project}`));
    edit?.(dir);
  });
}

/** A project bound to its own GitHub repository id, with alice as admin; returns a delivery body for it. */
async function tenant(db: Db, o: { slug: string; externalId: number; cloneUrl: string }): Promise<(label?: string) => string> {
  const project = await upsertProject(db, { id: deterministicId('project', o.slug), slug: o.slug, name: o.slug, settings: { runtime_deploy: true } });
  await bindRepository(db, { projectId: project.id, externalId: o.externalId, owner: 'acme', name: o.slug, cloneUrl: o.cloneUrl });
  await addMember(db, { projectId: project.id, login: 'alice', role: 'admin' });
  return (label = 'run:dev') => {
    const p = JSON.parse(issuePayload({ label })) as { repository: { id: number; full_name: string; name: string } };
    p.repository = { ...p.repository, id: o.externalId, full_name: `acme/${o.slug}`, name: o.slug };
    return JSON.stringify(p);
  };
}

async function slotState(namespace: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const ns = await core.readNamespace({ name: namespace });
  out.labels = JSON.stringify(ns.metadata?.labels ?? {});
  for (const d of (await apps.listNamespacedDeployment({ namespace })).items) out[`Deployment/${d.metadata?.name ?? ''}`] = d.metadata?.resourceVersion ?? '';
  for (const d of (await apps.listNamespacedStatefulSet({ namespace })).items) out[`StatefulSet/${d.metadata?.name ?? ''}`] = d.metadata?.resourceVersion ?? '';
  for (const c of (await core.listNamespacedConfigMap({ namespace })).items) out[`ConfigMap/${c.metadata?.name ?? ''}`] = c.metadata?.resourceVersion ?? '';
  for (const i of (await net.listNamespacedIngress({ namespace })).items) out[`Ingress/${i.metadata?.name ?? ''}`] = i.metadata?.resourceVersion ?? '';
  out.jobs = (await batch.listNamespacedJob({ namespace })).items.map((j) => j.metadata?.name ?? '').sort().join(',');
  return out;
}

describe('a slot belongs to exactly one project', () => {
  let p: Platform;
  const deliveries: Record<string, (label?: string) => string> = {};

  before(async () => {
    const victimRepo = repoNaming(victim);
    const coverOther = repoNaming(`c${s}`, (dir) => {
      // The Ingress asks cert-manager for another host than the slot's own: the slot's URL could never be served over TLS.
      const file = join(dir, 'deploy/ingress.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('- hosts: [ {{ Vars.CODEXK8S_STAGING_DOMAIN }} ]', `- hosts: [ c${s}-1.other.example.test ]`));
    });
    p = await startPlatform({
      services: ['audit-writer', 'planner', 'namespace-provisioner', 'deployer', 'tls-watcher', 'agent-launcher', 'webhook-ingress'],
      env: { CODEXK8S_CLUSTER_ISSUER: 'codex-k8s-local-ca' },
      before: async (db) => {
        deliveries.victim = await tenant(db, { slug: victim, externalId: 7_100_001, cloneUrl: victimRepo.url });
        // Names the victim's project in its repository, and its slug makes the victim's namespace fit its prefix.
        deliveries.samePrefix = await tenant(db, { slug: `${victim}-dev`, externalId: 7_100_002, cloneUrl: victimRepo.url });
        // Names the victim's project from an unrelated project.
        deliveries.stranger = await tenant(db, { slug: `x${s}`, externalId: 7_100_003, cloneUrl: victimRepo.url });
        deliveries.coverOther = await tenant(db, { slug: `c${s}`, externalId: 7_100_004, cloneUrl: coverOther.url });
      },
    });
  });
  after(async () => {
    await p?.stop();
    for (const ns of [victimNs, `c${s}-dev-1`]) await core.deleteNamespace({ name: ns }).catch(() => undefined);
  });

  test("the owner's run deploys its slot and the namespace records the owning project", async () => {
    const delivery = await p.deliver(deliveries.victim?.() ?? '');
    const rows = await p.waitFor(delivery, ['slot.released'], 120_000);
    assert.ok(rows.some((r) => r.event_type === 'run.succeeded'), rows.map((r) => r.event_type).join(', '));
    const leased = rows.find((r) => r.event_type === 'slot.leased')?.payload as { namespace: string; project_id: string };
    assert.equal(leased.namespace, victimNs);
    const ns = await core.readNamespace({ name: victimNs });
    assert.equal(ns.metadata?.labels?.['codex-k8s.dev/owner-project-id'], deterministicId('project', victim));
    const owner = await p.tdb.db.selectFrom('namespace_owners').selectAll().where('namespace', '=', victimNs).executeTakeFirstOrThrow();
    assert.equal(owner.project_id, deterministicId('project', victim));
  });

  for (const [who, why] of [
    ['samePrefix', /belongs to another project/],
    ['stranger', /outside project x[0-9a-f]+'s namespaces/],
  ] as const) {
    test(`a second project naming the same project (${who}) is refused and the owner's slot, objects and Jobs are untouched`, async () => {
      const before = await slotState(victimNs);
      const delivery = await p.deliver(deliveries[who]?.() ?? '');
      const rows = await p.waitFor(delivery, ['run.failed.launch_error'], 60_000);
      const failed = rows.find((r) => r.event_type === 'run.failed.launch_error')?.payload as { reason: string; error: string };
      assert.equal(failed.reason, 'namespace_owned_by_another_project');
      assert.match(failed.error, why);
      await new Promise((r) => setTimeout(r, 1_500));
      const types = (await p.timeline(delivery)).map((r) => r.event_type);
      for (const t of ['slot.leased', 'run.namespace.prepared', 'slot.unit.ready', 'slot.deployed', 'slot.ready', 'run.started']) assert.ok(!types.includes(t), `${t} must not happen: ${types.join(', ')}`);
      assert.deepEqual(await slotState(victimNs), before, 'labels, objects and Jobs of the owner are as they were');
    });
  }

  test('an Ingress asking for a certificate of another host than the slot\'s fails the deploy at once, before anything waits for TLS', async () => {
    const delivery = await p.deliver(deliveries.coverOther?.() ?? '');
    const rows = await p.waitFor(delivery, ['run.failed.launch_error'], 60_000);
    const types = rows.map((r) => r.event_type);
    assert.ok(!types.includes('slot.deployed') && !types.includes('slot.ready') && !types.includes('run.started'), types.join(', '));
    const failed = rows.find((r) => r.event_type === 'run.failed.launch_error')?.payload as { reason: string; error: string };
    assert.equal(failed.reason, 'runtime_deploy_failed');
    assert.match(failed.error, new RegExp(`host c${s}-1\\.ai\\.example\\.test, but no Ingress .* secretName codex-k8s-ai-tls`));
  });
});
