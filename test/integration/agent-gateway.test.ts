import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { listFlowEvents } from '@codex-k8s/db';
import { REPO_ROOT, cacheDir } from '@codex-k8s/stack';
import { sql } from 'kysely';
import { agentRequest, agentRun, endRun, type AgentRun } from '../support/agent.js';
import { eventually } from '../support/github.js';
import { startPlatform, type Platform } from '../support/platform.js';
import { purgeOnce } from '../../services/agent-gateway/src/purge.js';

// agent-gateway against the real Postgres and NATS of the shared stack, with audit-writer recording its events.
// Runs and tokens are made as agent-launcher makes them; the agent's side is plain HTTP, as any agent would send it.
const LIMITS = {
  CODEXK8S_AGENT_LOG_CHUNK_MAX_BYTES: '2048',
  CODEXK8S_AGENT_LOG_MAX_BYTES_PER_RUN: String(1024 * 1024),
  CODEXK8S_AGENT_ARTIFACT_MAX_BYTES: '4096',
  CODEXK8S_AGENT_ARTIFACT_MAX_BYTES_PER_RUN: '6000',
  CODEXK8S_AGENT_RATE_PER_SECOND: '1',
  CODEXK8S_AGENT_RATE_BURST: '40',
};

let p: Platform;
/** Every token this file issued: none may show up in a log. */
const issued: string[] = [];
const mint = async (projectId: string, opts: { ttlMs?: number } = {}): Promise<AgentRun> => {
  const run = await agentRun(p.tdb.db, projectId, opts);
  issued.push(run.token);
  return run;
};
let url: string;
before(async () => {
  p = await startPlatform({ services: ['audit-writer', 'agent-gateway'], env: LIMITS });
  url = p.gatewayUrl ?? '';
  assert.ok(url, 'the platform runs agent-gateway');
});
after(async () => p?.stop());

/** Every row the run has in the agent tables and flow_events: what a refused request must not change. */
async function footprint(run: AgentRun): Promise<string> {
  const count = async (table: 'agent_reports' | 'agent_log_chunks' | 'agent_artifacts'): Promise<number> =>
    Number((await p.tdb.db.selectFrom(table).select(sql<string>`count(*)`.as('n')).where('run_id', '=', run.runId).executeTakeFirstOrThrow()).n);
  const tok = await p.tdb.db.selectFrom('agent_tokens').select(['log_bytes', 'artifact_bytes']).where('run_id', '=', run.runId).executeTakeFirstOrThrow();
  const events = (await listFlowEvents(p.tdb.db, run.correlationId)).map((e) => e.event_id).sort();
  return JSON.stringify({ reports: await count('agent_reports'), logs: await count('agent_log_chunks'), artifacts: await count('agent_artifacts'), tok, events });
}

/** Waits until audit-writer recorded `n` events of the run (events are asynchronous to the answers). */
const recorded = (run: AgentRun, n: number) =>
  eventually(`${n} events of run ${run.runId}`, async () => {
    const rows = await listFlowEvents(p.tdb.db, run.correlationId);
    return rows.length >= n ? rows : undefined;
  }, 30_000);

describe('agent-gateway: what an agent reports is stored once and recorded as the agent', () => {
  test('phases, status lines, log chunks and artifacts; the same request twice is stored once', async () => {
    const run = await mint(p.projectId);
    const as = (path: Parameters<typeof agentRequest>[1]['path'], body: unknown) => agentRequest(url, { token: run.token, runId: run.runId, path, body });
    assert.equal((await as('reports', { type: 'started', message: 'hello' })).status, 201);
    assert.equal((await as('reports', { type: 'status', seq: 0, message: 'cloning' })).status, 201);
    const again = await as('reports', { type: 'status', seq: 0, message: 'cloning' });
    assert.deepEqual([again.status, again.body.duplicate], [200, true], 'a retried status line');
    for (const [seq, text] of ['line one\n', 'line two\n'].entries()) assert.equal((await as('logs', { seq, stream: 'stdout', text })).status, 201);
    assert.equal((await as('logs', { seq: 1, stream: 'stdout', text: 'line two\n' })).body.duplicate, true, 'a retried chunk');
    const report = Buffer.from('# Smoke\nall good\n');
    assert.equal((await as({ artifact: 'smoke.md' }, { kind: 'report', content_base64: report.toString('base64'), content_type: 'text/markdown; charset=utf-8' })).status, 201);
    assert.equal((await as({ artifact: 'smoke.md' }, { kind: 'report', content_base64: report.toString('base64'), content_type: 'text/markdown; charset=utf-8' })).body.duplicate, true);
    const pr = { kind: 'pull_request', url: 'https://github.example.test/codex-k8s/sample/pull/7', number: 7, branch: 'codex/issue-42', title: 'Fix the thing' };
    assert.equal((await as({ artifact: 'pull_request' }, pr)).status, 201);
    assert.equal((await as('reports', { type: 'finished', exit_code: 0, summary: 'did it' })).status, 201);
    assert.equal((await as('reports', { type: 'finished', exit_code: 0, summary: 'did it' })).status, 200);

    const rows = await recorded(run, 8);
    const types = rows.map((r) => r.event_type).sort();
    assert.deepEqual(types, ['run.agent.finished', 'run.agent.log_appended', 'run.agent.log_appended', 'run.agent.started', 'run.agent.status_reported', 'run.artifact.added', 'run.artifact.added', 'run.pr.created'].sort());
    for (const r of rows) assert.deepEqual([r.actor_type, r.actor_id], ['agent', `run/${run.runId}`], r.event_type);
    const stored = await p.tdb.db.selectFrom('agent_artifacts').select(['name', 'kind', 'content', 'size_bytes']).where('run_id', '=', run.runId).orderBy('name').execute();
    assert.deepEqual(stored.map((a) => [a.name, a.kind, a.size_bytes]), [['pull_request', 'pull_request', 0], ['smoke.md', 'report', report.length]]);
    assert.equal(stored[1]?.content?.toString('utf8'), report.toString('utf8'));
    const added = rows.find((r) => r.event_type === 'run.artifact.added' && (r.payload as { name: string }).name === 'smoke.md');
    assert.doesNotMatch(JSON.stringify(added?.payload), /all good|IyBTbW9rZQ/, 'no artifact content in an event');
    const chunks = await p.tdb.db.selectFrom('agent_log_chunks').select(['seq', 'text']).where('run_id', '=', run.runId).orderBy('seq').execute();
    assert.deepEqual(chunks, [{ seq: 0, text: 'line one\n' }, { seq: 1, text: 'line two\n' }]);
  });
});

describe('agent-gateway: every refusal has a status and a reason, and changes nothing', () => {
  test('tokens: none, malformed, unknown, another run\'s, revoked, expired; and a run that ended', async () => {
    const run = await mint(p.projectId);
    const other = await mint(p.projectId);
    const expired = await mint(p.projectId, { ttlMs: -1_000 });
    const ended = await mint(p.projectId);
    await endRun(p.tdb.db, ended.runId);
    await p.tdb.db.updateTable('agent_tokens').set({ revoked_at: null as never }).where('run_id', '=', ended.runId).execute();
    const revoked = await mint(p.projectId);
    await p.tdb.db.updateTable('agent_tokens').set({ revoked_at: new Date() }).where('run_id', '=', revoked.runId).execute();
    const before = await footprint(run);
    const started = { type: 'started' };
    const cases: [string, Parameters<typeof agentRequest>[1], number, RegExp][] = [
      ['no token', { runId: run.runId, path: 'reports', body: started }, 401, /missing or malformed bearer token/],
      ['malformed token', { token: 'not-a-token', runId: run.runId, path: 'reports', body: started }, 401, /missing or malformed/],
      ['unknown token', { token: 'A'.repeat(43), runId: run.runId, path: 'reports', body: started }, 401, /unknown token/],
      ["another run's token", { token: other.token, runId: run.runId, path: 'reports', body: started }, 403, /belongs to another run/],
      ['revoked token', { token: revoked.token, runId: revoked.runId, path: 'reports', body: started }, 401, /revoked/],
      ['expired token', { token: expired.token, runId: expired.runId, path: 'reports', body: started }, 401, /expired/],
      ['a run that ended', { token: ended.token, runId: ended.runId, path: 'reports', body: started }, 409, /run has ended \(succeeded\)/],
      ['malformed run id', { token: run.token, runId: 'nope', path: 'reports', body: started }, 400, /run_id/],
      ['unknown event type', { token: run.token, runId: run.runId, path: 'reports', body: { type: 'exploded' } }, 400, /^type: /],
      ['status without seq', { token: run.token, runId: run.runId, path: 'reports', body: { type: 'status', message: 'x' } }, 400, /seq: required/],
      ['unknown field', { token: run.token, runId: run.runId, path: 'reports', body: { type: 'started', admin: true } }, 400, /admin/],
      ['not JSON', { token: run.token, runId: run.runId, path: 'reports', body: null, raw: '{"type":' }, 400, /JSON/],
      ['oversized body', { token: run.token, runId: run.runId, path: 'reports', body: { type: 'started', message: 'x'.repeat(70_000) } }, 413, /too large/],
      ['oversized chunk', { token: run.token, runId: run.runId, path: 'logs', body: { seq: 0, stream: 'stdout', text: 'é'.repeat(1_500) } }, 413, /3000 bytes is over the limit of 2048/],
      ['NUL in a chunk', { token: run.token, runId: run.runId, path: 'logs', body: { seq: 0, stream: 'stdout', text: 'a\u0000b' } }, 400, /U\+0000/],
      ['oversized artifact', { token: run.token, runId: run.runId, path: { artifact: 'big.bin' }, body: { kind: 'file', content_base64: Buffer.alloc(5_000).toString('base64') } }, 413, /over the limit of 4096/],
      ['bad artifact name', { token: run.token, runId: run.runId, path: { artifact: '..secret' }, body: { kind: 'link', url: 'https://example.test/' } }, 400, /^name: /],
      ['pull request without number', { token: run.token, runId: run.runId, path: { artifact: 'pr' }, body: { kind: 'pull_request', url: 'https://example.test/pr', branch: 'b' } }, 400, /number: required/],
      ['a link that is not http', { token: run.token, runId: run.runId, path: { artifact: 'l' }, body: { kind: 'link', url: 'file:///etc/passwd' } }, 400, /^url: /],
    ];
    for (const [name, req, status, reason] of cases) {
      const res = await agentRequest(url, req);
      assert.equal(res.status, status, `${name}: ${JSON.stringify(res.body)}`);
      assert.match(res.body.error ?? '', reason, name);
    }
    // Give audit-writer the time to record anything that might have been published, then compare.
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(await footprint(run), before, 'no row and no event for any refusal');
    for (const r of [other, expired, ended, revoked]) assert.equal((await listFlowEvents(p.tdb.db, r.correlationId)).length, 0);
  });

  test('conflicts and quotas: another text under a used seq or name is a 409, a full quota a 413', async () => {
    const run = await mint(p.projectId);
    const as = (path: Parameters<typeof agentRequest>[1]['path'], body: unknown) => agentRequest(url, { token: run.token, runId: run.runId, path, body });
    assert.equal((await as('logs', { seq: 0, stream: 'stdout', text: 'first' })).status, 201);
    assert.equal((await as('reports', { type: 'finished', exit_code: 0 })).status, 201);
    assert.equal((await as({ artifact: 'a.bin' }, { kind: 'file', content_base64: Buffer.alloc(3_000, 1).toString('base64') })).status, 201);
    await recorded(run, 3);
    const before = await footprint(run);
    const chunk = await as('logs', { seq: 0, stream: 'stdout', text: 'second' });
    assert.deepEqual([chunk.status, chunk.body.error], [409, 'log chunk 0 was already stored with other text']);
    const fin = await as('reports', { type: 'finished', exit_code: 1 });
    assert.deepEqual([fin.status, fin.body.error], [409, 'finished was already reported with other values']);
    const same = await as({ artifact: 'a.bin' }, { kind: 'file', content_base64: Buffer.alloc(3_000, 2).toString('base64') });
    assert.equal(same.status, 409);
    const over = await as({ artifact: 'b.bin' }, { kind: 'file', content_base64: Buffer.alloc(3_500, 3).toString('base64') });
    assert.deepEqual([over.status, over.body.error], [413, "the run's artifacts are over their limit of 6000 bytes"]);
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(await footprint(run), before);
  });

  test('too many requests per second for one run: 429 with Retry-After, nothing stored; other runs unaffected', async () => {
    const run = await mint(p.projectId);
    const bystander = await mint(p.projectId);
    const t0 = Date.now();
    const answers = await Promise.all(Array.from({ length: 60 }, (_, seq) => agentRequest(url, { token: run.token, runId: run.runId, path: 'logs', body: { seq, stream: 'stdout', text: `${seq}\n` } })));
    // Burst 40, refilled at 1/s while the 60 are handled: at most 40 + one per second taken are accepted.
    const refill = Math.ceil((Date.now() - t0) / 1000);
    const limited = answers.filter((a) => a.status === 429);
    const accepted = answers.filter((a) => a.status === 201).length;
    assert.ok(accepted >= 40 && accepted <= 40 + refill, `accepted ${accepted} of 60 in ${refill} s`);
    assert.equal(limited.length, 60 - accepted, 'every other request was refused for the rate');
    assert.ok(Number(limited[0]?.headers.get('retry-after')) >= 1);
    assert.equal(limited[0]?.body.error, 'too many requests for this run');
    const stored = await p.tdb.db.selectFrom('agent_log_chunks').select('seq').where('run_id', '=', run.runId).execute();
    assert.equal(stored.length, answers.filter((a) => a.status === 201).length, 'only accepted chunks are stored');
    assert.equal((await agentRequest(url, { token: bystander.token, runId: bystander.runId, path: 'reports', body: { type: 'started' } })).status, 201, 'the limit is per run');
  });
});

/** The compiled reference runner as a process of this host, for `run`, running `command`. */
function startRunner(run: AgentRun, command: string): { process: ChildProcess; exited: Promise<number | null>; stderr: () => string } {
  const dir = mkdtempSync(join(tmpdir(), 'codex-runner-'));
  writeFileSync(join(dir, 'token'), `${run.token}\n`, { mode: 0o600 });
  const child = spawn(process.execPath, [join(REPO_ROOT, 'packages', 'agent-runner', 'dist', 'main.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      CODEXK8S_AGENT_GATEWAY_URL: url,
      CODEXK8S_AGENT_TOKEN_FILE: join(dir, 'token'),
      CODEXK8S_RUN_ID: run.runId,
      CODEXK8S_AGENT_COMMAND: command,
      CODEXK8S_ARTIFACTS_DIR: join(dir, 'artifacts'),
      CODEXK8S_AGENT_LOG_FLUSH_MS: '100',
      CODEXK8S_AGENT_TERM_GRACE_MS: '2000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, exited, stderr: () => stderr };
}

describe('the reference runner against the real gateway', () => {
  test('SIGTERM: the command is stopped (SIGKILL after the grace), the tail and the end are still reported, the exit code is the shell\'s', async () => {
    const run = await mint(p.projectId);
    // The command ignores SIGTERM, so the runner has to kill it after the grace period.
    const runner = startRunner(run, `trap '' TERM; echo "working"; echo "::codex-status:: busy"; sleep 30`);
    await eventually('the command running and reporting', async () => ((await p.tdb.db.selectFrom('agent_reports').select('seq').where('run_id', '=', run.runId).where('type', '=', 'status').execute()).length ? true : undefined), 20_000);
    const t0 = Date.now();
    runner.process.kill('SIGTERM');
    assert.equal(await runner.exited, 137, runner.stderr());
    assert.ok(Date.now() - t0 < 15_000, 'stopped within the grace period and the flush, not after the command\'s 30 s');
    assert.match(runner.stderr(), /stop requested: SIGTERM to the agent command, SIGKILL after 2000 ms/);
    const finished = await p.tdb.db.selectFrom('agent_reports').select(['exit_code']).where('run_id', '=', run.runId).where('type', '=', 'finished').executeTakeFirst();
    assert.equal(finished?.exit_code, 137, 'the end is reported with the exit code a shell would give');
    const log = (await p.tdb.db.selectFrom('agent_log_chunks').select('text').where('run_id', '=', run.runId).orderBy('seq').execute()).map((c) => c.text).join('');
    assert.match(log, /^working\n::codex-status:: busy\n$/, 'the tail was sent before the end');
  });

  test('agent-gateway killed while the runner streams: after its restart the log is complete, in order, each chunk once', async () => {
    const run = await mint(p.projectId);
    const lines = Array.from({ length: 60 }, (_, i) => `line ${i + 1} of the agent`);
    const command = `i=1; while [ $i -le 60 ]; do echo "line $i of the agent"; [ $i = 30 ] && echo "::codex-status:: half way"; i=$((i+1)); sleep 0.05; done; mkdir -p "$CODEXK8S_ARTIFACTS_DIR/reports"; echo done > "$CODEXK8S_ARTIFACTS_DIR/reports/r.md"`;
    const runner = startRunner(run, command);
    const exited = runner.exited;
    // Kill the gateway once some chunks are stored, while the command still prints.
    await eventually('first chunks stored', async () => ((await p.tdb.db.selectFrom('agent_log_chunks').select('seq').where('run_id', '=', run.runId).execute()).length >= 3 ? true : undefined), 20_000);
    await p.services.get('agent-gateway')?.kill();
    await new Promise((r) => setTimeout(r, 1_500));
    await p.restart('agent-gateway', 'stop');
    assert.equal(await exited, 0, runner.stderr());
    const chunks = await p.tdb.db.selectFrom('agent_log_chunks').select(['seq', 'stream', 'text']).where('run_id', '=', run.runId).orderBy('seq').execute();
    assert.deepEqual(chunks.map((c) => c.seq), chunks.map((_, i) => i), 'numbered without a gap');
    const text = chunks.filter((c) => c.stream === 'stdout').map((c) => c.text).join('');
    assert.deepEqual(text.split('\n').filter((l) => l.startsWith('line ')), lines, 'every line, in order, once');
    assert.match(runner.stderr(), /retrying|unreachable|ECONNREFUSED|fetch failed/, 'the runner did meet the outage');
    const rows = await eventually('the run\'s events', async () => {
      const r = await listFlowEvents(p.tdb.db, run.correlationId);
      return r.some((e) => e.event_type === 'run.agent.finished') && r.filter((e) => e.event_type === 'run.agent.log_appended').length === chunks.length ? r : undefined;
    }, 30_000);
    assert.equal(new Set(rows.map((r) => r.event_id)).size, rows.length);
    assert.deepEqual(rows.filter((r) => r.event_type === 'run.agent.status_reported').map((r) => (r.payload as { message: string }).message), ['half way']);
    const report = await p.tdb.db.selectFrom('agent_artifacts').select(['name', 'kind', 'content']).where('run_id', '=', run.runId).execute();
    assert.deepEqual(report.map((a) => [a.name, a.kind, a.content?.toString()]), [['reports__r.md', 'report', 'done\n']]);
  });
});

test('log retention: chunks older than the retention are deleted, newer ones kept', async () => {
  const run = await mint(p.projectId);
  for (const [seq, text] of ['old\n', 'new\n'].entries()) await agentRequest(url, { token: run.token, runId: run.runId, path: 'logs', body: { seq, stream: 'stdout', text } });
  await p.tdb.db.updateTable('agent_log_chunks').set({ received_at: sql`now() - interval '31 days'` as never }).where('run_id', '=', run.runId).where('seq', '=', 0).execute();
  const deleted = await purgeOnce(p.tdb.db, 30, new Date(), 1);
  assert.ok(deleted >= 1, 'batches repeat until a short one');
  const left = await p.tdb.db.selectFrom('agent_log_chunks').select(['seq', 'text']).where('run_id', '=', run.runId).execute();
  assert.deepEqual(left, [{ seq: 1, text: 'new\n' }]);
});

test('no token and no artifact content in the service logs', async () => {
  const secretText = 'TOP-SECRET-ARTIFACT-CONTENT-4711';
  const run = await mint(p.projectId);
  await agentRequest(url, { token: run.token, runId: run.runId, path: { artifact: 's.txt' }, body: { kind: 'file', content_base64: Buffer.from(secretText).toString('base64') } });
  await agentRequest(url, { token: run.token, runId: 'bad', path: 'reports', body: { type: 'started' } });
  await agentRequest(url, { token: run.token, runId: run.runId, path: 'reports', body: { type: 'nope', message: secretText } });
  await recorded(run, 1);
  assert.ok(issued.length > 5);
  // Every log this test process's services wrote, the gateway killed above included (test/support/services.ts names them).
  const dir = join(cacheDir(), 'test-logs');
  const files = readdirSync(dir).filter((f) => f.includes(`-${process.pid}-`));
  assert.ok(files.some((f) => f.startsWith('agent-gateway-')) && files.some((f) => f.startsWith('audit-writer-')), files.join(' '));
  assert.ok(files.filter((f) => f.startsWith('agent-gateway-')).length >= 2, 'both gateway processes');
  for (const f of files) {
    const log = readFileSync(join(dir, f), 'utf8');
    for (const t of issued) assert.ok(!log.includes(t), `${f} has a token`);
    assert.ok(!log.includes(secretText) && !log.includes(Buffer.from(secretText).toString('base64')), `${f} has artifact content`);
  }
  const gateway = readFileSync(join(dir, files.find((f) => f.startsWith('agent-gateway-')) ?? ''), 'utf8');
  assert.match(gateway, /agent request refused/, 'the logs read are the ones written (refusals are logged)');
});
