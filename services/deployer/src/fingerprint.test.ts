import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { fingerprint } from './fingerprint.js';
import type { RenderedObject } from './manifests.js';

const objects: RenderedObject[] = [
  { unit: 'config', file: 'deploy/config.yaml', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shop-config' } } },
  { unit: 'migrate', file: 'deploy/migrate.yaml', object: { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate' } } },
];

/** The hash as it was before salts existed: stored run fingerprints must keep matching. */
function unsalted(namespace: string, objs: readonly RenderedObject[]): string {
  const h = createHash('sha256').update(namespace);
  for (const o of objs) h.update('\u0000').update(o.unit).update('\u0000').update(JSON.stringify(o.object));
  return h.digest('hex');
}

test('without a salt the fingerprint is what it always was', () => {
  assert.equal(fingerprint('shop-dev-1', objects), unsalted('shop-dev-1', objects));
  assert.equal(fingerprint('shop-dev-1', objects, undefined), unsalted('shop-dev-1', objects));
});

test('a salt changes the fingerprint, each salt differently, the same salt the same way', () => {
  const plain = fingerprint('shop-dev-1', objects);
  const a = fingerprint('shop-dev-1', objects, 'redeploy-a');
  assert.notEqual(a, plain);
  assert.notEqual(fingerprint('shop-dev-1', objects, 'redeploy-b'), a);
  assert.equal(fingerprint('shop-dev-1', objects, 'redeploy-a'), a, 'stable across deliveries: the saved progress still belongs to it');
  assert.notEqual(fingerprint('shop-dev-1', objects, ''), plain, 'even an empty salt is a salt');
});

test('with the same salt, the desired state still decides: another object or namespace is another fingerprint', () => {
  const a = fingerprint('shop-dev-1', objects, 's');
  assert.notEqual(fingerprint('shop-dev-2', objects, 's'), a);
  assert.notEqual(fingerprint('shop-dev-1', objects.slice(0, 1), 's'), a);
});
