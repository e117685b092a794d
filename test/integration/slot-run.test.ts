import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bindRepository, getDeployTask, upsertProject } from '@codex-k8s/db';
import { deterministicId } from '@codex-k8s/contracts';
import { BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
import { bareRepoFrom } from '../support/git.js';
import { eventually } from '../support/github.js';
import { adminKubeConfig, issuePayload, startPlatform, type Platform } from '../support/platform.js';

const kc = adminKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const batch = kc.makeApiClient(BatchV1Api);

// A full-env run of a project with slot deploys, end to end over the bus: slot lease, the slot namespace with
// its baseline, the project's stack from its (real git) repository in order, TLS by cert-manager, then the agent.
describe('a full-env run in a slot with the whole project stack', () => {
  let p: Platform;
  let repo: { url: string; commit: string };

  before(async () => {
    repo = bareRepoFrom('test/fixtures/sample-project');
    p = await startPlatform({
      // github-reporter without GitHub credentials: it records the comment it would post (dry run).
      services: ['audit-writer', 'planner', 'namespace-provisioner', 'deployer', 'tls-watcher', 'agent-launcher', 'github-reporter', 'webhook-ingress'],
      env: { CODEXK8S_CLUSTER_ISSUER: 'codex-k8s-local-ca', CODEXK8S_WORKER_RUN_NAMESPACE_CLEANUP: 'true' },
      before: async (db) => {
        const project = await upsertProject(db, { id: deterministicId('project', 'shop'), slug: 'shop', name: 'Shop', settings: { runtime_deploy: true } });
        await bindRepository(db, { projectId: project.id, externalId: 987654321, owner: 'acme', name: 'shop', cloneUrl: repo.url });
      },
    });
  });
  after(async () => {
    await p?.stop();
    await core.deleteNamespace({ name: 'shop-dev-1' }).catch(() => undefined);
  });

  test('run:dev deploys the stack in order, waits for TLS, then starts the agent with the public URL', async () => {
    const delivery = await p.deliver(issuePayload({ label: 'run:dev' }));
    const rows = await p.waitFor(delivery, ['slot.released'], 120_000);
    const types = rows.map((r) => r.event_type).filter((t) => t !== 'run.status.comment.upserted');
    const units = rows.filter((r) => r.event_type === 'slot.unit.ready').map((r) => (r.payload as { group: string; unit: string }).group + '/' + (r.payload as { unit: string }).unit);
    assert.deepEqual(units, ['infrastructure/config', 'infrastructure/postgres', 'migrations/migrate', 'internal/api', 'edge/gateway', 'frontend/web']);
    const windows = rows.filter((r) => r.event_type === 'slot.unit.ready').map((r) => r.payload as { unit: string; started_at: string; ready_at: string });
    for (let i = 1; i < windows.length; i++) {
      assert.ok(Date.parse(windows[i]?.started_at ?? '') >= Date.parse(windows[i - 1]?.ready_at ?? ''), `${windows[i]?.unit} started after ${windows[i - 1]?.unit} was ready`);
    }
    assert.deepEqual(
      types.filter((t) => t !== 'slot.unit.ready'),
      ['webhook.received', 'run.created', 'slot.leased', 'run.namespace.prepared', 'slot.deployed', 'slot.ready', 'run.agent.token.issued', 'run.started', 'run.agent.token.revoked', 'run.succeeded', 'slot.released'],
    );
    const at = (t: string) => new Date(rows.find((r) => r.event_type === t)?.occurred_at ?? 0).getTime();
    assert.ok(at('run.started') >= at('slot.ready'), 'the agent starts only after slot-ready');
    const leased = rows.find((r) => r.event_type === 'slot.leased')?.payload as { namespace: string; slot_no: number; commit: string; host: string };
    assert.equal(leased.namespace, 'shop-dev-1');
    assert.equal(leased.slot_no, 1);
    assert.equal(leased.commit, repo.commit, 'read from the repository at the bound ref');
    const ready = rows.find((r) => r.event_type === 'slot.ready')?.payload as { public_url: string };
    assert.equal(ready.public_url, 'https://shop-1.ai.example.test');
    // The issue's status comment went through the slot's phases and ends with the slot released.
    const comment = await eventually('the final status comment', async () => {
      const last = (await p.timeline(delivery)).filter((r) => r.event_type === 'run.status.comment.upserted').at(-1)?.payload as { phase: string; body: string; dry_run: boolean } | undefined;
      return last?.phase === 'cleaned_up' ? last : undefined;
    });
    assert.equal(comment.dry_run, true);
    for (const line of ['- ✅ Slot leased, namespace prepared · namespace `shop-dev-1`', '- ✅ Slot deployed', '- ✅ Slot ready (HTTPS) · [https://shop-1.ai.example.test](https://shop-1.ai.example.test)', '- ✅ Agent started', '- ✅ Finished', '- ✅ Slot released']) {
      assert.ok(comment.body.includes(line), `${line}\n${comment.body}`);
    }
    assert.match(comment.body, /### ✅ Run succeeded in /);

    const started = rows.find((r) => r.event_type === 'run.started')?.payload as { run_id: string; job_name: string; job_namespace: string };
    assert.equal(started.job_namespace, 'shop-dev-1');
    const job = await batch.readNamespacedJob({ name: started.job_name, namespace: 'shop-dev-1' });
    const env = Object.fromEntries((job.spec?.template.spec?.containers[0]?.env ?? []).map((x) => [x.name, x.value]));
    assert.equal(env.CODEXK8S_PUBLIC_BASE_URL, 'https://shop-1.ai.example.test');
    assert.equal(env.CODEXK8S_SLOT_NO, '1');
    assert.equal(job.spec?.template.spec?.serviceAccountName, 'codex-runner');

    const task = await getDeployTask(p.tdb.db, started.run_id);
    assert.equal(task?.status, 'succeeded');
    assert.equal(task?.commit_sha, repo.commit);
    assert.ok((task?.logs_json ?? []).some((l) => l.stage === 'services' && /frontend\/web ready/.test(l.message)), 'stage logs persisted');
    const ns = await core.readNamespace({ name: 'shop-dev-1' });
    assert.equal(ns.metadata?.labels?.['codex-k8s.dev/namespace-purpose'], 'slot');
    assert.equal(ns.metadata?.deletionTimestamp, undefined, 'the slot and its stack are kept for manual QA');
    await core.readNamespacedResourceQuota({ name: 'codex-run-quota', namespace: 'shop-dev-1' });
  });

  test('the next run on the slot reuses it: the unchanged stack is not re-applied', async () => {
    const apps = kc.makeApiClient((await import('@kubernetes/client-node')).AppsV1Api);
    const before = (await apps.listNamespacedDeployment({ namespace: 'shop-dev-1' })).items.map((d) => `${d.metadata?.name ?? ''}@${d.metadata?.resourceVersion ?? ''}`).sort();
    const delivery = await p.deliver(issuePayload({ label: 'run:dev' }));
    const rows = await p.waitFor(delivery, ['slot.released'], 120_000);
    const deployed = rows.find((r) => r.event_type === 'slot.deployed')?.payload as { unchanged: boolean; slot_no: number };
    assert.equal(deployed.slot_no, 1, 'slot 1 was free again');
    assert.equal(deployed.unchanged, true);
    assert.equal(rows.filter((r) => r.event_type === 'slot.unit.ready').length, 0, 'nothing applied');
    const after = (await apps.listNamespacedDeployment({ namespace: 'shop-dev-1' })).items.map((d) => `${d.metadata?.name ?? ''}@${d.metadata?.resourceVersion ?? ''}`).sort();
    assert.deepEqual(after, before, 'resourceVersions unchanged');
    assert.ok(rows.some((r) => r.event_type === 'run.succeeded'));
  });

  test('a certificate that cannot be issued fails the run with cert-manager reason instead of waiting forever', async () => {
    await p.restart('deployer', 'stop', { CODEXK8S_CLUSTER_ISSUER: 'no-such-issuer' });
    await p.restart('tls-watcher', 'stop', { CODEXK8S_TLS_READY_TIMEOUT_MS: '8000' });
    const delivery = await p.deliver(issuePayload({ label: 'run:dev' }));
    const rows = await p.waitFor(delivery, ['run.failed.launch_error', 'slot.released'], 120_000);
    const tls = rows.find((r) => r.event_type === 'slot.tls.failed')?.payload as { reason: string; message: string; host: string };
    assert.equal(tls.host, 'shop-1.ai.example.test');
    assert.ok(tls.reason.length > 0 && tls.message.length > 0, JSON.stringify(tls));
    const err = rows.find((r) => r.event_type === 'run.failed.launch_error')?.payload as { reason: string; error: string };
    assert.equal(err.reason, 'runtime_deploy_failed');
    assert.match(err.error, /^TLS for shop-1\.ai\.example\.test: /);
    assert.ok(!rows.some((r) => r.event_type === 'run.started'), 'no agent Job without TLS');
  });

  test('a deployer killed in the middle of a slot deploy is restarted and the run still ends exactly once', async () => {
    await p.restart('deployer', 'stop');
    await p.restart('tls-watcher', 'stop');
    const delivery = await p.deliver(issuePayload({ label: 'run:dev' }));
    await p.waitFor(delivery, ['slot.unit.ready'], 60_000); // the issuer changed back, so the stack is re-applied
    await p.services.get('deployer')?.kill();
    await new Promise((r) => setTimeout(r, 1_000));
    await p.restart('deployer', 'stop');
    const rows = await p.waitFor(delivery, ['slot.released'], 150_000);
    await new Promise((r) => setTimeout(r, 2_000));
    const types = (await p.timeline(delivery)).map((r) => r.event_type);
    for (const t of ['slot.leased', 'run.namespace.prepared', 'slot.deployed', 'slot.ready', 'run.agent.token.issued', 'run.started', 'run.agent.token.revoked', 'run.succeeded', 'slot.released']) {
      assert.equal(types.filter((x) => x === t).length, 1, `${t} exactly once: ${types.join(', ')}`);
    }
    const units = rows.filter((r) => r.event_type === 'slot.unit.ready').map((r) => (r.payload as { unit: string }).unit);
    assert.equal(new Set(units).size, units.length, 'each unit event once');
    assert.ok(!types.includes('run.failed.launch_error'));
  });
});
