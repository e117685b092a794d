import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { requireEnv, uniqueBus } from '../support/env.js';
import { postWebhook, sign } from '../support/github.js';
import { startService, type RunningService } from '../support/services.js';

const SECRET = 'test-secret-for-limits';
const HEADERS_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 2500;
const MAX_CONNECTIONS = 5;
const fixture = readFileSync(new URL('../fixtures/issues-labeled.json', import.meta.url));

interface Outcome {
  /** Milliseconds from connect until the server closed the connection. */
  readonly ms: number;
  /** Everything the server sent before closing. */
  readonly data: string;
}

/** A raw client: connects, hands the socket to `drive` once connected, resolves when the server closes it. */
function rawClient(port: number, drive: (s: Socket) => void = () => undefined): Promise<Outcome> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const s = connect(port, '127.0.0.1');
    let data = '';
    s.on('data', (d: Buffer) => (data += d.toString('latin1')));
    s.on('error', () => undefined); // a reset is a close too
    s.on('close', () => resolve({ ms: Date.now() - t0, data }));
    s.once('connect', () => drive(s));
  });
}

/** Writes `text` one slice at a time every `everyMs`, until done or the socket is gone. */
function dribble(s: Socket, text: Buffer, everyMs: number): void {
  let i = 0;
  const t = setInterval(() => {
    if (s.destroyed || i >= text.length) return clearInterval(t);
    s.write(text.subarray(i, ++i));
  }, everyMs);
}

const requestHead = (port: number, contentLength: number): string =>
  [
    'POST /api/v1/webhooks/github HTTP/1.1',
    `Host: 127.0.0.1:${port}`,
    'Content-Type: application/json',
    'User-Agent: GitHub-Hookshot/slowloris',
    `X-GitHub-Delivery: ${randomUUID()}`,
    'X-GitHub-Event: issues',
    `X-Hub-Signature-256: ${sign(SECRET, fixture)}`,
    `Content-Length: ${contentLength}`,
    '',
    '',
  ].join('\r\n');

const is2xx = (o: Outcome): boolean => /^HTTP\/1\.[01] 2\d\d/.test(o.data);

describe('webhook-ingress edge limits against the real process', () => {
  let tdb: TestDatabase;
  let ingress: RunningService;
  let audit: RunningService;
  let port: number;
  const bus = uniqueBus();

  before(async () => {
    tdb = await freshDatabase();
    const env = { ...bus, NATS_URL: requireEnv('NATS_URL'), DATABASE_URL: tdb.url };
    // audit-writer owns the stream the ingress publishes to; the ingress is not ready until it exists.
    [ingress, audit] = await Promise.all([
      startService(
        'webhook-ingress',
        {
          ...env,
          CODEXK8S_GITHUB_WEBHOOK_SECRET: SECRET,
          CODEXK8S_WEBHOOK_MAX_CONNECTIONS: String(MAX_CONNECTIONS),
          CODEXK8S_WEBHOOK_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
          CODEXK8S_WEBHOOK_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
          CODEXK8S_WEBHOOK_KEEP_ALIVE_TIMEOUT_MS: '1000',
        },
        { http: true },
      ),
      startService('audit-writer', env),
    ]);
    port = ingress.httpPort ?? 0;
  });
  after(async () => {
    await Promise.all([ingress?.stop(), audit?.stop()]);
    await tdb?.drop();
  });

  test('a slowloris sending its headers a byte at a time is disconnected at the header timeout, never accepted', async () => {
    const o = await rawClient(port, (s) => dribble(s, Buffer.from(requestHead(port, fixture.length) + fixture.toString('latin1'), 'latin1'), 50));
    assert.ok(!is2xx(o), `a slow client got ${o.data.slice(0, 40)}`);
    assert.match(o.data, /^HTTP\/1\.1 408 /, 'answered with Request Timeout');
    assert.ok(o.ms < 3 * HEADERS_TIMEOUT_MS, `held for ${o.ms} ms with a ${HEADERS_TIMEOUT_MS} ms header timeout`);
  });

  test('a client that sends its headers and then dribbles the body is cut off by the request timeout', async () => {
    const o = await rawClient(port, (s) => {
      s.write(requestHead(port, fixture.length));
      dribble(s, fixture, 50);
    });
    assert.ok(!is2xx(o), `a slow body got ${o.data.slice(0, 40)}`);
    assert.match(o.data, /^HTTP\/1\.1 408 /);
    // Complete headers stop the header clock; the whole-request clock is what ends it.
    assert.ok(o.ms > HEADERS_TIMEOUT_MS, `closed after ${o.ms} ms: before the header timeout, so not by the request timeout`);
    assert.ok(o.ms < 3 * REQUEST_TIMEOUT_MS, `held for ${o.ms} ms with a ${REQUEST_TIMEOUT_MS} ms request timeout`);
  });

  test('connections over the cap are closed at once; after the idle ones are gone a delivery gets 202', async () => {
    const extra = 4;
    const sockets: Socket[] = [];
    const outcomes = await Promise.all(
      Array.from({ length: MAX_CONNECTIONS + extra }, (_, i) =>
        // Spaced a little so the server has counted the earlier ones when the later ones arrive.
        new Promise<void>((r) => setTimeout(r, i * 20)).then(() => rawClient(port, (s) => void sockets.push(s))),
      ),
    );
    try {
      const dropped = outcomes.filter((o) => o.data === '');
      const timedOut = outcomes.filter((o) => /^HTTP\/1\.1 408 /.test(o.data));
      assert.ok(!outcomes.some(is2xx));
      // Other keep-alive connections of this process may hold a slot too, so at least `extra` are dropped.
      assert.ok(dropped.length >= extra, `only ${dropped.length} of ${outcomes.length} connections were refused`);
      assert.ok(dropped.every((o) => o.ms < HEADERS_TIMEOUT_MS), `refused connections were held: ${dropped.map((o) => o.ms).join(', ')} ms`);
      assert.equal(dropped.length + timedOut.length, outcomes.length, 'the ones admitted end at the header timeout');
      assert.ok(outcomes.every((o) => o.ms < 3 * HEADERS_TIMEOUT_MS), `held: ${outcomes.map((o) => o.ms).join(', ')} ms`);
    } finally {
      for (const s of sockets) s.destroy();
    }
    const res = await postWebhook(`http://127.0.0.1:${port}`, { body: fixture, secret: SECRET });
    assert.equal(res.status, 202, JSON.stringify(res.body));
  });

  test('the probes have their own listener, so a webhook listener full of idle clients does not fail liveness', async () => {
    const idle = Array.from({ length: MAX_CONNECTIONS + 2 }, () => rawClient(port));
    await new Promise((r) => setTimeout(r, 200));
    const live = await fetch(`http://127.0.0.1:${ingress.healthPort}/livez`);
    const ready = await fetch(`http://127.0.0.1:${ingress.healthPort}/readyz`);
    assert.equal(live.status, 200);
    assert.equal(ready.status, 200);
    await Promise.all(idle);
  });
});
