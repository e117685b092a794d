import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RUN_ENDED_EVENTS } from '@codex-k8s/flow';
import { freePort, serviceKubeconfigPath } from '@codex-k8s/stack';
import { parse, stringify } from 'yaml';
import { requireEnv } from '../support/env.js';
import { eventually } from '../support/github.js';
import { issuePayload, startPlatform, type Platform } from '../support/platform.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const TERMINAL = RUN_ENDED_EVENTS;
const RUNS = 8;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `codexk8s_run_finish_total` by outcome, from the service's /metrics. */
async function finishCounts(healthPort: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^codexk8s_run_finish_total\{outcome="([a-z_]+)"\} (\d+)$/gm)) out[m[1] ?? ''] = Number(m[2]);
  return out;
}

// agent-launcher's own Postgres connection is cut (held unanswered: pool connect timeouts; then dropped: connections
// terminated) while the Jobs of many runs finish and their watch events arrive. The service must not exit, and
// every run must end exactly once.
describe('agent-launcher under Postgres faults', () => {
  let p: Platform;
  let proxy: TcpProxy;

  before(async () => {
    p = await startPlatform();
    const db = new URL(requireEnv('DATABASE_URL'));
    proxy = await startTcpProxy({ host: db.hostname, port: Number(db.port) });
    const proxied = new URL(p.env.DATABASE_URL ?? '');
    proxied.port = String(proxy.port);
    await p.restart('agent-launcher', 'stop', { DATABASE_URL: proxied.toString() });
  });
  after(async () => {
    await p?.stop();
    await proxy?.close();
  });

  test('does not exit, and every run ends with one terminal event and one finish', async () => {
    const deliveries: string[] = [];
    for (let i = 0; i < RUNS; i++) deliveries.push(await p.deliver(issuePayload({ issueNumber: 500 + i })));
    await p.waitFor(deliveries[0] ?? '', ['run.started'], 60_000);
    // Jobs finish 2 s after they start: their watch events arrive while the database is unreachable.
    proxy.setMode('blackhole');
    await sleep(7_000);
    proxy.setMode('reset');
    await sleep(4_000);
    proxy.setMode('blackhole');
    await sleep(3_000);
    proxy.setMode('open');

    const launcher = p.services.get('agent-launcher');
    assert.ok(launcher);
    for (const d of deliveries) await p.waitFor(d, ['run.succeeded', 'run.namespace.cleaned'], 120_000);
    await sleep(3_000); // a second finish, if there were one, has happened by now
    assert.equal(launcher.process.exitCode, null, 'agent-launcher is still running');
    assert.equal(launcher.process.signalCode, null);
    assert.equal(launcher.restarts, 0, 'never crashed (the supervisor did not have to restart it)');

    for (const d of deliveries) {
      const types = (await p.timeline(d)).map((r) => r.event_type);
      assert.deepEqual(types.filter((t) => TERMINAL.includes(t)), ['run.succeeded'], `one terminal event for ${d}: ${types.join(', ')}`);
    }
    const runs = await p.tdb.db.selectFrom('agent_runs').select(['status', 'agent_logs_tail']).where('correlation_id', 'in', deliveries).execute();
    assert.equal(runs.length, RUNS);
    for (const r of runs) {
      assert.equal(r.status, 'succeeded');
      assert.ok(r.agent_logs_tail, 'the log tail was written');
    }
    const counts = await finishCounts(launcher.healthPort);
    console.log(`codexk8s_run_finish_total: ${JSON.stringify(counts)}`);
    assert.equal(counts.finished, RUNS, 'each run finished exactly once');
    const log = readFileSync(launcher.logFile, 'utf8');
    assert.match(log, /evaluation failed|resync failed|could not|timeout|terminated/i, 'the faults were really hit');
  });

  test('a finish claimed but never settled (crash between claim and publish) is settled by the resync, once', async () => {
    const before = await finishCounts(p.services.get('agent-launcher')?.healthPort ?? 0);
    const delivery = randomUUID();
    // The row as a launcher that crashed right after its claim leaves it: running, outcome recorded, no event.
    await p.tdb.db
      .insertInto('agent_runs')
      .values({
        correlation_id: delivery,
        project_id: p.projectId,
        runtime_mode: 'code-only',
        repository_full_name: 'acme/shop',
        issue_number: 700,
        run_payload: '{}',
        status: 'running',
        job_name: 'codex-k8s-run-crashed',
        job_namespace: 'codex-k8s-system',
        outcome: JSON.stringify({ event_type: 'run.succeeded', reason: null, error: null }),
        updated_at: new Date(Date.now() - 120_000),
      })
      .execute();
    const rows = await p.waitFor(delivery, ['run.succeeded'], 30_000);
    assert.equal(rows.filter((r) => TERMINAL.includes(r.event_type)).length, 1);
    const run = await eventually('run row succeeded', async () => {
      const r = await p.tdb.db.selectFrom('agent_runs').select(['status', 'agent_logs_tail']).where('correlation_id', '=', delivery).executeTakeFirst();
      return r?.status === 'succeeded' ? r : undefined;
    });
    assert.match(run.agent_logs_tail ?? '', /logs unavailable/);
    await sleep(2_000);
    const counts = await finishCounts(p.services.get('agent-launcher')?.healthPort ?? 0);
    assert.equal((counts.recovered ?? 0) - (before.recovered ?? 0), 1, 'settled once');
    assert.equal(counts.finished, before.finished, 'not claimed a second time');
  });
});

// The apiserver unreachable for longer than the redelivery schedule: the last delivery ends the run instead of
// leaving it pending for ever.
describe('agent-launcher: a launch still failing on the last delivery', () => {
  let p: Platform;
  before(async () => {
    p = await startPlatform();
    const dead = await freePort();
    const own = parse(readFileSync(serviceKubeconfigPath(requireEnv('CODEXK8S_SERVICE_KUBECONFIG_DIR'), 'agent-launcher'), 'utf8')) as { clusters: { cluster: { server: string } }[] };
    for (const c of own.clusters) c.cluster.server = `https://127.0.0.1:${dead}`;
    const file = join(mkdtempSync(join(tmpdir(), 'codex-k8s-dead-')), 'agent-launcher.kubeconfig');
    writeFileSync(file, stringify(own), { mode: 0o600 });
    await p.restart('agent-launcher', 'stop', { KUBECONFIG: file, BUS_MAX_DELIVER: '2' });
  });
  after(async () => p?.stop());

  test('ends the run with run.failed.launch_error (job_create_failed) and cleans up', async () => {
    const delivery = await p.deliver(issuePayload({ issueNumber: 600 }));
    const rows = await p.waitFor(delivery, ['run.failed.launch_error', 'run.namespace.cleaned'], 60_000);
    const err = rows.find((r) => r.event_type === 'run.failed.launch_error')?.payload as { reason: string; error: string };
    assert.equal(err.reason, 'job_create_failed');
    assert.ok(err.error.length > 0);
    assert.equal(rows.filter((r) => TERMINAL.includes(r.event_type)).length, 1);
    const run = await eventually('run row failed', async () => {
      const r = await p.tdb.db.selectFrom('agent_runs').select(['status']).where('correlation_id', '=', delivery).executeTakeFirst();
      return r?.status === 'failed' ? r : undefined;
    });
    assert.equal(run.status, 'failed');
  });
});
