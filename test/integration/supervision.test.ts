import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { requireEnv, uniqueBus } from '../support/env.js';
import { eventually } from '../support/github.js';
import { startService, type RunningService } from '../support/services.js';

// The local stack supervises services as a Deployment would: a crash is restarted, a deliberate stop or kill is not.
let tdb: TestDatabase;
let svc: RunningService | undefined;
before(async () => {
  tdb = await freshDatabase();
});
after(async () => {
  await svc?.kill();
  await tdb?.drop();
});

const ready = async (port: number): Promise<boolean> => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok ?? false;

test('a service that dies unexpectedly is restarted on its port; kill() is final', async () => {
  svc = await startService('audit-writer', { ...uniqueBus(), NATS_URL: requireEnv('NATS_URL'), DATABASE_URL: tdb.url });
  const s = svc;
  const first = s.process.pid;
  process.kill(first ?? 0, 'SIGKILL'); // a crash: not through stop()/kill()
  await eventually('restarted and ready', async () => (s.restarts === 1 && s.process.pid !== first && (await ready(s.healthPort)) ? true : undefined), 30_000);

  const second = s.process.pid;
  await s.kill();
  await new Promise((r) => setTimeout(r, 2_500)); // longer than the first backoff steps
  assert.equal(s.restarts, 1, 'a deliberate kill is not undone');
  assert.equal(s.process.pid, second);
  assert.equal(await ready(s.healthPort), false);
});
