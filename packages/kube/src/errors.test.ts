import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPermanentKubeError, kubeErrorMessage, orUndefinedIfNotFound } from './errors.js';

const apiError = (code: number, message: string) => Object.assign(new Error(`HTTP-Code: ${code}`), { code, body: JSON.stringify({ kind: 'Status', message }) });

test('bad requests and admission policy refusals are permanent; RBAC propagation and outages are retried', () => {
  assert.equal(isPermanentKubeError(apiError(422, 'Job.batch "x" is invalid')), true);
  assert.equal(isPermanentKubeError(apiError(400, 'bad request')), true);
  const denied = apiError(403, `jobs.batch "x" is forbidden: ValidatingAdmissionPolicy 'codex-k8s-agent-launcher' with binding 'codex-k8s-agent-launcher' denied request: a Job goes to a managed namespace`);
  assert.equal(isPermanentKubeError(denied), true);
  assert.match(kubeErrorMessage(denied), /^HTTP 403: jobs\.batch "x" is forbidden: ValidatingAdmissionPolicy/);
  assert.equal(isPermanentKubeError(apiError(403, 'User "system:serviceaccount:x:y" cannot create resource "jobs"')), false, 'RBAC may still be propagating');
  assert.equal(isPermanentKubeError(apiError(503, 'unavailable')), false);
  assert.equal(isPermanentKubeError(new Error('connect ECONNREFUSED')), false);
});

test('a read of a missing object is undefined; every other failure still throws', async () => {
  assert.equal(await orUndefinedIfNotFound(Promise.reject(apiError(404, 'not found'))), undefined);
  assert.deepEqual(await orUndefinedIfNotFound(Promise.resolve({ a: 1 })), { a: 1 });
  await assert.rejects(orUndefinedIfNotFound(Promise.reject(apiError(503, 'unavailable'))), /HTTP-Code: 503/);
});
