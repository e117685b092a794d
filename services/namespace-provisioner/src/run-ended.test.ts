import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RUN_ENDED_EVENTS } from '@codex-k8s/flow';
import type { AgentRunRow } from '@codex-k8s/db';
import { endActionOf, hasEnded } from './run-ended.js';

const row = (o: Partial<AgentRunRow>): AgentRunRow =>
  ({ id: 'r1', project_id: 'p1', namespace: 'codex-issue-p-i1-rr1', runtime_mode: 'full-env', runtime_deploy: false, status: 'failed', slot_no: null, ...o }) as AgentRunRow;

test('every end of a run means the same step: full-env cleans its namespace, slot releases its slot, code-only has nothing', () => {
  for (const end of RUN_ENDED_EVENTS) {
    assert.equal(endActionOf(row({}), end), 'clean-namespace', end);
    assert.equal(endActionOf(row({ runtime_deploy: true, slot_no: 1, namespace: 'shop-dev-1' }), end), 'release-slot', end);
    assert.equal(endActionOf(row({ runtime_mode: 'code-only', namespace: null }), end), undefined, end);
  }
  assert.equal(endActionOf(undefined, 'run.succeeded'), undefined, 'an unknown run');
  assert.equal(endActionOf(row({ project_id: null }), 'run.succeeded'), undefined, 'a row without its project');
  assert.equal(endActionOf(row({}), 'run.created'), undefined, 'not an end');
});

test('only the row says whether the run ended', () => {
  assert.equal(hasEnded(row({ status: 'running' })), false);
  assert.equal(hasEnded(row({ status: 'pending' })), false);
  assert.equal(hasEnded(row({ status: 'succeeded' })), true);
  assert.equal(hasEnded(undefined), false);
});
