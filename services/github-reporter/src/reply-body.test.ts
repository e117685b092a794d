import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderReplyBody, replyMarker } from './reply-body.js';

const base = { delivery_id: 'd-1', label: 'run:dev', conflicting_labels: [], sender_login: 'octocat', issue_number: 42, repository_full_name: 'o/r' };

test('a label conflict names the conflicting labels as code', () => {
  const body = renderReplyBody({ ...base, reason: 'issue_trigger_label_conflict', conflicting_labels: ['run:dev', 'run:plan'] });
  assert.ok(body?.startsWith(replyMarker('d-1')));
  assert.match(body ?? '', /more than one run label \(`run:dev`, `run:plan`\)/);
});

test('a sender without permission is told why, mentioned only when the login is a real login', () => {
  assert.match(renderReplyBody({ ...base, reason: 'sender_not_project_member' }) ?? '', /@octocat is not a member of this project/);
  assert.match(renderReplyBody({ ...base, reason: 'sender_role_read_only_not_permitted' }) ?? '', /read-only role/);
  assert.match(renderReplyBody({ ...base, reason: 'sender_not_allowed', sender_login: 'x](http://e) @all' }) ?? '', /`x\]\(http:\/\/e\) @all` is not a user/);
});

test('other reasons, and deliveries without an issue, stay silent', () => {
  for (const reason of ['issue_event_not_trigger_label', 'repository_not_bound_for_issue_label', 'planning_failed', 'sender_login_missing'] as const) {
    assert.equal(renderReplyBody({ ...base, reason }), null, reason);
  }
  assert.equal(renderReplyBody({ ...base, reason: 'issue_trigger_label_conflict', issue_number: null }), null);
});
