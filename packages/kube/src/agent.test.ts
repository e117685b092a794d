import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { test } from 'node:test';
import { AgentPool, PooledKubeConfig } from './agent.js';

test('agents with the same connection settings share one keep-alive agent; other settings get their own', () => {
  const pool = new AgentPool();
  const a = pool.reuse(new https.Agent({ ca: 'CA', cert: 'C1', key: 'K1' }));
  const b = pool.reuse(new https.Agent({ ca: 'CA', cert: 'C1', key: 'K1', timeout: 5 }));
  const c = pool.reuse(new https.Agent({ ca: 'CA', cert: 'C2', key: 'K2' }));
  assert.equal(a, b);
  assert.notEqual(a, c, 'rotated client credentials get a new pool');
  assert.equal((a as https.Agent & { keepAlive: boolean }).keepAlive, true);
  assert.equal((a as https.Agent).options.cert, 'C1', 'the TLS material is kept');
  assert.ok(pool.reuse(new http.Agent({})) instanceof http.Agent);
  pool.destroy();
});

test('proxy agents (subclasses) and no agent pass through unchanged', () => {
  class ProxyAgent extends https.Agent {}
  const pool = new AgentPool();
  const proxy = new ProxyAgent({});
  assert.equal(pool.reuse(proxy), proxy);
  assert.equal(pool.reuse(undefined), undefined);
});

test('at most eight pools are kept; the oldest is closed', () => {
  const pool = new AgentPool();
  const first = pool.reuse(new https.Agent({ cert: 'c0' })) as https.Agent;
  let destroyed = false;
  const destroy = first.destroy.bind(first);
  first.destroy = () => {
    destroyed = true;
    destroy();
  };
  for (let i = 1; i <= 8; i++) pool.reuse(new https.Agent({ cert: `c${i}` }));
  assert.ok(destroyed);
  assert.notEqual(pool.reuse(new https.Agent({ cert: 'c0' })), first, 'an evicted pool is made again when needed');
  pool.destroy();
});

test('a PooledKubeConfig gives every call to one cluster the same agent', async () => {
  const kc = new PooledKubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', caData: Buffer.from('CA').toString('base64') }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const one: { agent?: unknown } = {};
  const two: { agent?: unknown } = {};
  await kc.applyToHTTPSOptions(one as never);
  await kc.applyToHTTPSOptions(two as never);
  assert.ok(one.agent instanceof https.Agent);
  assert.equal(one.agent, two.agent);
  kc.agents.destroy();
});
