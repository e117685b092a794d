import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runEndedEventId } from '@codex-k8s/contracts';
import type { Bus } from '@codex-k8s/bus';
import type { Db } from '@codex-k8s/db';
import { endRunWithLaunchError } from './launch-error.js';

/** A bus that records what would be published. */
function recordingBus(): { bus: Pick<Bus, 'publish'>; sent: { type: string; input: unknown }[] } {
  const sent: { type: string; input: unknown }[] = [];
  const publish = async (def: { type: string }, input: unknown) => void sent.push({ type: def.type, input });
  return { bus: { publish } as unknown as Pick<Bus, 'publish'>, sent };
}

/** A query builder stand-in: records the chain of calls, every terminal call resolves to nothing. */
function recordingDb(): { db: Db; calls: string[] } {
  const calls: string[] = [];
  const chain: unknown = new Proxy(() => undefined, {
    get: (_t, prop) => (prop === 'then' ? undefined : (...args: unknown[]) => {
      calls.push(`${String(prop)}(${args.map((a) => (typeof a === 'object' ? JSON.stringify(a) : String(a))).join(', ')})`);
      return String(prop).startsWith('execute') ? Promise.resolve(undefined) : chain;
    }),
  });
  return { db: chain as Db, calls };
}

const run = { id: '7c9e6679-7425-40de-944b-e07fc1f90ae7', project_id: '3fa85f64-5717-4562-b3fc-2c963f66afa6', runtime_mode: 'full-env' as const, namespace: 'shop-dev-1' };

test('a launch error is published with the run\'s one end id, then the row is finished as failed with that outcome', async () => {
  const { bus, sent } = recordingBus();
  const { db, calls } = recordingDb();
  await endRunWithLaunchError({ db, bus }, run, { correlationId: 'd', causationId: 'e' }, { reason: 'runtime_deploy_failed', error: 'boom' });
  assert.deepEqual(sent, [
    {
      type: 'run.failed.launch_error',
      input: {
        id: runEndedEventId(run.id),
        correlationId: 'd',
        causationId: 'e',
        subject: `run/${run.id}`,
        data: { run_id: run.id, project_id: run.project_id, runtime_mode: 'full-env', namespace: 'shop-dev-1', reason: 'runtime_deploy_failed', error: 'boom' },
      },
    },
  ]);
  assert.equal(calls[0], 'updateTable(agent_runs)');
  assert.ok(calls.some((c) => c.startsWith('set(') && c.includes('"status":"failed"') && c.includes('run.failed.launch_error') && c.includes('runtime_deploy_failed')), calls.join('\n'));
});

test('when the publish fails the row is left alone (the cause is redelivered and ends it then)', async () => {
  const { db, calls } = recordingDb();
  const bus = { publish: () => Promise.reject(new Error('bus down')) } as never;
  await assert.rejects(endRunWithLaunchError({ db, bus }, run, { correlationId: 'd' }, { reason: 'job_create_failed', error: 'x' }), /bus down/);
  assert.deepEqual(calls, []);
});
