import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cancelAvailability, deleteNamespaceAvailability, phasesOf, safeHttpUrl } from './views.js';

test('phases: the first event of each reached phase, in order, with the time from the phase before', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 10, 30, 12, 0, s));
  const phases = phasesOf([
    { event_type: 'run.started', occurred_at: at(5) },
    { event_type: 'webhook.received', occurred_at: at(0) },
    { event_type: 'run.created', occurred_at: at(1) },
    { event_type: 'run.failed', occurred_at: at(9) },
    { event_type: 'run.canceled', occurred_at: at(8) },
  ]);
  assert.deepEqual(phases.map((p) => [p.phase, p.event_type, p.duration_ms]), [
    ['received', 'webhook.received', null],
    ['planned', 'run.created', 1_000],
    ['job started', 'run.started', 4_000],
    ['ended', 'run.canceled', 3_000],
  ]);
});

test('only http(s) links reach the browser', () => {
  assert.equal(safeHttpUrl('https://github.com/acme/shop/issues/1'), 'https://github.com/acme/shop/issues/1');
  for (const bad of ['javascript:alert(1)', 'data:text/html,x', 'not a url', 42, null]) assert.equal(safeHttpUrl(bad), null, String(bad));
});

test('cancel: live runs, by admins; delete namespace: an ended full-env run\'s own namespace, once', () => {
  assert.deepEqual(cancelAvailability({ status: 'running' }, true), { allowed: true, reason: null });
  assert.equal(cancelAvailability({ status: 'succeeded' }, true).reason, 'the run has ended (succeeded)');
  assert.equal(cancelAvailability({ status: 'pending' }, false).reason, 'only project admins may act on runs');
  const ended = { status: 'failed', runtime_mode: 'full-env', namespace: 'ns', runtime_deploy: false } as const;
  assert.deepEqual(deleteNamespaceAvailability(ended, false, true), { allowed: true, reason: null });
  assert.equal(deleteNamespaceAvailability(ended, true, true).reason, 'the namespace is already deleted');
  assert.match(deleteNamespaceAvailability({ ...ended, status: 'running' }, false, true).reason ?? '', /cancel it first/);
  assert.match(deleteNamespaceAvailability({ ...ended, runtime_deploy: true }, false, true).reason ?? '', /slot's/);
  assert.match(deleteNamespaceAvailability({ ...ended, runtime_mode: 'code-only', namespace: null }, false, true).reason ?? '', /no namespace/);
});
