import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { listFlowEvents, listFlowEventsByType } from '@codex-k8s/db';
import { postWebhook } from '../support/github.js';
import { FIXTURE, SECRET, startPlatform, type Platform } from '../support/platform.js';

type Json = Record<string, unknown>;
const fixture = (): Json => JSON.parse(FIXTURE) as Json;
/** The fixture with one part changed (a path of keys, the last one set). */
function withField(path: string[], value: unknown): string {
  const p = fixture();
  let at = p;
  for (const k of path.slice(0, -1)) at = at[k] as Json;
  at[path.at(-1) ?? ''] = value;
  return JSON.stringify(p);
}

// Signed, well-formed payloads GitHub would not send but a signer can. Each must end in an answer with a reason:
// 4xx when the platform cannot store it at all, or 202 and `webhook.ignored` with its reason when it can be
// stored but not acted on. Never 503 (retry later) for a permanent problem, never an accepted delivery without
// its flow_events rows, and the inbox holds exactly the bytes that were signed.
describe('odd signed payloads on the real ingress, planner and audit-writer', () => {
  let p: Platform;

  before(async () => {
    // Few deliveries so the planning_failed case (a failure on the last delivery) settles quickly.
    p = await startPlatform({ services: ['audit-writer', 'planner', 'webhook-ingress'], env: { BUS_MAX_DELIVER: '3' } });
  });
  after(async () => {
    await p?.stop();
  });

  const post = async (body: string | Buffer) => {
    const delivery = randomUUID();
    const res = await postWebhook(p.baseUrl, { delivery, event: 'issues', body, secret: SECRET });
    return { delivery, ...res };
  };
  const inbox = (delivery: string) => p.tdb.db.selectFrom('webhook_deliveries').selectAll().where('delivery_id', '=', delivery).executeTakeFirst();
  const runsOf = (delivery: string) => p.tdb.db.selectFrom('agent_runs').select('id').where('correlation_id', '=', delivery).execute();
  const ignoredOf = async (delivery: string) => {
    const rows = await p.waitFor(delivery, ['webhook.received', 'webhook.ignored']);
    return rows.find((r) => r.event_type === 'webhook.ignored')?.payload as { reason: string; detail: string | null; issue_number: number | null };
  };

  const notActionable: Array<[string, string, string, RegExp]> = [
    ['issue number 2^31 (beyond Postgres integer)', withField(['issue', 'number'], 2 ** 31), 'issue_number_invalid', /issue\.number/],
    ['issue number as a string', withField(['issue', 'number'], '42'), 'issue_number_invalid', /issue\.number/],
    ['negative issue number', withField(['issue', 'number'], -1), 'issue_number_invalid', /issue\.number/],
    ['issue number 0', withField(['issue', 'number'], 0), 'issue_number_invalid', /issue\.number/],
    ['fractional issue number', withField(['issue', 'number'], 1.5), 'issue_number_invalid', /issue\.number/],
    ['a control character in sender.login', withField(['sender', 'login'], 'ali\u0001ce'), 'payload_not_actionable', /sender\.login/],
    ['a repository id beyond 2^53', withField(['repository', 'id'], 2 ** 53), 'payload_not_actionable', /repository\.id/],
  ];
  for (const [name, body, reason, detail] of notActionable) {
    test(`${name}: 202, webhook.received and webhook.ignored ${reason} recorded, no run`, async () => {
      const res = await post(body);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      const ignored = await ignoredOf(res.delivery);
      assert.equal(ignored.reason, reason);
      assert.match(ignored.detail ?? '', detail);
      assert.equal(ignored.issue_number, reason === 'issue_number_invalid' ? null : 42, 'only a usable issue number is passed on');
      assert.deepEqual(await runsOf(res.delivery), []);
      assert.deepEqual((await inbox(res.delivery))?.body, Buffer.from(body));
    });
  }

  const unstorable: Array<[string, string, string]> = [
    ['NUL in sender.login', withField(['sender', 'login'], 'ali\u0000ce'), 'sender.login'],
    ['NUL in repository.full_name', withField(['repository', 'full_name'], 'acme/\u0000shop'), 'repository.full_name'],
    ['NUL in action', withField(['action'], 'labeled\u0000'), 'action'],
    ['an unpaired surrogate in label.name', withField(['label', 'name'], 'run:dev\ud800'), 'label.name'],
  ];
  for (const [name, body, field] of unstorable) {
    test(`${name}: 422 naming the field, nothing stored or published`, async () => {
      const res = await post(body);
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.equal(res.body.error, `${field} contains U+0000 or an unpaired surrogate, which the platform cannot store`);
      assert.equal(res.body.correlation_id, res.delivery);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(await inbox(res.delivery), undefined);
      assert.deepEqual(await listFlowEvents(p.tdb.db, res.delivery), []);
      const again = await post(body);
      assert.equal(again.status, 422, 'the same answer every time: permanent, not "retry later"');
    });
  }

  test('the inbox holds the exact signed bytes: invalid UTF-8 in a string value, NUL in a field that is not stored', async () => {
    const [head, tail] = withField(['issue', 'title'], 'SPLIT').split('SPLIT') as [string, string];
    const invalidUtf8 = Buffer.concat([Buffer.from(head), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(tail)]);
    const nulInBody = Buffer.from(withField(['issue', 'body'], 'a\u0000b'));
    for (const body of [invalidUtf8, nulInBody, Buffer.from(FIXTURE)]) {
      const res = await post(body);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      const row = await inbox(res.delivery);
      assert.ok(row && Buffer.isBuffer(row.body));
      assert.equal(Buffer.compare(row.body, body), 0, 'byte-equal');
      assert.equal(row.payload_bytes, body.length);
      assert.equal(row.payload, null, 'the text column is no longer written');
      // A run:dev from alice: still planned as usual.
      await p.waitFor(res.delivery, ['webhook.received', 'run.created']);
    }
  });

  test('planning that fails until the last delivery ends as webhook.ignored planning_failed, not only a dead letter', async () => {
    await p.tdb.db.schema.alterTable('users').renameTo('users_away').execute();
    try {
      const res = await post(FIXTURE);
      assert.equal(res.status, 202);
      const ignored = await ignoredOf(res.delivery);
      assert.equal(ignored.reason, 'planning_failed');
      assert.match(ignored.detail ?? '', /users/);
      assert.deepEqual(await runsOf(res.delivery), []);
    } finally {
      await p.tdb.db.schema.alterTable('users_away').renameTo('users').execute();
    }
  });

  test('nothing above was dead-lettered, and every accepted delivery has its flow_events rows', async () => {
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual((await listFlowEventsByType(p.tdb.db, 'bus.dead_lettered')).map((r) => r.payload), []);
    const accepted = await p.tdb.db.selectFrom('webhook_deliveries').select('delivery_id').execute();
    assert.equal(accepted.length, notActionable.length + 4);
    for (const { delivery_id } of accepted) {
      const types = (await listFlowEvents(p.tdb.db, delivery_id)).map((r) => r.event_type);
      assert.ok(types.includes('webhook.received'), `${delivery_id}: ${types.join(', ')}`);
    }
  });
});
