import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderReplyBody, replyMarker, replySubject } from './reply-body.js';

const base = { delivery_id: 'd-1', label: 'run:dev', conflicting_labels: [], sender_login: 'octocat', issue_number: 42, repository_full_name: 'o/r' };

test('a label conflict names the conflicting labels as code', () => {
  const conflict = { ...base, reason: 'issue_trigger_label_conflict' as const, conflicting_labels: ['run:dev', 'run:plan'] };
  const body = renderReplyBody(conflict);
  assert.ok(body?.startsWith(replyMarker(replySubject(conflict))));
  assert.equal(replySubject({ ...conflict, conflicting_labels: ['Run:Plan', 'run:dev'] }), replySubject(conflict), 'the same story, another delivery: the same reply');
  assert.notEqual(replySubject({ ...conflict, issue_number: 43 }), replySubject(conflict));
  assert.notEqual(replySubject({ ...base, reason: 'sender_not_allowed' }), replySubject({ ...base, reason: 'sender_not_allowed', sender_login: 'mallory' }));
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
