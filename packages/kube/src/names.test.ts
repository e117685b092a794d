import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentJobName, runNamespaceName, toDnsLabel, toLabelValue } from './names.js';

const project = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
const run = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

test('the run namespace follows the original codex-k8s template and example', () => {
  assert.equal(runNamespaceName({ prefix: 'codex-issue', projectId: project, runId: run, issueNumber: 42 }), 'codex-issue-3fa85f645717-i42-r7c9e66797425');
  assert.equal(runNamespaceName({ prefix: 'codex-issue', projectId: project, runId: run, issueNumber: null }), 'codex-issue-run-7c9e66797425');
});

test('prefixes are sanitised and names stay RFC 1123 labels of at most 63 characters', () => {
  const rfc1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
  for (const prefix of ['Codex_Issue', '..weird..prefix..', '', 'x'.repeat(80), 'a--b']) {
    const ns = runNamespaceName({ prefix, projectId: project, runId: run, issueNumber: 123456 });
    assert.match(ns, rfc1123, prefix);
    assert.ok(ns.length <= 63, ns);
  }
  assert.equal(runNamespaceName({ prefix: '', projectId: project, runId: run, issueNumber: 1 }).startsWith('codex-issue-'), true);
  assert.equal(toDnsLabel('---', 'fallback'), 'fallback');
});

test('different runs never share a namespace, the same run always gets the same one', () => {
  const a = runNamespaceName({ prefix: 'codex-issue', projectId: project, runId: run, issueNumber: 42 });
  const b = runNamespaceName({ prefix: 'codex-issue', projectId: project, runId: '8d0f7780-7425-40de-944b-e07fc1f90ae7', issueNumber: 42 });
  assert.notEqual(a, b);
  assert.equal(runNamespaceName({ prefix: 'codex-issue', projectId: project, runId: run, issueNumber: 42 }), a);
});

test('label values and the Job name', () => {
  assert.equal(toLabelValue('Hello_World!'), 'hello-world');
  assert.equal(toLabelValue(''), 'unknown');
  assert.equal(toLabelValue('x'.repeat(70)).length, 63);
  assert.equal(agentJobName(run), `codex-k8s-run-${run}`);
  assert.ok(agentJobName(`${run}${run}`).length <= 63);
});
