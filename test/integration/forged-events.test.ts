import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { RunSucceededV1, WebhookReceivedV1, deterministicId, runEndedEventId, type RunFinishedData } from '@codex-k8s/contracts';
import type { Bus } from '@codex-k8s/bus';
import { getRun, listFlowEventsByType } from '@codex-k8s/db';
import { CoreV1Api } from '@kubernetes/client-node';
import { adminBus } from '../support/bus.js';
import { eventually } from '../support/github.js';
import { FIXTURE, adminKubeConfig, issuePayload, startPlatform, type Platform } from '../support/platform.js';

const core = adminKubeConfig().makeApiClient(CoreV1Api);

// Events on the bus are claims, not facts. A forged event (from an identity that may publish its type, or claiming a
// source that may not) must start nothing and delete nothing: consumers check the source against the catalog and
// re-read the facts they act on from the database.
describe('forged events are never obeyed', () => {
  let p: Platform;
  let runId = '';
  let namespace = '';
  let correlation = '';
  const buses: Bus[] = [];
  const forger = async (source: string): Promise<Bus> => {
    const b = await adminBus({ name: source, stream: p.env.BUS_STREAM ?? '', subjectRoot: p.env.BUS_SUBJECT_ROOT ?? '', manageStreams: false });
    buses.push(b);
    return b;
  };
  const deadLetters = async (detail: RegExp) =>
    (await listFlowEventsByType(p.tdb.db, 'bus.dead_lettered')).filter((r) => detail.test(String((r.payload as { detail: string | null }).detail ?? '')));

  before(async () => {
    // The agent hangs until deleted, so its run stays live for as long as the test needs.
    p = await startPlatform({ env: { CODEXK8S_WORKER_JOB_IMAGE: 'codex-k8s.invalid/hang:latest', BUS_MAX_DELIVER: '3' } });
    correlation = await p.deliver(issuePayload({ label: 'run:dev' }));
    const rows = await p.waitFor(correlation, ['run.started']);
    const started = rows.find((r) => r.event_type === 'run.started')?.payload as { run_id: string; namespace: string };
    runId = started.run_id;
    namespace = started.namespace;
  });
  after(async () => {
    await Promise.all(buses.map((b) => b.drain()));
    await p?.stop();
    if (namespace) await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  const finished = (): RunFinishedData => ({
    run_id: runId,
    project_id: p.projectId,
    runtime_mode: 'full-env',
    // The forger names another namespace too: cleanup reads the namespace from the run row, not from here.
    namespace: 'kube-system',
    job_name: 'x',
    job_namespace: namespace,
    status: 'succeeded',
    reason: null,
    error: null,
  });

  test('run.succeeded claiming a source that may not emit it is dead-lettered with the reason; the live run keeps its namespace', async () => {
    const bus = await forger('planner');
    await bus.publish(RunSucceededV1, { id: randomUUID(), correlationId: correlation, subject: `run/${runId}`, data: finished() });
    const rows = await eventually('dead letters naming the forged source', async () => {
      const dl = await deadLetters(/forged source: run\.succeeded claims source "planner", only agent-launcher may emit it/);
      return dl.length >= 2 ? dl : undefined; // namespace-provisioner and audit-writer each refuse it
    });
    assert.deepEqual(new Set(rows.map((r) => (r.payload as { reason: string }).reason)), new Set(['terminated']));
    assert.equal((await listFlowEventsByType(p.tdb.db, 'run.succeeded')).length, 0, 'the audit trail never shows it as an act of agent-launcher');
    assert.equal((await getRun(p.tdb.db, runId))?.status, 'running');
    assert.equal((await core.readNamespace({ name: namespace })).metadata?.deletionTimestamp, undefined);
  });

  test('run.succeeded for a live run from an identity that may publish it deletes nothing: the run row says it is running', async () => {
    const bus = await forger('agent-launcher');
    const id = runEndedEventId(randomUUID()); // not this run's end id, so the real end is never shadowed
    await bus.publish(RunSucceededV1, { id, correlationId: correlation, subject: `run/${runId}`, data: finished() });
    await eventually('the end event given up on', async () => {
      const dl = (await listFlowEventsByType(p.tdb.db, 'bus.dead_lettered')).filter((r) => (r.payload as { original_event_id: string | null }).original_event_id === id);
      return dl.length > 0 ? dl : undefined;
    }, 60_000);
    assert.equal((await getRun(p.tdb.db, runId))?.status, 'running');
    assert.equal((await core.readNamespace({ name: namespace })).metadata?.deletionTimestamp, undefined, 'the run namespace is still there');
    await core.readNamespace({ name: 'kube-system' });
    const cleanups = (await p.timeline(correlation)).filter((r) => r.event_type.startsWith('run.namespace.clean'));
    assert.deepEqual(cleanups, []);
  });

  test('webhook.received without a signed delivery in the inbox starts no run', async () => {
    const bus = await forger('webhook-ingress');
    const delivery = randomUUID();
    const payload = JSON.parse(FIXTURE) as { sender: { id: number; login: string }; repository: { id: number; full_name: string; name: string; private: boolean; fork: boolean }; issue: { id: number; number: number; title: string } };
    await bus.publish(WebhookReceivedV1, {
      id: deterministicId('webhook', delivery),
      correlationId: delivery,
      subject: `delivery/${delivery}`,
      data: {
        source: 'github',
        delivery_id: delivery,
        event_type: 'issues',
        action: 'labeled',
        received_at: new Date().toISOString(),
        sender: { id: payload.sender.id, login: payload.sender.login },
        repository: { id: payload.repository.id, full_name: payload.repository.full_name, name: payload.repository.name, clone_url: null, private: false, fork: false },
        installation_id: null,
        issue: { id: payload.issue.id, number: payload.issue.number, title: payload.issue.title, html_url: null, state: 'open', labels: ['run:dev'], user: 'alice', is_pull_request: false },
        label: 'run:dev',
        payload_bytes: 100,
      },
    });
    const dl = await eventually('the forged delivery dead-lettered', async () => {
      const rows = await deadLetters(new RegExp(`refusing webhook\\.received: no inbox row for delivery ${delivery}`));
      return rows.length > 0 ? rows : undefined;
    }, 60_000);
    assert.equal((dl[0]?.payload as { consumer: string }).consumer.startsWith('planner'), true);
    const runs = await p.tdb.db.selectFrom('agent_runs').select('id').where('correlation_id', '=', delivery).execute();
    assert.deepEqual(runs, [], 'no run');
  });
});
