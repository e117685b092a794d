import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getRun } from '@codex-k8s/db';
import { CoreV1Api } from '@kubernetes/client-node';
import { eventually } from '../support/github.js';
import { adminKubeConfig, issuePayload, startPlatform, type Platform } from '../support/platform.js';
import { startService, type RunningService } from '../support/services.js';

const core = adminKubeConfig().makeApiClient(CoreV1Api);

// A run whose next step never comes (here: agent-launcher is not running at all) must not stay pending forever
// with its namespace leaked: the provisioner's reconciler ends it after the stall timeout and the namespace goes.
describe('a run can no longer be pending forever', () => {
  let p: Platform;
  let second: RunningService | undefined;

  before(async () => {
    p = await startPlatform({
      services: ['audit-writer', 'planner', 'namespace-provisioner', 'webhook-ingress'],
      env: { CODEXK8S_RUN_STALL_TIMEOUT_MS: '4000', CODEXK8S_NAMESPACE_SWEEP_INTERVAL_MS: '1000' },
    });
    // A second replica of the provisioner: the sweep lease lets one of them end the run, never both.
    second = await startService('namespace-provisioner', { ...p.env, CODEXK8S_RUN_STALL_TIMEOUT_MS: '4000', CODEXK8S_NAMESPACE_SWEEP_INTERVAL_MS: '1000' });
  });
  after(async () => {
    await second?.stop();
    await p?.stop();
  });

  test('a run without progress is ended as run_stalled exactly once and its namespace is cleaned', async () => {
    const delivery = await p.deliver(issuePayload({ label: 'run:dev' }));
    const prepared = await p.waitFor(delivery, ['run.namespace.prepared']);
    const { run_id: runId, namespace } = prepared.find((r) => r.event_type === 'run.namespace.prepared')?.payload as { run_id: string; namespace: string };
    const rows = await p.waitFor(delivery, ['run.failed.launch_error', 'run.namespace.cleaned'], 60_000);
    const failed = rows.find((r) => r.event_type === 'run.failed.launch_error')?.payload as { reason: string; error: string };
    assert.equal(failed.reason, 'run_stalled');
    assert.match(failed.error, /^no progress since .* \(4 s stall timeout\) while pending$/);
    const run = await getRun(p.tdb.db, runId);
    assert.equal(run?.status, 'failed');
    await eventually('the namespace deleted', async () => core.readNamespace({ name: namespace }).then(() => undefined, () => true), 60_000);
    await new Promise((r) => setTimeout(r, 3_000));
    const types = (await p.timeline(delivery)).map((r) => r.event_type);
    assert.equal(types.filter((t) => t === 'run.failed.launch_error').length, 1, types.join(', '));
    assert.equal(types.filter((t) => t.startsWith('run.namespace.clean')).length, 1, types.join(', '));
  });
});
