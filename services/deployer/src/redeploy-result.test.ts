import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SlotRedeployFailedV1, SlotRedeployedV1, deterministicId } from '@codex-k8s/contracts';
import type { SlotRedeployRow } from '@codex-k8s/db';
import { publishRedeployResult, redeployResultOf } from './redeploy-result.js';

const ID = '7d4c7a52-3c1e-4d7a-9b1e-0c2f4e6a8b10';
const PROJECT = '0f6f5b0e-1c1e-4a2b-8c3d-4e5f6a7b8c9d';
const row = (r: Partial<SlotRedeployRow>): SlotRedeployRow => ({
  id: ID,
  project_id: PROJECT,
  slot_no: 1,
  namespace: 'shop-dev-1',
  requested_by: 'alice',
  source_run_id: null,
  status: 'running',
  failure_reason: null,
  commit_sha: 'c0ffee',
  host: 'shop-1.ai.example.test',
  fingerprint: null,
  progress_fingerprint: null,
  units_done: 0,
  unit_started_at: null,
  unit_applied_at: null,
  logs_json: [],
  last_error: null,
  created_at: new Date(),
  finished_at: null,
  ...r,
});

test('a running redeploy has no result yet', () => {
  assert.equal(redeployResultOf(row({})), undefined);
});

test('the result comes from the row alone and matches the contracts', () => {
  const ok = redeployResultOf(row({ status: 'succeeded', fingerprint: 'f'.repeat(64), units_done: 6 }));
  assert.equal(ok?.kind, 'redeployed');
  assert.deepEqual(SlotRedeployedV1.schema.parse(ok?.data), { redeploy_id: ID, project_id: PROJECT, slot_no: 1, namespace: 'shop-dev-1', requested_by: 'alice', host: 'shop-1.ai.example.test', commit_sha: 'c0ffee', fingerprint: 'f'.repeat(64), units: 6 });
  const failed = redeployResultOf(row({ status: 'failed', failure_reason: 'slot_leased', last_error: 'slot 1 is leased by run x' }));
  assert.equal(failed?.kind, 'failed');
  assert.deepEqual(SlotRedeployFailedV1.schema.parse(failed?.data), { redeploy_id: ID, project_id: PROJECT, slot_no: 1, namespace: 'shop-dev-1', requested_by: 'alice', reason: 'slot_leased', error: 'slot 1 is leased by run x' });
});

test('every publish of a result has the one id of its redeploy, the request\'s correlation and the slot as subject', async () => {
  const sent: { type: string; id: string; correlationId: string; causationId?: string; subject: string }[] = [];
  const bus = { publish: async (def: { type: string }, input: { id: string; correlationId: string; causationId?: string; subject: string }) => void sent.push({ type: def.type, ...input }) };
  const done = row({ status: 'succeeded', fingerprint: 'a'.repeat(64), units_done: 6 });
  await publishRedeployResult(bus as never, done, { correlationId: `redeploy/${ID}`, causationId: ID });
  await publishRedeployResult(bus as never, done, { correlationId: `redeploy/${ID}`, causationId: 'another-delivery' });
  await publishRedeployResult(bus as never, row({ status: 'failed', failure_reason: 'deploy_failed', last_error: 'boom' }), { correlationId: 'c' });
  await publishRedeployResult(bus as never, row({}), { correlationId: 'c' });
  assert.equal(sent.length, 3, 'nothing for a running redeploy');
  assert.equal(sent[0]?.id, deterministicId(SlotRedeployedV1.type, ID));
  assert.equal(sent[1]?.id, sent[0]?.id, 'published again under the same id');
  assert.equal(sent[0]?.subject, `slot/${PROJECT}/1`);
  assert.equal(sent[0]?.correlationId, `redeploy/${ID}`);
  assert.equal(sent[2]?.type, SlotRedeployFailedV1.type);
  assert.equal(sent[2]?.id, deterministicId(SlotRedeployFailedV1.type, ID));
  assert.equal(sent[2]?.causationId, undefined);
});
