import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebhookDuplicateV1, deterministicId, type DeadLetterListResponse, type RetryResponse } from '@codex-k8s/contracts';
import { runConsumer, type Bus, type RunningConsumer } from '@codex-k8s/bus';
import { listFlowEventsByType, upsertProject } from '@codex-k8s/db';
import { adminBus } from '../support/bus.js';
import { uniqueSuffix } from '../support/env.js';
import { eventually } from '../support/github.js';
import { startPlatform, type Platform } from '../support/platform.js';
import { staffMember, staffRequest, staffSession, type StaffAnswer } from '../support/staff.js';

// Retrying a dead letter from the staff console: a platform admin asks, audit-writer publishes the recorded original
// to its subject once more, the consumer that gave up gets the same event again, and both the request and the
// republish are recorded as the admin's acts. Everyone else, and anything that is not a retriable dead letter, is
// refused with the reason and nothing is published.
describe('staff console: retrying a dead letter', () => {
  let p: Platform;
  let bus: Bus;
  let url: string;
  let admin: string;
  let member: string;
  let consumer: RunningConsumer | undefined;
  let healthy = false;
  const seen: { id: string; delivery: number }[] = [];
  const correlation = `retry-${uniqueSuffix()}`;
  const originalId = deterministicId('staff-retry-test', correlation);

  const refusedWith = (r: StaffAnswer, status: number, reason: RegExp): void => {
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.match((r.body as { error: string }).error, reason);
  };
  const deadLetterOf = async (match: (payload: Record<string, unknown>) => boolean): Promise<string> =>
    eventually('the dead letter recorded', async () => {
      const rows = await listFlowEventsByType(p.tdb.db, 'bus.dead_lettered');
      return rows.find((r) => match(r.payload as Record<string, unknown>))?.id;
    });

  before(async () => {
    p = await startPlatform({ services: ['audit-writer', 'staff-console'] });
    url = p.consoleUrl as string;
    const other = await upsertProject(p.tdb.db, { id: deterministicId('project', 'dl-other'), slug: 'dlother', name: 'Other', settings: {} });
    admin = await staffMember(p.tdb.db, { projectId: other.id, login: 'root', role: 'read_only', platformAdmin: true });
    member = await staffMember(p.tdb.db, { projectId: p.projectId, login: 'alice', role: 'admin' });
    // Stands in for webhook-ingress (the only source of webhook.duplicate) and a consumer that keeps failing on it.
    bus = await adminBus({ name: 'webhook-ingress', stream: p.env.BUS_STREAM as string, subjectRoot: p.env.BUS_SUBJECT_ROOT as string });
    consumer = await runConsumer(bus, {
      durable: 'flaky-step',
      filterSubject: bus.subjectOf(WebhookDuplicateV1),
      decode: (b) => JSON.parse(Buffer.from(b).toString('utf8')) as { id: string },
      handle: async (env, meta) => {
        seen.push({ id: env.id, delivery: meta.deliveryCount });
        if (!healthy) throw new Error('downstream is down');
      },
      concurrency: 1,
      ackWaitMs: 2_000,
      maxDeliver: 2,
      backoffMs: [100],
    });
    await bus.publish(WebhookDuplicateV1, {
      id: originalId,
      correlationId: correlation,
      subject: `delivery/${correlation}`,
      data: { source: 'github', delivery_id: correlation, event_type: 'issues', action: null, first_received_at: new Date().toISOString() },
    });
  });
  after(async () => {
    await consumer?.close();
    await bus?.drain();
    await p?.stop();
  });

  test('a platform admin retries it: the original reaches its consumer again, and the retry is the admin\'s act', async () => {
    const id = await deadLetterOf((x) => x.original_event_id === originalId && x.consumer === 'flaky-step');
    assert.equal(seen.length, 2, 'delivered twice, then given up');
    const list = await staffRequest<DeadLetterListResponse>(url, 'GET', '/api/v1/staff/dead-letters', { cookie: admin });
    const row = list.body.items.find((d) => d.id === id);
    assert.deepEqual([row?.original_type, row?.consumer, row?.reason, row?.retried_at], ['webhook.duplicate', 'flaky-step', 'max_deliveries', null]);

    healthy = true;
    const s = await staffSession(url, admin);
    const r = await staffRequest<RetryResponse>(url, 'POST', `/api/v1/staff/dead-letters/${id}/retry`, { cookie: admin, csrf: s.csrf_token, body: {} });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual([r.body.outcome, r.body.original_event_id, r.body.original_subject], ['retried', originalId, bus.subjectOf(WebhookDuplicateV1)]);
    await eventually('the consumer got the same event again', async () => (seen.length === 3 ? true : undefined));
    assert.equal(seen[2]?.id, originalId, 'the same envelope id: consumers deduplicate as they always do');
    const story = await p.timeline(correlation);
    const acts = story.filter((e) => e.event_type.startsWith('bus.dead_letter.'));
    assert.deepEqual(acts.map((e) => [e.event_type, e.actor_type, e.actor_id]), [
      ['bus.dead_letter.retry_requested', 'human', 'root'],
      ['bus.dead_letter.retried', 'human', 'root'],
    ]);
    assert.equal(story.filter((e) => e.event_type === 'webhook.duplicate').length, 1, 'the original is recorded once (same id)');
    const after = await staffRequest<DeadLetterListResponse>(url, 'GET', '/api/v1/staff/dead-letters', { cookie: admin });
    assert.ok(after.body.items.find((d) => d.id === id)?.retried_at, 'the list says it was retried');
  });

  test('refusals: not a platform admin 403, no CSRF 403, unknown 404, malformed 400, a poison body 409; nothing published', async () => {
    const id = await deadLetterOf((x) => x.original_event_id === originalId && x.consumer === 'flaky-step');
    const requests = async (): Promise<number> => (await listFlowEventsByType(p.tdb.db, 'bus.dead_letter.retry_requested')).length;
    const before = await requests();
    const ms = await staffSession(url, member);
    refusedWith(await staffRequest(url, 'POST', `/api/v1/staff/dead-letters/${id}/retry`, { cookie: member, csrf: ms.csrf_token, body: {} }), 403, /only platform admins/);
    refusedWith(await staffRequest(url, 'POST', `/api/v1/staff/dead-letters/${id}/retry`, { cookie: admin, body: {} }), 403, /missing X-CSRF-Token/);
    const s = await staffSession(url, admin);
    refusedWith(await staffRequest(url, 'POST', '/api/v1/staff/dead-letters/999999999/retry', { cookie: admin, csrf: s.csrf_token, body: {} }), 404, /no such dead letter/);
    refusedWith(await staffRequest(url, 'POST', '/api/v1/staff/dead-letters/x1/retry', { cookie: admin, csrf: s.csrf_token, body: {} }), 400, /^id: not a dead letter id/);
    // A body that is not an event at all: terminated by audit-writer, recorded with its raw text, never republished.
    const marker = `poison-${uniqueSuffix()}`;
    await bus.js.publish(bus.subjectOf(WebhookDuplicateV1), `{${marker}`);
    const poison = await deadLetterOf((x) => x.original === `{${marker}` && x.consumer === 'audit-writer');
    refusedWith(await staffRequest(url, 'POST', `/api/v1/staff/dead-letters/${poison}/retry`, { cookie: admin, csrf: s.csrf_token, body: {} }), 409, /holds no event to publish again/);
    assert.equal(await requests(), before, 'no refused retry published a request');
  });
});
