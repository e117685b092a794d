import assert from 'node:assert/strict';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { test } from 'node:test';
import { connectionsCheckingIntervalMs, createEdgeServer } from './edge-server.js';

test('the deadline sweep runs at a quarter of the header timeout, within 100 ms..1 s', () => {
  assert.equal(connectionsCheckingIntervalMs(1000), 250);
  assert.equal(connectionsCheckingIntervalMs(5000), 1000);
  assert.equal(connectionsCheckingIntervalMs(60_000), 1000);
  assert.equal(connectionsCheckingIntervalMs(100), 100);
});

test('the limits reach the Node server, and a header timeout above the request timeout is refused', () => {
  const s = createEdgeServer({ maxConnections: 7, headersTimeoutMs: 800, requestTimeoutMs: 900, keepAliveTimeoutMs: 600 }, () => undefined);
  assert.equal(s.maxConnections, 7);
  assert.equal(s.headersTimeout, 800);
  assert.equal(s.requestTimeout, 900);
  assert.equal(s.keepAliveTimeout, 600);
  assert.throws(() => createEdgeServer({ maxConnections: 1, headersTimeoutMs: 2000, requestTimeoutMs: 1000, keepAliveTimeoutMs: 1000 }, () => undefined), RangeError);
});

/** Resolves with how long the server took to close the socket and what it sent before. */
const closed = (s: Socket, t0: number): Promise<{ ms: number; data: string }> =>
  new Promise((resolve) => {
    let data = '';
    s.on('data', (d: Buffer) => (data += d.toString('latin1')));
    s.on('error', () => undefined);
    s.on('close', () => resolve({ ms: Date.now() - t0, data }));
  });

test('on loopback: a connection over the cap is closed at once, a silent one at its header deadline with 408', async () => {
  const server = createEdgeServer({ maxConnections: 1, headersTimeoutMs: 300, requestTimeoutMs: 300, keepAliveTimeoutMs: 300 }, (_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { port } = server.address() as AddressInfo;
    const t0 = Date.now();
    const silent = connect(port, '127.0.0.1');
    await new Promise((r) => silent.once('connect', r));
    const silentClosed = closed(silent, t0);
    await new Promise((r) => setTimeout(r, 50)); // let the server count the first connection
    const extra = await closed(connect(port, '127.0.0.1'), Date.now());
    assert.equal(extra.data, '', 'dropped without an answer');
    assert.ok(extra.ms < 250, `the extra connection was closed only after ${extra.ms} ms`);
    const first = await silentClosed;
    assert.match(first.data, /^HTTP\/1\.1 408 /);
    assert.ok(first.ms >= 250 && first.ms < 3000, `the silent connection was closed after ${first.ms} ms`);
  } finally {
    await new Promise((r) => server.close(r));
  }
});
