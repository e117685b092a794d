import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRunQueue } from './run-queue.js';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A queue whose evaluations block until the test releases them, recording what ran. */
function harness(concurrency = 4) {
  const calls: string[] = [];
  const gates: { id: string; d: ReturnType<typeof deferred> }[] = [];
  const errors: string[] = [];
  let active = 0;
  let maxActive = 0;
  const perRun = new Map<string, number>();
  let maxPerRun = 0;
  const q = createRunQueue({
    concurrency,
    evaluate: async (id) => {
      calls.push(id);
      active++;
      perRun.set(id, (perRun.get(id) ?? 0) + 1);
      maxActive = Math.max(maxActive, active);
      maxPerRun = Math.max(maxPerRun, perRun.get(id) ?? 0);
      const d = deferred();
      gates.push({ id, d });
      try {
        await d.promise;
      } finally {
        active--;
        perRun.set(id, (perRun.get(id) ?? 1) - 1);
      }
    },
    onError: (id, err) => errors.push(`${id}: ${String(err)}`),
  });
  const release = async (id: string, err?: unknown): Promise<void> => {
    const i = gates.findIndex((g) => g.id === id);
    const g = gates.splice(i, 1)[0];
    if (err) g?.d.reject(err);
    else g?.d.resolve();
    await new Promise((r) => setImmediate(r));
  };
  return { q, calls, errors, release, stats: () => ({ maxActive, maxPerRun }) };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('requests for a run that is waiting collapse into one pass', async () => {
  const h = harness(1);
  const a = h.q.schedule('a');
  const b1 = h.q.schedule('b');
  const b2 = h.q.schedule('b');
  const b3 = h.q.schedule('b');
  await tick();
  assert.deepEqual(h.calls, ['a']);
  await h.release('a');
  await a;
  assert.deepEqual(h.calls, ['a', 'b']);
  await h.release('b');
  await Promise.all([b1, b2, b3]);
  assert.deepEqual(h.calls, ['a', 'b'], 'b evaluated once for three requests');
  assert.equal(h.q.size, 0);
});

test('a request while the run is evaluated schedules exactly one more pass, never a parallel one', async () => {
  const h = harness(4);
  const first = h.q.schedule('r');
  await tick();
  const more = [h.q.schedule('r'), h.q.schedule('r'), h.q.schedule('r')];
  await tick();
  assert.deepEqual(h.calls, ['r'], 'not evaluated twice at once');
  let firstDone = false;
  void first.then(() => (firstDone = true));
  await h.release('r');
  assert.ok(firstDone);
  assert.deepEqual(h.calls, ['r', 'r'], 'one more pass for the requests that came during the first');
  await h.release('r');
  await Promise.all(more);
  assert.deepEqual(h.calls, ['r', 'r']);
  assert.equal(h.stats().maxPerRun, 1);
  assert.equal(h.q.size, 0);
});

test('errors are handed to onError, the caller still resolves, and the run can be scheduled again', async () => {
  const h = harness();
  const p = h.q.schedule('x');
  await tick();
  await h.release('x', new Error('57P01 terminating connection'));
  await p;
  assert.deepEqual(h.errors, ['x: Error: 57P01 terminating connection']);
  const again = h.q.schedule('x');
  await tick();
  await h.release('x');
  await again;
  assert.deepEqual(h.calls, ['x', 'x']);
});

test('a synchronous throw is caught as well', async () => {
  const errors: unknown[] = [];
  const q = createRunQueue({
    concurrency: 1,
    evaluate: () => {
      throw new Error('sync');
    },
    onError: (_id, err) => errors.push(err),
  });
  await q.schedule('s');
  assert.equal(errors.length, 1);
});

test('at most `concurrency` runs are evaluated at once; the rest wait in order', async () => {
  const h = harness(2);
  const all = ['1', '2', '3', '4'].map((id) => h.q.schedule(id));
  await tick();
  assert.deepEqual(h.calls, ['1', '2']);
  await h.release('2');
  assert.deepEqual(h.calls, ['1', '2', '3']);
  await h.release('1');
  await h.release('3');
  await h.release('4');
  await Promise.all(all);
  assert.equal(h.stats().maxActive, 2);
});

test('close waits for evaluations in progress, releases waiters and takes no more work', async () => {
  const h = harness(1);
  const a = h.q.schedule('a');
  const b = h.q.schedule('b');
  await tick();
  const closing = h.q.close();
  await h.release('a');
  await closing;
  await Promise.all([a, b]);
  assert.deepEqual(h.calls, ['a'], 'queued work is dropped at close');
  await h.q.schedule('c');
  assert.deepEqual(h.calls, ['a']);
});
