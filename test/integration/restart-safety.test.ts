import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { eventually } from '../support/github.js';
import { adminKubeConfig, issuePayload, startPlatform, type Platform } from '../support/platform.js';

const core = adminKubeConfig().makeApiClient(CoreV1Api);
const STORY = ['webhook.received', 'run.created', 'run.namespace.prepared', 'run.agent.token.issued', 'run.started', 'run.agent.token.revoked', 'run.succeeded', 'run.namespace.cleaned'];

// SIGKILL at a point of the run (before or after the side effect, before the ack), then a restart: the run
// still ends exactly once. Each case: one run row, each event once, one cleanup, the namespace gone.
const CASES: { victim: string; after: string }[] = [
  { victim: 'planner', after: 'webhook.received' },
  { victim: 'namespace-provisioner', after: 'run.created' },
  { victim: 'agent-launcher', after: 'run.namespace.prepared' },
  { victim: 'agent-launcher', after: 'run.started' },
  { victim: 'namespace-provisioner', after: 'run.succeeded' },
  { victim: 'audit-writer', after: 'run.started' },
];

describe('restart safety: a service killed mid-run, the run still ends exactly once', () => {
  let p: Platform;
  before(async () => {
    p = await startPlatform({ env: { BUS_ACK_WAIT_MS: '3000' } });
  });
  after(async () => p?.stop());

  for (const c of CASES) {
    test(`${c.victim} killed after ${c.after}`, async () => {
      const delivery = await p.deliver(issuePayload());
      await p.waitFor(delivery, [c.after], 60_000);
      await p.services.get(c.victim)?.kill();
      await new Promise((r) => setTimeout(r, 1_000));
      await p.restart(c.victim, 'stop');
      const rows = await p.waitFor(delivery, ['run.namespace.cleaned'], 90_000);
      await new Promise((r) => setTimeout(r, 2_000)); // redeliveries that would duplicate something have happened by now
      const all = (await p.timeline(delivery)).map((r) => r.event_type);
      assert.deepEqual([...all].sort(), [...STORY].sort(), `each event exactly once: ${all.join(', ')}`);
      const runs = await p.tdb.db.selectFrom('agent_runs').select(['id', 'status', 'namespace']).where('correlation_id', '=', delivery).execute();
      assert.equal(runs.length, 1, 'one run');
      assert.equal(runs[0]?.status, 'succeeded');
      const ns = runs[0]?.namespace ?? '';
      assert.ok(rows.length > 0);
      await eventually('namespace deleted', async () => core.readNamespace({ name: ns }).then(() => undefined, () => true), 60_000);
    });
  }
});
