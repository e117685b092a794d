import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isOwnedBy, labelKeys, namespaceLabels } from './labels.js';

const keys = labelKeys('codex-k8s.dev/');
const shop = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
const evil = '9b2d7c1e-0000-4000-8000-000000000001';

test('a namespace records its owning project, and only that project may use it', () => {
  const labels = namespaceLabels(keys, { runId: 'r', projectId: shop, correlationId: 'c', runtimeMode: 'full-env', issueNumber: null }, { slotNo: 1 });
  assert.equal(labels['codex-k8s.dev/owner-project-id'], shop);
  assert.equal(isOwnedBy(keys, labels, shop), true);
  assert.equal(isOwnedBy(keys, labels, evil), false, 'another project never adopts it');
  assert.equal(isOwnedBy(keys, { ...labels, 'codex-k8s.dev/owner-project-id': shop.toUpperCase() }, shop), false, 'the label is compared as written, after the same sanitising');
});

test('a managed namespace from before owners were recorded may be claimed (the database claim decides)', () => {
  assert.equal(isOwnedBy(keys, { 'codex-k8s.dev/managed-by': 'codex-k8s-worker' }, evil), true);
  assert.equal(isOwnedBy(keys, undefined, evil), true);
});
