import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '@codex-k8s/runtime';
import { readConfig } from './config.js';

const minimal = { DATABASE_URL: 'postgres://u:p@127.0.0.1/db', CODEXK8S_GITHUB_WEBHOOK_SECRET: 's3cr3t-value' };

test('defaults fill everything but the database and the secret', () => {
  const c = readConfig(minimal);
  assert.equal(c.CODEXK8S_WEBHOOK_MAX_BODY_BYTES, 1024 * 1024);
  assert.equal(c.HTTP_PORT, 8080);
  assert.equal(c.BUS_STREAM, 'PLATFORM');
  assert.equal(c.BUS_SUBJECT_ROOT, 'platform');
  assert.ok(Object.isFrozen(c));
});

test('every bad variable is named, and no value is echoed', () => {
  const env = { ...minimal, HTTP_PORT: '70000', BUS_SUBJECT_ROOT: 'a.b', CODEXK8S_WEBHOOK_MAX_BODY_BYTES: '-1', CODEXK8S_GITHUB_WEBHOOK_SECRET: '' };
  assert.throws(
    () => readConfig(env),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      for (const name of ['HTTP_PORT', 'BUS_SUBJECT_ROOT', 'CODEXK8S_WEBHOOK_MAX_BODY_BYTES', 'CODEXK8S_GITHUB_WEBHOOK_SECRET']) assert.match(err.message, new RegExp(name));
      assert.doesNotMatch(err.message, /s3cr3t|postgres:\/\//);
      return true;
    },
  );
});

test('edge limits: defaults, bounds, and headers within the request timeout', () => {
  const c = readConfig(minimal);
  assert.equal(c.CODEXK8S_WEBHOOK_MAX_CONNECTIONS, 256);
  assert.equal(c.CODEXK8S_WEBHOOK_HEADERS_TIMEOUT_MS, 5000);
  assert.equal(c.CODEXK8S_WEBHOOK_REQUEST_TIMEOUT_MS, 10_000, 'GitHub waits 10 s for an answer');
  assert.equal(c.CODEXK8S_WEBHOOK_KEEP_ALIVE_TIMEOUT_MS, 5000);
  const set = readConfig({ ...minimal, CODEXK8S_WEBHOOK_MAX_CONNECTIONS: '5', CODEXK8S_WEBHOOK_HEADERS_TIMEOUT_MS: '1000', CODEXK8S_WEBHOOK_REQUEST_TIMEOUT_MS: '1000' });
  assert.equal(set.CODEXK8S_WEBHOOK_MAX_CONNECTIONS, 5);
  assert.equal(set.CODEXK8S_WEBHOOK_HEADERS_TIMEOUT_MS, 1000);
  const bad = { CODEXK8S_WEBHOOK_MAX_CONNECTIONS: '0', CODEXK8S_WEBHOOK_HEADERS_TIMEOUT_MS: '10', CODEXK8S_WEBHOOK_REQUEST_TIMEOUT_MS: '600000', CODEXK8S_WEBHOOK_KEEP_ALIVE_TIMEOUT_MS: '1.5' };
  assert.throws(
    () => readConfig({ ...minimal, ...bad }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      for (const name of Object.keys(bad)) assert.match(err.message, new RegExp(name));
      return true;
    },
  );
  assert.throws(
    () => readConfig({ ...minimal, CODEXK8S_WEBHOOK_HEADERS_TIMEOUT_MS: '8000', CODEXK8S_WEBHOOK_REQUEST_TIMEOUT_MS: '4000' }),
    /CODEXK8S_WEBHOOK_HEADERS_TIMEOUT_MS: must not exceed CODEXK8S_WEBHOOK_REQUEST_TIMEOUT_MS/,
  );
});
