import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RunFailedV1, RunJobNotFoundV1, RunSucceededV1 } from '@codex-k8s/contracts';
import type { AgentRunRow } from '@codex-k8s/db';
import { CLAIM_GRACE_MS, lastLines, nextStep, outcomeOf, terminalOf, terminalOfOutcome, weighAgentReport } from './finish.js';

const now = new Date('2026-11-30T12:00:00Z');
const run = (o: Partial<AgentRunRow>): AgentRunRow =>
  ({ id: 'r1', status: 'running', job_name: 'codex-k8s-run-r1', job_namespace: 'ns', project_id: 'p', runtime_mode: 'full-env', outcome: null, updated_at: now, ...o }) as AgentRunRow;

test('only a running run with a Job is looked at; an unclaimed one is observed', () => {
  assert.equal(nextStep(undefined, now), 'none');
  assert.equal(nextStep(run({ status: 'pending', job_name: null }), now), 'none');
  assert.equal(nextStep(run({ status: 'succeeded' }), now), 'none', 'a finished run is never finished again');
  assert.equal(nextStep(run({ job_namespace: null }), now), 'none');
  assert.equal(nextStep(run({}), now), 'observe');
});

test('a fresh claim is left to its claimer; a stale one (crash between claim and publish) is settled again', () => {
  const outcome = { event_type: 'run.succeeded', reason: null, error: null };
  assert.equal(nextStep(run({ outcome, updated_at: new Date(now.getTime() - 1_000) }), now), 'wait');
  assert.equal(nextStep(run({ outcome, updated_at: new Date(now.getTime() - CLAIM_GRACE_MS) }), now), 'settle');
  assert.equal(nextStep(run({ outcome, updated_at: new Date(now.getTime() - 5_000) }), now, 5_000), 'settle');
});

test('verdicts map to one terminal each; a Job still running has none', () => {
  assert.equal(terminalOf('not_found')?.def, RunJobNotFoundV1);
  assert.equal(terminalOf({ state: 'succeeded' } as never)?.status, 'succeeded');
  const failed = terminalOf({ state: 'failed', reason: 'ImagePullBackOff', error: 'no such image' } as never);
  assert.deepEqual({ def: failed?.def, status: failed?.status, reason: failed?.reason, error: failed?.error }, { def: RunFailedV1, status: 'failed', reason: 'ImagePullBackOff', error: 'no such image' });
  assert.equal(terminalOf({ state: 'running' } as never), undefined);
});

test('the outcome a claim records gives back the same terminal (what a recovery publishes)', () => {
  for (const [v, code] of [['not_found', null], [{ state: 'succeeded' }, 0], [{ state: 'failed', reason: 'DeadlineExceeded', error: 'too slow' }, 137]] as const) {
    const t = terminalOf(v as never, code);
    assert.ok(t);
    assert.deepEqual(terminalOfOutcome(outcomeOf(t)), t);
  }
  assert.equal(terminalOfOutcome({ event_type: 'run.failed.launch_error', reason: 'x', error: null }), undefined, 'not an outcome this service writes');
  assert.equal(terminalOfOutcome({ event_type: RunSucceededV1.type, reason: null, error: null })?.status, 'succeeded');
  assert.equal(terminalOfOutcome({ event_type: RunSucceededV1.type, reason: null, error: null })?.exitCode, null, 'an outcome recorded before exit codes were kept');
});

test("the agent container's exit code travels with the terminal; a Job that was never found has none", () => {
  assert.equal(terminalOf({ state: 'failed', reason: 'kubernetes job failed', error: null } as never, 3)?.exitCode, 3);
  assert.equal(terminalOf('not_found', 3)?.exitCode, null);
});

test("the agent's report and the Job are weighed: disagreement ends in run.failed with a reason", () => {
  const ok = terminalOf({ state: 'succeeded' } as never, 0) as NonNullable<ReturnType<typeof terminalOf>>;
  const crashed = terminalOf({ state: 'failed', reason: 'kubernetes job failed', error: 'BackoffLimitExceeded' } as never, 137) as NonNullable<ReturnType<typeof terminalOf>>;
  const log = 'one\n\ntwo\nthree\n';
  const agreed = weighAgentReport(ok, { exit_code: 0, summary: 'done' }, { expected: true, log });
  assert.deepEqual([agreed.def, agreed.reason, agreed.error, agreed.exitCode], [RunSucceededV1, null, null, 0], 'both agree on success');
  const denied = weighAgentReport(ok, { exit_code: 2, summary: 'tests failed' }, { expected: true, log });
  assert.deepEqual([denied.def, denied.reason, denied.error, denied.exitCode], [RunFailedV1, 'agent_reported_failure', 'the Job succeeded but the agent reported exit code 2: tests failed', 0]);
  const silent = weighAgentReport(ok, undefined, { expected: true, log });
  assert.deepEqual([silent.def, silent.reason], [RunFailedV1, 'agent_not_reported']);
  assert.match(silent.error ?? '', /never reported its end; last log lines:\none\ntwo\nthree$/);
  assert.equal(weighAgentReport(ok, undefined, { expected: false, log }).def, RunSucceededV1, 'a plain command (no runner) is not expected to report');
  const died = weighAgentReport(crashed, undefined, { expected: true, log: 'working\nSegmentation fault' });
  assert.deepEqual([died.def, died.reason, died.exitCode], [RunFailedV1, 'kubernetes job failed', 137]);
  assert.equal(died.error, 'BackoffLimitExceeded; the agent never reported its end; last log lines:\nworking\nSegmentation fault');
  const claimed = weighAgentReport(crashed, { exit_code: 0, summary: null }, { expected: true, log });
  assert.equal(claimed.def, RunFailedV1, "the agent's word never turns a failed Job into a success");
  assert.match(claimed.error ?? '', /reported success/);
  assert.equal(weighAgentReport({ ...ok, exitCode: null }, { exit_code: 0, summary: null }, { expected: true, log: '' }).exitCode, 0, "the agent's exit code when the container's is unknown");
  const gone = terminalOf('not_found') as NonNullable<ReturnType<typeof terminalOf>>;
  assert.equal(weighAgentReport(gone, undefined, { expected: true, log }), gone);
});

test('lastLines keeps the last non-empty lines, each bounded', () => {
  assert.equal(lastLines('a\n\nb\nc\n', 2), 'b\nc');
  assert.equal(lastLines(`${'x'.repeat(400)}\n`, 1).length, 301);
  assert.equal(lastLines(''), '');
});
