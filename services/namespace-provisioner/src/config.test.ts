import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '@codex-k8s/runtime';
import { baselineSpec, readConfig } from './config.js';

const env = { DATABASE_URL: 'postgres://x@127.0.0.1/db' };

test('the reference defaults make the S2D3 baseline', () => {
  const spec = baselineSpec(readConfig(env));
  assert.equal(spec.serviceAccount, 'codex-runner');
  assert.equal(spec.resourceQuota, 'codex-run-quota');
  assert.deepEqual(spec.quota, { pods: '20', requestsCpu: '4', requestsMemory: '8Gi', limitsCpu: '8', limitsMemory: '16Gi' });
  assert.deepEqual(spec.limits, { defaultRequestCpu: '250m', defaultRequestMemory: '256Mi', defaultCpu: '1', defaultMemory: '1Gi' });
  assert.equal(spec.networkPolicy, 'codex-run-isolation');
  assert.equal(baselineSpec(readConfig({ ...env, CODEXK8S_RUN_NETWORK_POLICY_NAME: '' })).networkPolicy, null);
});

test('invalid quantities and names stop the service, naming each variable', () => {
  assert.throws(
    () => readConfig({ ...env, CODEXK8S_WORKER_RUN_QUOTA_REQUESTS_MEMORY: '8GB', CODEXK8S_WORKER_RUN_LIMIT_DEFAULT_CPU: 'lots', CODEXK8S_WORKER_RUN_ROLE_NAME: 'Bad_Name' }),
    (err: unknown) =>
      err instanceof ConfigError &&
      /CODEXK8S_WORKER_RUN_QUOTA_REQUESTS_MEMORY: not a Kubernetes quantity/.test(err.message) &&
      /CODEXK8S_WORKER_RUN_LIMIT_DEFAULT_CPU/.test(err.message) &&
      /CODEXK8S_WORKER_RUN_ROLE_NAME/.test(err.message),
  );
});
