import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PlacementEnv, placementAnnotations } from './placement.js';

test('placement from the environment becomes the two admission annotations; nothing configured, no annotation', () => {
  const p = PlacementEnv.parse({ CODEXK8S_WORKLOAD_NODE_SELECTOR: 'codex-k8s.dev/node=real, zone=a', CODEXK8S_WORKLOAD_TOLERATIONS: '[{"key":"codex-k8s.dev/real-node","operator":"Exists","effect":"NoSchedule"}]' });
  const nodeSelector = p.CODEXK8S_WORKLOAD_NODE_SELECTOR;
  const tolerations = p.CODEXK8S_WORKLOAD_TOLERATIONS;
  assert.deepEqual(placementAnnotations({ nodeSelector, tolerations }), {
    'scheduler.alpha.kubernetes.io/node-selector': 'codex-k8s.dev/node=real,zone=a',
    'scheduler.alpha.kubernetes.io/defaultTolerations': '[{"key":"codex-k8s.dev/real-node","operator":"Exists","effect":"NoSchedule"}]',
  });
  const none = PlacementEnv.parse({});
  assert.deepEqual(placementAnnotations({ nodeSelector: none.CODEXK8S_WORKLOAD_NODE_SELECTOR, tolerations: none.CODEXK8S_WORKLOAD_TOLERATIONS }), {});
});

test('a malformed selector or toleration list stops the service with a reason naming it', () => {
  const issue = (env: Record<string, string>): string => PlacementEnv.safeParse(env).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') ?? '';
  assert.match(issue({ CODEXK8S_WORKLOAD_NODE_SELECTOR: 'a=b=c' }), /CODEXK8S_WORKLOAD_NODE_SELECTOR: "a=b=c" is not key=value/);
  assert.match(issue({ CODEXK8S_WORKLOAD_NODE_SELECTOR: 'bad key=x' }), /is not key=value/);
  assert.match(issue({ CODEXK8S_WORKLOAD_TOLERATIONS: '{nope' }), /not JSON/);
  assert.match(issue({ CODEXK8S_WORKLOAD_TOLERATIONS: '[{"key":"k","operator":"Sometimes"}]' }), /operator/);
  assert.match(issue({ CODEXK8S_WORKLOAD_TOLERATIONS: '[{"key":"k","extra":1}]' }), /extra|Unrecognized/i);
});
