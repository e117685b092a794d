import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RetryAfter, TerminalError, createLogger } from '@codex-k8s/runtime';
import { settle } from './settle.js';
import type { MessageMeta } from './consumer.js';

const log = createLogger({ name: 'test', level: 'silent' });
const meta = (deliveryCount: number, lastDelivery = false): MessageMeta => ({
  subject: 'p.x.v1',
  streamSeq: 7,
  deliveryCount,
  lastDelivery,
  headers: {},
  publishedAt: new Date(0),
});
function fakeMsg(): { calls: string[]; ack(): void; nak(ms?: number): void; term(reason?: string): void } {
  const calls: string[] = [];
  return {
    calls,
    ack: () => void calls.push('ack'),
    nak: (ms?: number) => void calls.push(`nak ${ms ?? '-'}`),
    term: (reason?: string) => void calls.push(`term ${reason ?? ''}`),
  };
}

test('settle: success acks, poison is terminated with its reason, a wait naks with its delay', () => {
  const ok = fakeMsg();
  settle(ok, meta(1), undefined, { log });
  assert.deepEqual(ok.calls, ['ack']);
  const poison = fakeMsg();
  settle(poison, meta(1), new TerminalError('forged source: x'), { log });
  assert.deepEqual(poison.calls, ['term forged source: x']);
  const wait = fakeMsg();
  settle(wait, meta(1), new RetryAfter(1_500, 'not yet'), { log });
  assert.deepEqual(wait.calls, ['nak 1500']);
});

test('settle: a transient failure naks with the backoff of its delivery count', () => {
  const steps = [250, 1_000, 2_000];
  for (const [n, want] of [[1, 250], [2, 1_000], [9, 2_000]] as const) {
    const m = fakeMsg();
    settle(m, meta(n), new Error('ECONNREFUSED'), { log, backoffMs: steps });
    assert.deepEqual(m.calls, [`nak ${want}`]);
  }
  const last = fakeMsg();
  settle(last, meta(8, true), new Error('down'), { log, backoffMs: steps });
  assert.deepEqual(last.calls, ['nak 2000'], 'on the last delivery it is still handed back (the server dead-letters it)');
});

test('settle: a long reason is cut to what a term carries', () => {
  const m = fakeMsg();
  settle(m, meta(1), new TerminalError('x'.repeat(1_000)), { log });
  assert.equal(m.calls[0]?.length, 'term '.length + 256);
});
