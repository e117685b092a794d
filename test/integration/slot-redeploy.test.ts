import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { SlotRedeployRequestedV1, consumerName, type SlotRedeployRequestedData } from '@codex-k8s/contracts';
import type { Bus } from '@codex-k8s/bus';
import { slotRedeployOf } from '@codex-k8s/db';
import { BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
import { seedSampleProject } from '../../scripts/dev/seed.js';
import { adminBus } from '../support/bus.js';
import { sampleProjectAs } from '../support/git.js';
import { eventually } from '../support/github.js';
import { adminKubeConfig, issuePayload, startPlatform, type Platform } from '../support/platform.js';

const kc = adminKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const batch = kc.makeApiClient(BatchV1Api);
const SLUG = 'redeploy';
const NAMESPACE = `${SLUG}-dev-1`;
const UNITS = ['infrastructure/config', 'infrastructure/postgres', 'migrations/migrate', 'internal/api', 'edge/gateway', 'frontend/web'];

// A staff redeploy of a slot (slot.redeploy_requested, as staff-console publishes it): the deployer leases the free
// slot, applies its last deploy again (every unit, in order, under a fingerprint salted with the redeploy id), frees
// it and answers slot.redeployed; a slot a run holds or one never deployed is refused. kwok nodes only: the deploy's
// readiness is what is under test, not the containers.
describe('a staff redeploy of a slot', () => {
  let p: Platform;
  let staff: Bus;
  let projectId: string;
  let commit: string;
  let runFingerprint: string;
  let firstRedeploy: string;

  before(async () => {
    const repo = sampleProjectAs(SLUG);
    p = await startPlatform({
      services: ['audit-writer', 'planner', 'namespace-provisioner', 'deployer', 'tls-watcher', 'agent-launcher', 'webhook-ingress'],
      env: { CODEXK8S_CLUSTER_ISSUER: 'codex-k8s-local-ca' },
      before: async (db) => void (projectId = await seedSampleProject(db, { slug: SLUG, name: 'Redeploy', slotsFrom: repo.url })),
    });
    // Stands in for staff-console: the only source the catalog allows for slot.redeploy_requested.
    staff = await adminBus({ name: 'staff-console', stream: p.env.BUS_STREAM ?? '', subjectRoot: p.env.BUS_SUBJECT_ROOT ?? '', manageStreams: false });
  });
  after(async () => {
    await staff?.drain();
    await p?.stop();
    await core.deleteNamespace({ name: NAMESPACE }).catch(() => undefined);
  });

  /** Publishes a redeploy request as staff-console does (envelope id = redeploy id unless `envelopeId` says otherwise). */
  const request = async (o: { redeployId: string; slotNo?: number; namespace?: string; envelopeId?: string }): Promise<string> => {
    const data: SlotRedeployRequestedData = { redeploy_id: o.redeployId, project_id: projectId, slot_no: o.slotNo ?? 1, namespace: o.namespace ?? NAMESPACE, requested_by: 'alice' };
    const correlationId = `redeploy/${o.redeployId}`;
    await staff.publish(SlotRedeployRequestedV1, { id: o.envelopeId ?? o.redeployId, correlationId, subject: `slot/${projectId}/${data.slot_no}`, data });
    return correlationId;
  };
  const slotRow = (slotNo = 1) => p.tdb.db.selectFrom('slots').selectAll().where('project_id', '=', projectId).where('slot_no', '=', slotNo).executeTakeFirst();
  const migrateUid = async () => (await batch.readNamespacedJob({ name: 'migrate', namespace: NAMESPACE })).metadata?.uid;
  /** Every request the deployer got has been handled and acknowledged. */
  const deployerIdle = () =>
    eventually('the deployer has handled every redeploy request', async () => {
      const info = await staff.jsm.consumers.info(p.env.BUS_STREAM ?? '', consumerName('deployer', SlotRedeployRequestedV1));
      return info.num_pending === 0 && info.num_ack_pending === 0 ? true : undefined;
    }, 30_000);

  test('a free slot deployed by a run is applied again, every unit in order, under a new fingerprint, and freed', async () => {
    const delivery = await p.deliver(issuePayload({ label: 'run:dev', issueNumber: 7101 }));
    const rows = await p.waitFor(delivery, ['slot.released'], 120_000);
    const deployed = rows.find((r) => r.event_type === 'slot.deployed')?.payload as { fingerprint: string; namespace: string };
    assert.equal(deployed.namespace, NAMESPACE);
    runFingerprint = deployed.fingerprint;
    commit = (rows.find((r) => r.event_type === 'slot.leased')?.payload as { commit: string }).commit;
    const jobBefore = await migrateUid();
    // Drift a redeploy repairs: an object of the first unit deleted by hand.
    await core.deleteNamespacedConfigMap({ name: 'shop-config', namespace: NAMESPACE });

    const id = randomUUID();
    const correlation = await request({ redeployId: id });
    const timeline = await p.waitFor(correlation, ['slot.redeployed'], 120_000);
    const done = timeline.find((r) => r.event_type === 'slot.redeployed')?.payload as { fingerprint: string; units: number; commit_sha: string; host: string; requested_by: string; redeploy_id: string };
    assert.equal(done.redeploy_id, id);
    assert.notEqual(done.fingerprint, runFingerprint, 'salted: nothing counted as unchanged');
    assert.equal(done.units, UNITS.length);
    assert.equal(done.commit_sha, commit, 'the commit of the last deploy');
    assert.equal(done.host, `${SLUG}-1.ai.example.test`);
    assert.equal(done.requested_by, 'alice');
    assert.ok(!timeline.some((r) => ['slot.unit.ready', 'slot.deployed', 'slot.ready'].includes(r.event_type)), 'no run events for a redeploy');

    assert.notEqual(await migrateUid(), jobBefore, 'the migration Job was replaced');
    await core.readNamespacedConfigMap({ name: 'shop-config', namespace: NAMESPACE });
    const slot = await slotRow();
    assert.equal(slot?.state, 'free');
    assert.equal(slot?.lease_owner, null);

    const row = await slotRedeployOf(p.tdb.db, id);
    assert.equal(row?.status, 'succeeded');
    assert.equal(row?.fingerprint, done.fingerprint);
    assert.equal(row?.units_done, UNITS.length);
    const applying = (row?.logs_json ?? []).filter((l) => l.message.startsWith('applying ')).map((l) => l.message.split(' ')[1]);
    assert.deepEqual(applying, UNITS, 'every unit applied again, in order');
    assert.ok(row?.logs_json.some((l) => l.stage === 'repo-sync' && l.message.includes(commit.slice(0, 12))));
    assert.ok(row?.logs_json.some((l) => l.stage === 'services' && /frontend\/web ready/.test(l.message)));

    firstRedeploy = id;
  });

  test('the same request again changes nothing: one slot.redeployed, nothing applied', async () => {
    // As JetStream redelivers it (same message id), and as a second message for the same redeploy: its recorded
    // result is published again under the same id.
    const id = firstRedeploy;
    const correlation = `redeploy/${id}`;
    const uid = await migrateUid();
    await request({ redeployId: id });
    await request({ redeployId: id, envelopeId: randomUUID() });
    await deployerIdle();
    await new Promise((r) => setTimeout(r, 1_000));
    const again = await p.timeline(correlation);
    assert.equal(again.filter((r) => r.event_type === 'slot.redeployed').length, 1);
    assert.equal(again.filter((r) => r.event_type === 'slot.redeploy_requested').length, 2, 'the second message was recorded, the duplicate was not');
    assert.equal(await migrateUid(), uid, 'nothing applied again');
    assert.equal((await slotRow())?.state, 'free');
  });

  test('a slot never deployed is refused never_deployed', async () => {
    const id = randomUUID();
    const correlation = await request({ redeployId: id, slotNo: 2, namespace: `${SLUG}-dev-2` });
    const rows = await p.waitFor(correlation, ['slot.redeploy_failed'], 30_000);
    const failed = rows.find((r) => r.event_type === 'slot.redeploy_failed')?.payload as { reason: string; error: string };
    assert.equal(failed.reason, 'never_deployed');
    assert.match(failed.error, /slot 2 was never deployed/);
    assert.equal((await slotRedeployOf(p.tdb.db, id))?.failure_reason, 'never_deployed');
    const slot2 = await slotRow(2);
    assert.ok(!slot2 || slot2.state === 'free', 'not leased by the refused request');
  });

  test('a slot a run holds is refused slot_leased and nothing is applied; that run, same commit, finds its deploy unchanged', async () => {
    // The launcher stopped: the run holds its slot after its deploy, waiting for its agent.
    await p.services.get('agent-launcher')?.stop();
    const delivery = await p.deliver(issuePayload({ label: 'run:dev', issueNumber: 7102 }));
    const rows = await p.waitFor(delivery, ['slot.ready'], 120_000);
    const deployed = rows.find((r) => r.event_type === 'slot.deployed')?.payload as { unchanged: boolean; slot_no: number; fingerprint: string; run_id: string };
    assert.equal(deployed.slot_no, 1);
    assert.equal(deployed.unchanged, true, 'the redeploy left the state of the last run deploy: nothing to apply');
    assert.equal(deployed.fingerprint, runFingerprint);
    assert.equal(rows.filter((r) => r.event_type === 'slot.unit.ready').length, 0);

    const uid = await migrateUid();
    const id = randomUUID();
    const correlation = await request({ redeployId: id });
    const refused = await p.waitFor(correlation, ['slot.redeploy_failed'], 30_000);
    const failed = refused.find((r) => r.event_type === 'slot.redeploy_failed')?.payload as { reason: string; error: string };
    assert.equal(failed.reason, 'slot_leased');
    assert.match(failed.error, new RegExp(`slot 1 is leased by run ${deployed.run_id}`));
    assert.equal(await migrateUid(), uid, 'nothing applied');
    const slot = await slotRow();
    assert.equal(slot?.lease_owner, deployed.run_id, 'the run keeps its slot');
    const row = await slotRedeployOf(p.tdb.db, id);
    assert.equal(row?.status, 'failed');
    assert.deepEqual(row?.logs_json, []);

    await p.restart('agent-launcher', 'stop');
    await p.waitFor(delivery, ['run.succeeded', 'slot.released'], 120_000);
    assert.equal((await slotRow())?.state, 'free');
  });

  test('a redeploy that cannot finish fails deploy_failed, frees the slot, and the next run applies everything again', async () => {
    // The repository unbound meanwhile: the deploy to repeat cannot be fetched (a refusal no retry heals).
    const repoOf = () => p.tdb.db.updateTable('repositories').where('project_id', '=', projectId);
    await repoOf().set({ name: 'shop-moved' }).execute();
    const id = randomUUID();
    try {
      const rows = await p.waitFor(await request({ redeployId: id }), ['slot.redeploy_failed'], 60_000);
      const failed = rows.find((r) => r.event_type === 'slot.redeploy_failed')?.payload as { reason: string; error: string };
      assert.equal(failed.reason, 'deploy_failed');
      assert.match(failed.error, /no longer bound/);
    } finally {
      await repoOf().set({ name: 'shop' }).execute();
    }
    const row = await slotRedeployOf(p.tdb.db, id);
    assert.equal(row?.status, 'failed');
    assert.ok(row?.logs_json.some((l) => l.level === 'error' && /no longer bound/.test(l.message)), 'the error is in its stage log');
    assert.equal((await slotRow())?.state, 'free', 'freed');

    // A redeploy that failed after taking the slot may have left it half-applied: the same commit is not "unchanged".
    const delivery = await p.deliver(issuePayload({ label: 'run:dev', issueNumber: 7103 }));
    const run = await p.waitFor(delivery, ['slot.released'], 120_000);
    assert.equal((run.find((r) => r.event_type === 'slot.deployed')?.payload as { unchanged: boolean }).unchanged, false);
    assert.equal(run.filter((r) => r.event_type === 'slot.unit.ready').length, UNITS.length);
  });
});
