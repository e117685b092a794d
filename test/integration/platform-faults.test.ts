import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertNothingLostOrStuck, deliverAcrossOutage, waitUntilSettled, type TrackedDelivery } from '../support/faults.js';
import { startPlatform, type Platform } from '../support/platform.js';

// "No run lost or stuck under faults": the whole pipeline of real services, each reaching the real server through
// a TCP proxy, with 20 run:dev runs in flight when the server goes away. Deliveries the endpoint refuses during
// the outage are redelivered afterwards (as GitHub would); every accepted one must end exactly once, no service
// may exit, and nothing may be left behind (no live run row, no run namespace).
const RUNS = 20;

/**
 * The endpoint felt the outage (a delivery during it was not accepted at once), and still answered every delivery
 * before GitHub's 10 s timeout: 202 or a 5xx GitHub redelivers on, never a request held until GitHub gives up.
 */
function assertAnsweredInTime(during: readonly TrackedDelivery[]): void {
  assert.ok(during.some((d) => d.statuses[0] !== 202), `a delivery during the outage was refused: ${during.map((d) => d.statuses[0]).join(' ')}`);
  assert.deepEqual(during.filter((d) => d.statuses[0] === 0).map((d) => `#${d.issue}`), [], 'every delivery during the outage was answered within 10 s');
}

// Each outage on its own platform: which server's proxy fails, how, for how long.
const OUTAGES = [
  // reset: every connection dropped and every new one closed at once (a Postgres that was killed and is restarting)
  { title: 'Postgres killed for 10 s with 20 runs in flight', server: 'postgres', mode: 'reset', ms: 10_000, firstIssue: 1000 },
  // blackhole: connections accepted, nothing answered (pool connect timeouts, requests that hang)
  { title: 'Postgres frozen for 20 s with 20 runs in flight', server: 'postgres', mode: 'blackhole', ms: 20_000, firstIssue: 1100 },
  { title: 'NATS killed for 10 s with 20 runs in flight', server: 'nats', mode: 'reset', ms: 10_000, firstIssue: 1200 },
] as const;

for (const o of OUTAGES) {
  describe(o.title, () => {
    let p: Platform;
    before(async () => {
      p = await startPlatform({ proxied: [o.server] });
    });
    after(async () => p?.stop());

    test('no service exits, every run ends once, nothing is left behind', async () => {
      const proxy = p.proxies[o.server];
      if (!proxy) throw new Error(`no ${o.server} proxy`);
      const { deliveries, during } = await deliverAcrossOutage(p, { proxy, mode: o.mode, ms: o.ms, firstIssue: o.firstIssue, count: RUNS });
      assertAnsweredInTime(during);
      await waitUntilSettled(p, deliveries, 120_000);
      await assertNothingLostOrStuck(p, deliveries);
    });
  });
}
