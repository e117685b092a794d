import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchMarks } from './inbox.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('marks asked in one turn share one statement; each caller learns whether its mark set published_at', async () => {
  const calls: string[][] = [];
  const published = new Set<string>(['old']);
  const mark = batchMarks(async (ids) => {
    calls.push([...ids]);
    const changed = new Set(ids.filter((id) => !published.has(id)));
    for (const id of changed) published.add(id);
    return changed;
  });
  const results = await Promise.all([mark('a'), mark('b'), mark('a'), mark('old')]);
  assert.deepEqual(calls, [['a', 'b', 'a', 'old']]);
  assert.deepEqual(results, [true, true, false, false], 'only the first copy of an id in a batch wins; an id marked before loses');
});

test('at most one batch is in flight; marks asked meanwhile go together into the next one', async () => {
  const calls: string[][] = [];
  let release: () => void = () => undefined;
  const mark = batchMarks(async (ids) => {
    calls.push([...ids]);
    if (calls.length === 1) await new Promise<void>((r) => (release = r));
    return new Set(ids);
  });
  const first = mark('a');
  await tick();
  const later = [mark('b'), mark('c'), mark('d')];
  await tick();
  assert.deepEqual(calls, [['a']], 'the second batch waits for the first');
  release();
  assert.deepEqual(await Promise.all([first, ...later]), [true, true, true, true]);
  assert.deepEqual(calls, [['a'], ['b', 'c', 'd']]);
});

test('a failed batch fails its callers and those queued behind it at once; the next mark runs normally', async () => {
  let fail: (err: Error) => void = () => undefined;
  let n = 0;
  const mark = batchMarks(async (ids) => {
    if (n++ === 0) await new Promise<void>((_resolve, reject) => (fail = reject));
    return new Set(ids);
  });
  const first = mark('a');
  await tick();
  const queued = mark('b');
  fail(new Error('Connection terminated'));
  await assert.rejects(first, /Connection terminated/);
  await assert.rejects(queued, /Connection terminated/);
  assert.equal(await mark('c'), true);
  assert.equal(n, 2, 'the queued mark was not sent after the failure');
});
