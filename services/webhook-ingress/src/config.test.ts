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
