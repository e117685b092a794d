import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slotNamespaceProblem } from './ownership.js';

const o = { projectSlug: 'shop', platformNamespace: 'codex-k8s-system' };

test("a project's slot namespaces stay inside its own prefix", () => {
  assert.equal(slotNamespaceProblem('shop-dev-1', o), undefined);
  assert.equal(slotNamespaceProblem('shop', o), undefined);
  assert.equal(slotNamespaceProblem('shop-prod', o), undefined);
  assert.match(slotNamespaceProblem('billing-dev-1', o) ?? '', /outside project shop's namespaces \(shop or shop-\*\)/);
  assert.match(slotNamespaceProblem('shopping-dev-1', o) ?? '', /outside project shop/, 'a longer name sharing the letters is not the prefix');
});

test('the platform and cluster namespaces are never a slot, whatever the slug', () => {
  for (const ns of ['codex-k8s-system', 'default', 'kube-system', 'kube-public']) {
    assert.match(slotNamespaceProblem(ns, { projectSlug: ns.split('-')[0] ?? '', platformNamespace: 'codex-k8s-system' }) ?? '', /reserved/, ns);
  }
});

test('the prefix is the platform slug as a DNS label', () => {
  assert.equal(slotNamespaceProblem('my-shop-dev-1', { ...o, projectSlug: 'My_Shop' }), undefined);
});
