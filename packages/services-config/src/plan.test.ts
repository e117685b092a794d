import assert from 'node:assert/strict';
import { test } from 'node:test';
import { orderInfrastructure, orderServices } from './plan.js';

test('infrastructure follows dependsOn, roots alphabetically, unknown dependencies ignored', () => {
  assert.deepEqual(orderInfrastructure([
    { name: 'redis', dependsOn: [] },
    { name: 'app-db', dependsOn: ['volume'] },
    { name: 'volume', dependsOn: ['not-enabled'] },
  ]), ['volume', 'app-db', 'redis']);
});

test('an infrastructure cycle names the units', () => {
  assert.throws(() => orderInfrastructure([{ name: 'a', dependsOn: ['b'] }, { name: 'b', dependsOn: ['c'] }, { name: 'c', dependsOn: ['a'] }]), /infrastructure dependency cycle detected at a: a -> b -> c -> a/);
});

test('services: deployOrder groups, unknown groups after alphabetically, dependsOn inside a group', () => {
  const order = orderServices(
    [
      { name: 'web', deployGroup: 'frontend', dependsOn: [] },
      { name: 'z-worker', deployGroup: 'zeta', dependsOn: [] },
      { name: 'b-api', deployGroup: 'internal', dependsOn: ['a-auth'] },
      { name: 'a-auth', deployGroup: 'internal', dependsOn: ['c-cache'] },
      { name: 'c-cache', deployGroup: 'internal', dependsOn: [] },
      { name: 'extra', deployGroup: 'alpha', dependsOn: [] },
      { name: 'migrate', deployGroup: 'migrations', dependsOn: ['postgres'] },
    ],
    ['stateful', 'migrations', 'internal', 'edge', 'frontend'],
    ['postgres'],
  );
  assert.deepEqual(order.map((u) => u.name), ['migrate', 'c-cache', 'a-auth', 'b-api', 'web', 'extra', 'z-worker']);
});

test('cycles and dependencies on a later group are deadlocks naming the units', () => {
  assert.throws(() => orderServices([{ name: 'a', deployGroup: 'internal', dependsOn: ['b'] }, { name: 'b', deployGroup: 'internal', dependsOn: ['a'] }], ['internal']), /service dependency deadlock in group internal: unresolved a, b/);
  assert.throws(
    () => orderServices([{ name: 'api', deployGroup: 'internal', dependsOn: ['web'] }, { name: 'web', deployGroup: 'frontend', dependsOn: [] }], ['internal', 'frontend']),
    /service dependency deadlock in group internal: unresolved api/,
  );
});
