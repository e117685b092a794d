import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AgentRunRow, RuntimeDeployTaskRow } from '@codex-k8s/db';
import { RUN_KINDS, routeOf } from '@codex-k8s/flow';
import { placementOf } from './target.js';

const s = { platformNamespace: 'codex-k8s-system', codeOnlyServiceAccount: 'codex-agent', runServiceAccount: 'codex-runner' };
const run = (o: Partial<AgentRunRow>): AgentRunRow =>
  ({ id: 'r1', project_id: 'p1', status: 'pending', runtime_mode: 'full-env', runtime_deploy: false, namespace: 'codex-issue-p-i1-rr1', slot_no: null, ...o }) as AgentRunRow;
const task = (o: Partial<RuntimeDeployTaskRow>): RuntimeDeployTaskRow => ({ run_id: 'r1', namespace: 'shop-dev-1', status: 'succeeded', host: 'shop-1.ai.example.test', ...o }) as RuntimeDeployTaskRow;

test('code-only runs start at run.created in the platform namespace as the code-only identity', () => {
  assert.deepEqual(placementOf('run.created', run({ runtime_mode: 'code-only', namespace: null }), undefined, s), { namespace: 'codex-k8s-system', serviceAccount: 'codex-agent', slotNo: 0, env: {} });
  assert.equal(placementOf('run.namespace.prepared', run({ runtime_mode: 'code-only' }), undefined, s), undefined);
});

test('full-env runs start in the namespace of their row once it is prepared', () => {
  assert.deepEqual(placementOf('run.namespace.prepared', run({}), undefined, s), { namespace: 'codex-issue-p-i1-rr1', serviceAccount: 'codex-runner', slotNo: 0, env: {} });
  assert.equal(placementOf('run.created', run({}), undefined, s), undefined, 'not before its namespace exists');
  assert.equal(placementOf('run.namespace.prepared', run({ status: 'failed' }), undefined, s), undefined, 'an ended run never starts');
  assert.equal(placementOf('run.namespace.prepared', undefined, undefined, s), undefined, 'an unknown run never starts');
});

test('slot runs start only when their slot is ready, in the namespace their row and deploy task agree on', () => {
  const slotRun = run({ runtime_deploy: true, namespace: 'shop-dev-1', slot_no: 1 });
  assert.deepEqual(placementOf('slot.ready', slotRun, task({}), s), {
    namespace: 'shop-dev-1',
    serviceAccount: 'codex-runner',
    slotNo: 1,
    env: { CODEXK8S_STAGING_DOMAIN: 'shop-1.ai.example.test', CODEXK8S_PUBLIC_BASE_URL: 'https://shop-1.ai.example.test' },
  });
  assert.equal(placementOf('run.namespace.prepared', slotRun, task({}), s), undefined, 'a prepared slot waits for its stack and TLS');
  assert.equal(placementOf('slot.ready', slotRun, task({ status: 'running' }), s), undefined, 'no deploy finished yet');
  assert.equal(placementOf('slot.ready', slotRun, task({ namespace: 'victim-dev-1' }), s), undefined, 'a deploy elsewhere is not this slot');
  assert.deepEqual(placementOf('slot.ready', slotRun, task({ host: null }), s)?.env, {});
});

test('each kind starts its Job on the one input its route names, and on no other', () => {
  const rows = {
    'code-only': run({ runtime_mode: 'code-only', namespace: null }),
    'full-env': run({}),
    slot: run({ runtime_deploy: true, namespace: 'shop-dev-1', slot_no: 1 }),
  } as const;
  for (const kind of RUN_KINDS) {
    const started = ['run.created', 'run.namespace.prepared', 'slot.ready', 'run.started', 'slot.deployed'].filter((t) => placementOf(t, rows[kind], task({}), s) !== undefined);
    // The launch steps (a staff cancel is the launcher's other input: it places nothing).
    assert.deepEqual(started, routeOf(kind).filter((st) => st.service === 'agent-launcher' && st.via === 'event' && !st.anytime).flatMap((st) => st.on), kind);
    assert.equal(placementOf('run.cancel_requested', rows[kind], task({}), s), undefined, kind);
    assert.equal(started.length, 1, kind);
  }
});
