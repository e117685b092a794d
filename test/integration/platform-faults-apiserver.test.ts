import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertNothingLostOrStuck, deliverAcrossOutage, waitUntilSettled } from '../support/faults.js';
import { startPlatform, type Platform } from '../support/platform.js';

// The apiserver unreachable (every connection refused) for 100 s: longer than the whole redelivery schedule of a
// message (BUS_MAX_DELIVER 8 deliveries, backoff 0.25 + 1 + 2 + 5 + 10 + 30 + 30 s = 78 s, packages/bus consumer.ts),
// so steps that need Kubernetes exhaust their deliveries while it is down. With 20 run:dev runs in flight, every
// run must still end exactly once and every run namespace must go once the apiserver is back; no service exits.
describe('the apiserver down for 100 s with 20 runs in flight', () => {
  let p: Platform;
  before(async () => {
    p = await startPlatform({ proxied: ['apiserver'] });
  });
  after(async () => p?.stop());

  test('no service exits, every run ends once, nothing is left behind', async () => {
    const proxy = p.proxies.apiserver;
    if (!proxy) throw new Error('no apiserver proxy');
    const { deliveries, during } = await deliverAcrossOutage(p, { proxy, mode: 'reset', ms: 100_000, firstIssue: 1300, count: 20 });
    await waitUntilSettled(p, deliveries, 120_000);
    await assertNothingLostOrStuck(p, deliveries);
    // Planned during the outage, their namespaces could not be prepared by the last allowed delivery: each of these
    // runs ended visibly (namespace_prepare_failed) instead of waiting for ever.
    for (const d of during) {
      const end = (await p.timeline(d.id)).find((r) => r.event_type === 'run.failed.launch_error');
      assert.equal((end?.payload as { reason?: string } | undefined)?.reason, 'namespace_prepare_failed', `#${d.issue} ended by its last delivery`);
    }
  });
});
