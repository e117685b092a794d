import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from './paths.js';
import { parse } from 'yaml';
import { PLATFORM_SERVICES, restartDelayMs, serviceNodeEnv } from './services.js';

test('restarts back off from 1 s, doubling, capped at 30 s', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 50].map(restartDelayMs), [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
});

test('each Deployment in deploy/base runs Node with the settings the local stack uses', () => {
  for (const name of PLATFORM_SERVICES) {
    const d = parse(readFileSync(join(REPO_ROOT, 'deploy/base', name, 'deployment.yaml'), 'utf8')) as { spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } } };
    const env = Object.fromEntries((d.spec.template.spec.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
    for (const [k, v] of Object.entries(serviceNodeEnv(name))) assert.equal(env[k], v, `${name}: ${k}`);
  }
  assert.doesNotMatch(serviceNodeEnv('webhook-ingress').NODE_OPTIONS ?? '', /semi-space/, 'the hot paths keep the young generation V8 sizes');
});
