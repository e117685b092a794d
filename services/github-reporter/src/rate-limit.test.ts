import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RetryAfter, TerminalError } from '@codex-k8s/runtime';
import { RateLimitHold } from './github-client.js';
import { permanentAsTerminal, rateLimitWaitMs } from './rate-limit.js';
import { TOKEN_RENEW_BEFORE_MS, TokenCache } from './token-cache.js';

const err = (status: number, headers: Record<string, string>, message = 'x') => Object.assign(new Error(message), { status, response: { headers } });

test('rate-limit answers become the wait GitHub asks for; other errors are not rate limits', () => {
  const now = 1_000_000_000;
  assert.equal(rateLimitWaitMs(err(403, { 'retry-after': '30' }, 'You have exceeded a secondary rate limit'), now), 30_000);
  assert.equal(rateLimitWaitMs(err(429, { 'retry-after': '2' }), now), 2_000);
  assert.equal(rateLimitWaitMs(err(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 120) }), now), 121_000);
  assert.equal(rateLimitWaitMs(err(403, {}, 'You have exceeded a secondary rate limit'), now), 60_000);
  assert.equal(rateLimitWaitMs(err(403, { 'retry-after': '999999' }), now), 3_600_000, 'bounded');
  assert.equal(rateLimitWaitMs(err(403, {}, 'Resource not accessible by integration'), now), null);
  assert.equal(rateLimitWaitMs(err(502, { 'retry-after': '5' }), now), null);
  assert.equal(rateLimitWaitMs(new Error('socket hang up'), now), null);
});

test('installation tokens are cached until shortly before they expire, and dropped per installation', () => {
  let now = Date.parse('2026-12-01T10:00:00Z');
  const cache = new TokenCache(() => now);
  const value = (token: string) => `${token}|2026-12-01T10:00:00Z|2026-12-01T11:00:00Z|all|issues!`;
  cache.set('42', value('t1'));
  cache.set('7|1,2', value('t2'));
  assert.equal(cache.get('42'), value('t1'));
  now = Date.parse('2026-12-01T11:00:00Z') - TOKEN_RENEW_BEFORE_MS;
  assert.equal(cache.get('42'), undefined, 'renewed before expiry');
  now = Date.parse('2026-12-01T10:30:00Z');
  cache.forget(7);
  assert.equal(cache.get('7|1,2'), undefined);
  cache.set('42', value('t3'));
  cache.forget(42, now - 1);
  assert.equal(cache.get('42'), value('t3'), 'a token stored after the refused request started is kept');
  cache.forget(42, now);
  assert.equal(cache.get('42'), undefined);
  cache.set('9', 'token-without-expiry');
  assert.equal(cache.get('9'), undefined);
});

test('while GitHub says a limit lasts, every request under it is handed back without being sent', async () => {
  let now = 1_000_000;
  const hold = new RateLimitHold('installation/1', undefined, () => now);
  let sent = 0;
  const limited = async (): Promise<never> => {
    sent++;
    throw err(403, { 'retry-after': '30' }, 'You have exceeded a secondary rate limit');
  };
  await assert.rejects(hold.run(limited), (e: unknown) => e instanceof RetryAfter && e.delayMs === 30_000);
  now += 10_000;
  await assert.rejects(hold.run(async () => sent++), (e: unknown) => e instanceof RetryAfter && e.delayMs === 20_000);
  assert.equal(sent, 1, 'nothing sent while limited');
  now += 20_000;
  assert.equal(await hold.run(async () => 'ok'), 'ok');
  await assert.rejects(hold.run(async () => Promise.reject(new Error('boom'))), /boom/, 'other errors pass through');
});

test('a limit one replica learned holds the other replica too (through the shared store)', async () => {
  let now = 5_000_000;
  const store = new Map<string, number>();
  const shared = { until: async (s: string) => store.get(s) ?? 0, record: async (s: string, u: number) => void store.set(s, Math.max(store.get(s) ?? 0, u)) };
  const a = new RateLimitHold('installation/7', shared, () => now);
  const b = new RateLimitHold('installation/7', shared, () => now);
  const other = new RateLimitHold('installation/8', shared, () => now);
  await assert.rejects(a.run(async () => Promise.reject(err(429, { 'retry-after': '10' }))), RetryAfter);
  let sent = 0;
  await assert.rejects(b.run(async () => sent++), (e: unknown) => e instanceof RetryAfter && e.delayMs === 10_000);
  assert.equal(sent, 0);
  assert.equal(await other.run(async () => 'free'), 'free', 'another installation is not limited');
  now += 10_000;
  assert.equal(await b.run(async () => 'ok'), 'ok');
});

test('answers retrying cannot change end the message at once; outages and waits do not', () => {
  assert.throws(() => permanentAsTerminal(err(403, {}, 'Resource not accessible by integration')), (e: unknown) => e instanceof TerminalError && /403: Resource not accessible/.test(e.message));
  assert.throws(() => permanentAsTerminal(err(422, {}, 'Validation Failed')), TerminalError);
  assert.throws(() => permanentAsTerminal(err(502, {})), (e: unknown) => !(e instanceof TerminalError));
  assert.throws(() => permanentAsTerminal(new RetryAfter(1000, 'x')), RetryAfter);
});
