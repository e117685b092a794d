import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, createLogger } from '@codex-k8s/runtime';
import { readConfig, webUrlOf } from './config.js';

const KEY = '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----';
const base = { DATABASE_URL: 'postgres://x' };

test('no credentials: dry run; a token; an App from variables or from a credentials directory', () => {
  assert.equal(readConfig(base).auth.kind, 'dry_run');
  assert.deepEqual(readConfig({ ...base, CODEXK8S_GITHUB_TOKEN: 'ghp_x' }).auth, { kind: 'token', token: 'ghp_x' });
  assert.deepEqual(readConfig({ ...base, CODEXK8S_GITHUB_APP_ID: '12', CODEXK8S_GITHUB_APP_PRIVATE_KEY: KEY }).auth, { kind: 'app', appId: 12, privateKey: KEY });
  const dir = mkdtempSync(join(tmpdir(), 'gh-creds-'));
  writeFileSync(join(dir, 'app-id'), '34\n');
  writeFileSync(join(dir, 'private-key'), `${KEY}\n`);
  assert.deepEqual(readConfig({ ...base, CODEXK8S_GITHUB_CREDENTIALS_DIR: dir }).auth, { kind: 'app', appId: 34, privateKey: KEY });
  assert.equal(readConfig({ ...base, CODEXK8S_GITHUB_CREDENTIALS_DIR: join(dir, 'absent') }).auth.kind, 'dry_run', 'an absent (optional) Secret');
});

test('half an App, both kinds, or a key that is not PEM are refused without echoing the secret', () => {
  assert.throws(() => readConfig({ ...base, CODEXK8S_GITHUB_APP_ID: '12' }), ConfigError);
  assert.throws(() => readConfig({ ...base, CODEXK8S_GITHUB_APP_ID: '12', CODEXK8S_GITHUB_APP_PRIVATE_KEY: KEY, CODEXK8S_GITHUB_TOKEN: 't' }), /not both/);
  assert.throws(
    () => readConfig({ ...base, CODEXK8S_GITHUB_APP_ID: '12', CODEXK8S_GITHUB_APP_PRIVATE_KEY: 'hunter2-secret' }),
    (e: Error) => e instanceof ConfigError && !e.message.includes('hunter2'),
  );
  assert.throws(() => readConfig({ ...base, GITHUB_API_URL: 'ftp://x' }), ConfigError);
  assert.throws(() => readConfig({ ...base, GITHUB_API_URL: 'http://github.example.com/api/v3' }), /https/);
  assert.equal(readConfig({ ...base, GITHUB_API_URL: 'http://127.0.0.1:8080/' }).GITHUB_API_URL, 'http://127.0.0.1:8080');
  assert.throws(() => readConfig({ ...base, CODEXK8S_GITHUB_RETRY_BACKOFF_MS: '10,abc' }), ConfigError);
});

test('the config keeps no secret outside auth; the GitHub web root follows the API URL', () => {
  const c = readConfig({ ...base, CODEXK8S_GITHUB_TOKEN: 'ghp_secret' }) as unknown as Record<string, unknown>;
  assert.equal(c.CODEXK8S_GITHUB_TOKEN, undefined);
  assert.equal(webUrlOf('https://api.github.com'), 'https://github.com');
  assert.equal(webUrlOf('https://ghe.example.com/api/v3'), 'https://ghe.example.com');
  assert.equal(webUrlOf('https://api.octocorp.ghe.com'), 'https://octocorp.ghe.com');
});

test('the service logger never prints the GitHub credentials, even when handed the whole config', () => {
  const lines: string[] = [];
  const log = createLogger({ name: 'github-reporter', destination: { write: (l: string) => void lines.push(l) } });
  const config = readConfig({ ...base, CODEXK8S_GITHUB_APP_ID: '12', CODEXK8S_GITHUB_APP_PRIVATE_KEY: KEY });
  log.info({ config }, 'config');
  log.info({ auth: config.auth, token: 'ghs_secret_token' }, 'auth');
  const out = lines.join('');
  assert.ok(!out.includes('MIIB') && !out.includes('ghs_secret_token'), out);
  assert.match(out, /Redacted/);
});
