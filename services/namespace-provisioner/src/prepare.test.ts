import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labelKeys } from '@codex-k8s/kube';
import type { AgentRunRow } from '@codex-k8s/db';
import { desiredNamespace, prepareTargetOf } from './prepare.js';

const run = {
  run_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  project_id: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
  project_slug: 'shop',
  runtime_mode: 'full-env' as const,
  namespace: 'codex-issue-3fa85f645717-i42-r7c9e66797425',
  trigger_kind: 'dev',
  trigger_label: 'run:dev',
  issue_number: 42,
  repository_full_name: 'acme/shop',
  sender_login: 'alice',
};

const anywhere = { nodeSelector: {}, tolerations: [] };

test('the run namespace carries the platform labels under the configured domain, its owner, and Pod Security labels', () => {
  const ns = desiredNamespace({ keys: labelKeys('example.org/'), podSecurityLevel: 'baseline', placement: anywhere }, run, 'delivery-1');
  assert.equal(ns.metadata?.name, run.namespace);
  assert.deepEqual(ns.metadata?.labels, {
    'example.org/managed-by': 'codex-k8s-worker',
    'example.org/namespace-purpose': 'run',
    'example.org/runtime-mode': 'full-env',
    'example.org/run-id': run.run_id,
    'example.org/project-id': run.project_id,
    'example.org/owner-project-id': run.project_id,
    'example.org/issue-number': '42',
    'pod-security.kubernetes.io/enforce': 'baseline',
    'pod-security.kubernetes.io/warn': 'restricted',
  });
  assert.deepEqual(ns.metadata?.annotations, { 'example.org/correlation-id': 'delivery-1' });
  const restricted = desiredNamespace({ keys: labelKeys('codex-k8s.dev/'), podSecurityLevel: 'restricted', placement: anywhere }, run, 'd');
  assert.equal(restricted.metadata?.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
});

test('a configured placement is written on the namespace for admission to give every pod in it', () => {
  const placement = { nodeSelector: { 'codex-k8s.dev/node': 'real' }, tolerations: [{ key: 'codex-k8s.dev/real-node', operator: 'Exists', effect: 'NoSchedule' }] };
  const ns = desiredNamespace({ keys: labelKeys('codex-k8s.dev/'), podSecurityLevel: 'baseline', placement }, run, 'd');
  assert.deepEqual(ns.metadata?.annotations, {
    'scheduler.alpha.kubernetes.io/node-selector': 'codex-k8s.dev/node=real',
    'scheduler.alpha.kubernetes.io/defaultTolerations': JSON.stringify(placement.tolerations),
    'codex-k8s.dev/correlation-id': 'd',
  });
});

const createdAt = new Date('2026-11-30T10:00:00Z');
const row = (o: Partial<AgentRunRow>): AgentRunRow =>
  ({ id: run.run_id, project_id: run.project_id, namespace: run.namespace, runtime_mode: 'full-env', runtime_deploy: false, status: 'pending', slot_no: null, issue_number: 42, created_at: createdAt, ...o }) as AgentRunRow;

test('the namespace to prepare comes from the run row, not from the event', () => {
  assert.deepEqual(prepareTargetOf(row({}), 'run.created'), { run_id: run.run_id, project_id: run.project_id, runtime_mode: 'full-env', namespace: run.namespace, issue_number: 42, created_at: createdAt });
  assert.equal(prepareTargetOf(row({ runtime_mode: 'code-only' }), 'run.created'), undefined, 'code-only runs get no namespace');
  assert.equal(prepareTargetOf(row({ status: 'succeeded' }), 'run.created'), undefined, 'an ended run is never prepared again');
  assert.equal(prepareTargetOf(row({ runtime_deploy: true, slot_no: 1 }), 'run.created'), undefined, 'a slot run waits for its lease');
  assert.equal(prepareTargetOf(undefined, 'run.created'), undefined, 'an event for an unknown run does nothing');
  assert.deepEqual(prepareTargetOf(row({ runtime_deploy: true, slot_no: 2, namespace: 'shop-dev-2' }), 'slot.leased')?.slot, { slotNo: 2 });
  assert.equal(prepareTargetOf(row({ runtime_deploy: true, slot_no: null }), 'slot.leased'), undefined, 'no lease recorded: a slot.leased for it is not obeyed');
  assert.equal(prepareTargetOf(row({}), 'slot.leased'), undefined, 'a slot.leased naming a full-env run is not its step');
  assert.equal(prepareTargetOf(row({}), 'run.succeeded'), undefined, 'the end of a run prepares nothing');
});
