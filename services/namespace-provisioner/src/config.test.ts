import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '@codex-k8s/runtime';
import { baselineSpec, readConfig } from './config.js';

const env = { DATABASE_URL: 'postgres://x@127.0.0.1/db' };

test('the default settings make the S2D3 baseline', () => {
  const spec = baselineSpec(readConfig(env));
  assert.equal(spec.serviceAccount, 'codex-runner');
  assert.equal(spec.resourceQuota, 'codex-run-quota');
  assert.deepEqual(spec.quota, { pods: '20', requestsCpu: '4', requestsMemory: '8Gi', limitsCpu: '8', limitsMemory: '16Gi' });
  assert.deepEqual(spec.limits, { defaultRequestCpu: '250m', defaultRequestMemory: '256Mi', defaultCpu: '1', defaultMemory: '1Gi' });
  assert.equal(spec.networkPolicy, 'codex-run-isolation');
  assert.equal(baselineSpec(readConfig({ ...env, CODEXK8S_RUN_NETWORK_POLICY_NAME: '' })).networkPolicy, null);
  assert.deepEqual(spec.egressBlockedCidrs, ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', 'fc00::/7', 'fe80::/10']);
  assert.deepEqual(baselineSpec(readConfig({ ...env, CODEXK8S_RUN_EGRESS_BLOCKED_CIDRS: '10.96.0.0/12,203.0.113.7/32' })).egressBlockedCidrs, ['10.96.0.0/12', '203.0.113.7/32']);
  assert.equal(readConfig(env).CODEXK8S_RUN_POD_SECURITY_LEVEL, 'baseline');
});

test('a blocked network that is not a CIDR, or Pod Security privileged or none, stops the service naming the variable', () => {
  for (const [name, value] of [['CODEXK8S_RUN_EGRESS_BLOCKED_CIDRS', '10.0.0.0/8,not-a-cidr'], ['CODEXK8S_RUN_EGRESS_BLOCKED_CIDRS', '10.0.0.1/8'], ['CODEXK8S_RUN_POD_SECURITY_LEVEL', 'privileged'], ['CODEXK8S_RUN_POD_SECURITY_LEVEL', '']] as const) {
    assert.throws(
      () => readConfig({ ...env, [name]: value }),
      (err: unknown) => err instanceof ConfigError && err.message.includes(name) && (value === '' || !err.message.includes(value)),
      `${name}=${value}`,
    );
  }
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
