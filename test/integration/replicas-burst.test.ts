import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { assertNothingLostOrStuck, attempt, runDeliveries, sleep, waitUntilSettled } from '../support/faults.js';
import { startPlatform, type Platform } from '../support/platform.js';
import type { RunningService } from '../support/services.js';

const RUNS = 100;

/** One counter's values by its label, summed over the services' /metrics. */
async function metricSum(services: readonly RunningService[], name: string, label: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const re = new RegExp(`^${name}\\{${label}="([a-z_]+)"\\} (\\d+)$`, 'gm');
  for (const s of services) {
    const text = await (await fetch(`http://127.0.0.1:${s.healthPort}/metrics`)).text();
    for (const m of text.matchAll(re)) out[m[1] ?? ''] = (out[m[1] ?? ''] ?? 0) + Number(m[2]);
  }
  return out;
}

/** Namespace deletes each provisioner replica logged (`namespace deleted`: its DELETE call went through), by namespace. */
function loggedDeletes(services: readonly RunningService[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of services) {
    for (const line of readFileSync(s.logFile, 'utf8').split('\n')) {
      if (!line.startsWith('{')) continue;
      const rec = JSON.parse(line) as { msg?: string; namespace?: string };
      if ((rec.msg === 'namespace deleted' || rec.msg === 'namespace cleanup failed; the sweeper retries') && rec.namespace) out.set(rec.namespace, (out.get(rec.namespace) ?? 0) + 1);
    }
  }
  return out;
}

// Two replicas of every platform service share the durable consumers, the sweep lease and the run rows. A burst of
// 100 run:dev runs, delivered alternately to the two ingress replicas: every run ends once, is finished once (the
// launchers' claim), and its namespace is deleted once (the provisioners' end handler or sweeper, never both).
describe('two replicas of every service under a burst of 100 runs', () => {
  let p: Platform;
  before(async () => {
    p = await startPlatform({ replicas: 2 });
  });
  after(async () => p?.stop());

  test('every run ends once, is finished once and its namespace deleted once', async () => {
    assert.equal(p.baseUrls.length, 2);
    const deliveries = runDeliveries(2000, RUNS);
    await Promise.all(deliveries.map((d, i) => attempt(p.baseUrls[i % 2] ?? '', d)));
    assert.deepEqual(deliveries.filter((d) => !d.accepted).map((d) => d.statuses), [], 'every delivery accepted');
    await waitUntilSettled(p, deliveries, 240_000);
    await sleep(3_000); // a second finish or delete, if there were one, has happened by now
    await assertNothingLostOrStuck(p, deliveries);

    const runs = await p.tdb.db.selectFrom('agent_runs').select(['status', 'namespace']).execute();
    assert.equal(runs.length, RUNS);
    const launchers = p.replicas.get('agent-launcher') ?? [];
    assert.equal(launchers.length, 2);
    const finishes = await metricSum(launchers, 'codexk8s_run_finish_total', 'outcome');
    console.log(`codexk8s_run_finish_total over both launchers: ${JSON.stringify(finishes)}`);
    assert.equal(finishes.finished, RUNS, 'each run finished exactly once across the replicas');

    const provisioners = p.replicas.get('namespace-provisioner') ?? [];
    const deletes = loggedDeletes(provisioners);
    const twice = [...deletes.entries()].filter(([, n]) => n !== 1);
    const namespaces = runs.map((r) => r.namespace ?? '');
    assert.deepEqual(namespaces.filter((n) => !deletes.has(n)), [], 'every run namespace deleted');
    assert.deepEqual(twice, [], 'no namespace deleted more than once');
    const deleteCalls = await metricSum(provisioners, 'codexk8s_namespace_delete_total', 'outcome');
    console.log(`codexk8s_namespace_delete_total over both provisioners: ${JSON.stringify(deleteCalls)}`);
    assert.equal(deleteCalls.deleted, RUNS, 'one successful DELETE per namespace across the replicas');
  });
});
