import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Bus } from '@codex-k8s/bus';
import type { DeliveryReceipt } from '@codex-k8s/db';
import { acceptDelivery, type Delivery } from './accept.js';
import { batchMarks, type Inbox } from './inbox.js';

const body = readFileSync(new URL('../../../test/fixtures/issues-labeled.json', import.meta.url));
const payload = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
const delivery = (deliveryId: string): Delivery => ({ deliveryId, eventType: 'issues', payload, rawBody: body, receivedAt: new Date() });

interface Row {
  event_type: string;
  action: string | null;
  received_at: Date;
  published_at: Date | null;
  duplicate_count: number;
}

/** webhook_deliveries as the two statements see it (insert-or-count, mark where unpublished), and JetStream. */
function fakes(opts: { failPublish?: (type: string, n: number) => boolean } = {}) {
  const rows = new Map<string, Row>();
  const log: string[] = [];
  const stream = new Map<string, string>(); // Nats-Msg-Id -> type: JetStream keeps one message per id (window)
  let publishes = 0;
  const inbox: Inbox = {
    async record(r): Promise<DeliveryReceipt> {
      await Promise.resolve();
      log.push(`record ${r.delivery_id}`);
      const found = rows.get(r.delivery_id);
      if (found) {
        found.duplicate_count++;
        return { inserted: false, row: { ...found } };
      }
      const row: Row = { event_type: r.event_type, action: r.action ?? null, received_at: r.received_at, published_at: null, duplicate_count: 0 };
      rows.set(r.delivery_id, row);
      return { inserted: true, row: { ...row } };
    },
    markPublished: batchMarks(async (ids) => {
      const changed = new Set<string>();
      for (const id of ids) {
        const row = rows.get(id);
        if (row && row.published_at === null) {
          row.published_at = new Date();
          changed.add(id);
        }
      }
      log.push(`mark ${[...changed].join(',')}`);
      return changed;
    }),
  };
  const publish = (async (def: { type: string }, input: { id: string }) => {
    const n = publishes++;
    await new Promise((r) => setTimeout(r, 2));
    if (opts.failPublish?.(def.type, n)) throw new Error('TIMEOUT');
    log.push(`publish ${def.type}`);
    const duplicate = stream.has(input.id);
    stream.set(input.id, def.type);
    return { envelope: input, seq: stream.size, duplicate };
  }) as unknown as Bus['publish'];
  return { rows, log, stream, inbox, publish };
}

test('a new delivery is stored, then published, then marked, and only then accepted', async () => {
  const f = fakes();
  assert.deepEqual(await acceptDelivery(f, delivery('d1')), { status: 'accepted' });
  assert.deepEqual(f.log, ['record d1', 'publish webhook.received', 'mark d1']);
  assert.ok(f.rows.get('d1')?.published_at);
  assert.deepEqual([...f.stream.values()], ['webhook.received']);
});

test('50 concurrent copies: one accepted, 49 duplicates, one received and one duplicate event, count 49', async () => {
  const f = fakes();
  const results = await Promise.all(Array.from({ length: 50 }, () => acceptDelivery(f, delivery('d2'))));
  assert.equal(results.filter((r) => r.status === 'accepted').length, 1);
  assert.equal(results.filter((r) => r.status === 'duplicate').length, 49);
  assert.deepEqual([...f.stream.values()].sort(), ['webhook.duplicate', 'webhook.received']);
  assert.equal(f.rows.get('d2')?.duplicate_count, 49);
});

test('a failed publish throws (503), leaves the row stored but not published; a redelivery is accepted', async () => {
  const f = fakes({ failPublish: (_type, n) => n === 0 });
  await assert.rejects(acceptDelivery(f, delivery('d3')), /TIMEOUT/);
  assert.equal(f.rows.get('d3')?.published_at, null, 'nothing recorded as published');
  assert.equal(f.stream.size, 0);
  assert.deepEqual(await acceptDelivery(f, delivery('d3')), { status: 'accepted' });
  assert.deepEqual([...f.stream.values()], ['webhook.received']);
});

test('a copy arriving while the first one publishes never answers duplicate for an event that was not published', async () => {
  // The first copy's publish fails; the second copy, which found the row unpublished, publishes and is accepted.
  const f = fakes({ failPublish: (_type, n) => n === 0 });
  const [first, second] = await Promise.allSettled([acceptDelivery(f, delivery('d4')), acceptDelivery(f, delivery('d4'))]);
  assert.equal(first.status, 'rejected');
  assert.deepEqual(second.status === 'fulfilled' && second.value, { status: 'accepted' });
  assert.deepEqual([...f.stream.values()], ['webhook.received']);
  // With the bus down for both, both are refused and nothing is recorded as published.
  const g = fakes({ failPublish: () => true });
  const both = await Promise.allSettled([acceptDelivery(g, delivery('d5')), acceptDelivery(g, delivery('d5'))]);
  assert.deepEqual(both.map((r) => r.status), ['rejected', 'rejected']);
  assert.equal(g.rows.get('d5')?.published_at, null);
});

test('died after the publish, before the mark: the redelivery republishes the same event id and is accepted', async () => {
  const f = fakes();
  await f.inbox.record({ delivery_id: 'd6', event_type: 'issues', action: 'labeled', repository_full_name: null, body, payload_bytes: body.length, received_at: new Date() });
  f.stream.set('(the received event published before the crash)', 'webhook.received');
  assert.deepEqual(await acceptDelivery(f, delivery('d6')), { status: 'accepted' });
  assert.ok(f.rows.get('d6')?.published_at);
});

test('a repeat of a published delivery publishes webhook.duplicate only, with the first copy\'s facts', async () => {
  const f = fakes();
  await acceptDelivery(f, delivery('d7'));
  f.log.length = 0;
  assert.deepEqual(await acceptDelivery(f, delivery('d7')), { status: 'duplicate' });
  assert.deepEqual(f.log, ['record d7', 'publish webhook.duplicate']);
  // A failed duplicate publish is a 503 as well (GitHub redelivers; the event id stays the same).
  const g = fakes({ failPublish: (type) => type === 'webhook.duplicate' });
  await acceptDelivery(g, delivery('d8'));
  await assert.rejects(acceptDelivery(g, delivery('d8')), /TIMEOUT/);
});
