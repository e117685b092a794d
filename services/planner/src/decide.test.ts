import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WebhookReceivedData } from '@codex-k8s/contracts';
import { IgnoreReason } from '@codex-k8s/contracts';
import { authorizeSender, resolveTrigger, runtimeModeFor, unusablePayload } from './decide.js';
import { buildLabelCatalog } from './labels.js';

const catalog = buildLabelCatalog({});
const base: WebhookReceivedData = {
  source: 'github',
  delivery_id: 'd1',
  event_type: 'issues',
  action: 'labeled',
  received_at: '2026-11-24T10:00:00.000Z',
  sender: { id: 1, login: 'alice' },
  repository: { id: 7, full_name: 'acme/shop', name: 'shop', clone_url: null, private: false, fork: false },
  installation_id: null,
  issue: { id: 1, number: 42, title: 't', html_url: null, state: 'open', labels: ['run:dev', 'bug'], user: 'alice', is_pull_request: false },
  label: 'run:dev',
  payload_bytes: 1,
  malformed_fields: [],
};

test('the label catalog maps reference labels to kinds and honours overrides', () => {
  assert.equal(catalog.get('run:dev'), 'dev');
  assert.equal(catalog.get('run:dev:revise'), 'dev_revise');
  assert.equal(catalog.get('run:self-improve'), 'self_improve');
  assert.equal(catalog.get('run:plan:revise'), 'plan_revise');
  assert.equal(catalog.get('run:qa:revise'), undefined);
  const custom = buildLabelCatalog({ CODEXK8S_RUN_DEV_LABEL: 'AI:Dev' });
  assert.equal(custom.get('ai:dev'), 'dev');
  assert.equal(custom.get('run:dev'), undefined);
});

test('only the added catalogued label triggers; conflicts and other labels are ignored with reasons', () => {
  assert.deepEqual(resolveTrigger(base, catalog), { kind: 'trigger', label: 'run:dev', runKind: 'dev' });
  assert.deepEqual(resolveTrigger({ ...base, label: ' RUN:DEV ' }, catalog), { kind: 'trigger', label: 'run:dev', runKind: 'dev' });
  const notTrigger = resolveTrigger({ ...base, label: 'bug' }, catalog);
  assert.equal(notTrigger.kind === 'ignore' && notTrigger.reason, 'issue_event_not_trigger_label');
  const issue = base.issue ? { ...base.issue, labels: ['run:dev', 'run:plan', 'bug'] } : null;
  const conflict = resolveTrigger({ ...base, issue }, catalog);
  assert.ok(conflict.kind === 'ignore');
  assert.equal(conflict.reason, 'issue_trigger_label_conflict');
  assert.deepEqual(conflict.conflicting, ['run:dev', 'run:plan']);
  assert.deepEqual(resolveTrigger({ ...base, action: 'opened' }, catalog), { kind: 'none' });
  assert.deepEqual(resolveTrigger({ ...base, event_type: 'push' }, catalog), { kind: 'none' });
});

test('sender authorisation gives the IgnoreReason codes', () => {
  assert.equal(authorizeSender(null, undefined), 'sender_login_missing');
  assert.equal(authorizeSender('bob', undefined), 'sender_not_allowed');
  assert.equal(authorizeSender('bob', { platformAdmin: true, role: null }), null);
  assert.equal(authorizeSender('bob', { platformAdmin: false, role: null }), 'sender_not_project_member');
  assert.equal(authorizeSender('bob', { platformAdmin: false, role: 'admin' }), null);
  assert.equal(authorizeSender('bob', { platformAdmin: false, role: 'read_write' }), null);
  assert.equal(authorizeSender('bob', { platformAdmin: false, role: 'read_only' }), 'sender_role_read_only_not_permitted');
});

test('runtime mode: dev kinds are full-env unless the project says otherwise', () => {
  const defaults = ['dev', 'dev_revise'];
  assert.equal(runtimeModeFor('dev', defaults, {}), 'full-env');
  assert.equal(runtimeModeFor('dev_revise', defaults, null), 'full-env');
  assert.equal(runtimeModeFor('plan', defaults, {}), 'code-only');
  assert.equal(runtimeModeFor('dev', defaults, { full_env_trigger_kinds: [] }), 'code-only');
  assert.equal(runtimeModeFor('qa', defaults, { full_env_trigger_kinds: ['qa'] }), 'full-env');
  assert.equal(runtimeModeFor('dev', defaults, { full_env_trigger_kinds: 'qa' }), 'full-env', 'malformed override ignored');
});

test('an issues delivery the planner acts on but cannot, says why; other events stay silent', () => {
  assert.equal(unusablePayload(base), null);
  const noIssue = { ...base, issue: null };
  assert.deepEqual(unusablePayload({ ...noIssue, malformed_fields: ['issue.number'] }), { reason: 'issue_number_invalid', detail: 'malformed: issue.number' });
  assert.deepEqual(unusablePayload({ ...noIssue, action: 'closed', malformed_fields: ['issue.id', 'issue.number'] }), { reason: 'issue_number_invalid', detail: 'malformed: issue.id, issue.number' });
  assert.deepEqual(unusablePayload({ ...base, sender: null, malformed_fields: ['sender.login'] }), { reason: 'payload_not_actionable', detail: 'malformed: sender.login' });
  assert.deepEqual(unusablePayload({ ...base, action: null, malformed_fields: ['action'] }), { reason: 'payload_not_actionable', detail: 'malformed: action' });
  assert.deepEqual(unusablePayload(noIssue), { reason: 'payload_not_actionable', detail: 'issue missing' });
  assert.equal(unusablePayload({ ...base, installation_id: null, malformed_fields: ['installation.id'] }), null, 'the planner does not use the installation');
  assert.equal(unusablePayload({ ...noIssue, action: 'opened', malformed_fields: ['issue.number'] }), null, 'issues.opened starts nothing anyway');
  assert.equal(unusablePayload({ ...noIssue, event_type: 'push', malformed_fields: ['issue.number'] }), null);
});

test('every reason the decisions produce is an IgnoreReason', () => {
  const reasons = [
    authorizeSender(null, undefined),
    authorizeSender('bob', undefined),
    authorizeSender('bob', { platformAdmin: false, role: null }),
    authorizeSender('bob', { platformAdmin: false, role: 'read_only' }),
    unusablePayload({ ...base, issue: null })?.reason,
  ];
  for (const r of reasons) assert.equal(IgnoreReason.safeParse(r).success, true, String(r));
});
