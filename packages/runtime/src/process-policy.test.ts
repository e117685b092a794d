import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { EXIT_UNHANDLED } from './process-policy.js';

const policy = fileURLToPath(new URL('./process-policy.ts', import.meta.url));
const logger = fileURLToPath(new URL('./logger.ts', import.meta.url));

function runWith(body: string): { status: number | null; stdout: string } {
  const script = `import { installProcessPolicy } from ${JSON.stringify(policy)};
import { createLogger } from ${JSON.stringify(logger)};
installProcessPolicy(createLogger({ name: 'policy-test' }));
${body}
setTimeout(() => console.log('still alive'), 500);`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout };
}

test('an unhandled rejection is logged with its error and ends the process non-zero', () => {
  const r = runWith(`void Promise.reject(new Error('db down'));`);
  assert.equal(r.status, EXIT_UNHANDLED);
  const line = JSON.parse(r.stdout.trim().split('\n')[0] ?? '{}') as { level: number; msg: string; err?: { message: string } };
  assert.equal(line.level, 60, 'fatal');
  assert.match(line.msg, /unhandled rejection/);
  assert.equal(line.err?.message, 'db down');
  assert.doesNotMatch(r.stdout, /still alive/);
});

test('an uncaught exception too', () => {
  const r = runWith(`setTimeout(() => { throw new Error('boom'); }, 10);`);
  assert.equal(r.status, EXIT_UNHANDLED);
  assert.match(r.stdout, /uncaught exception.*|boom/);
});

test('a handled rejection changes nothing', () => {
  const r = runWith(`Promise.reject(new Error('fine')).catch(() => undefined);`);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /still alive/);
});
