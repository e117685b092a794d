import assert from 'node:assert/strict';
import { test } from 'node:test';
import { artifactNameOf, artifactsOf, mediaTypeOf } from './artifacts.js';
import { backoffMs, retryAfterMs } from './backoff.js';
import { directiveOf, LineSplitter } from './directives.js';
import { LogShipper, sliceBytes, type Chunk } from './log-shipper.js';
import { exitCodeOfSignal, readRunnerConfig } from './runner.js';

const env = { CODEXK8S_AGENT_GATEWAY_URL: 'http://10.88.1.253:28080/', CODEXK8S_AGENT_TOKEN_FILE: '/t', CODEXK8S_RUN_ID: '0c6e0e5e-8a52-4c8e-9d0e-2f4b1f2a3b4c', CODEXK8S_AGENT_COMMAND: 'true' };

test('config: the four contract variables are required, numbers bounded', () => {
  const cfg = readRunnerConfig(env);
  assert.ok(!('errors' in cfg));
  assert.equal(cfg.gatewayUrl, 'http://10.88.1.253:28080');
  assert.deepEqual(readRunnerConfig({}), { errors: ['CODEXK8S_AGENT_GATEWAY_URL is not set', 'CODEXK8S_AGENT_TOKEN_FILE is not set', 'CODEXK8S_RUN_ID is not set', 'CODEXK8S_AGENT_COMMAND is not set'] });
  const bad = readRunnerConfig({ ...env, CODEXK8S_RUN_ID: 'x', CODEXK8S_AGENT_GATEWAY_URL: 'ftp://x', CODEXK8S_AGENT_LOG_FLUSH_MS: '5' });
  assert.deepEqual('errors' in bad ? bad.errors.sort() : [], ['CODEXK8S_AGENT_GATEWAY_URL is not an http(s) URL', 'CODEXK8S_RUN_ID is not a run id', 'flushMs is out of range'].sort());
});

test('exit codes of a signalled command follow the shell: 128 + the signal number', () => {
  assert.equal(exitCodeOfSignal(null, 3), 3);
  assert.equal(exitCodeOfSignal('SIGKILL', null), 137);
  assert.equal(exitCodeOfSignal('SIGTERM', null), 143);
});

test('backoff doubles to its cap with jitter; Retry-After in seconds is bounded', () => {
  assert.deepEqual([0, 1, 2, 10].map((a) => backoffMs(a, 10_000, () => 1)), [250, 500, 1_000, 10_000]);
  assert.equal(backoffMs(0, 10_000, () => 0), 200);
  assert.deepEqual(['3', '0', '99999', 'soon', null].map(retryAfterMs), [3_000, 1_000, 300_000, undefined, undefined]);
});

test('directives: status and ready lines, everything else is output', () => {
  assert.deepEqual(directiveOf('::codex-status:: running tests'), { type: 'status', message: 'running tests' });
  assert.deepEqual(directiveOf('::codex-ready::'), { type: 'ready', message: null });
  assert.deepEqual(directiveOf('::codex-ready:: slot up\r'), { type: 'ready', message: 'slot up' });
  assert.equal(directiveOf('::codex-status::'), undefined, 'an empty status line says nothing');
  assert.equal(directiveOf('echo ::codex-status:: x'), undefined, 'only at the start of a line');
  const s = new LineSplitter();
  assert.deepEqual(s.push('a\nb'), ['a']);
  assert.deepEqual(s.push('c\n'), ['bc']);
  assert.deepEqual(s.push('tail'), []);
  assert.deepEqual(s.end(), ['tail']);
});

test('artifacts by convention: reports, files, a pull request, links, the summary; odd names skipped', () => {
  const f = (path: string, text: string) => ({ path, content: Buffer.from(text) });
  const found = artifactsOf(
    [
      f('reports/smoke.md', '# ok'),
      f('out.bin', 'x'),
      f('pull_request.json', JSON.stringify({ url: 'https://g/pr/1', number: 1, branch: 'b', title: 'T' })),
      f('links.json', JSON.stringify([{ name: 'dash', url: 'https://d' }, { url: 'https://nameless' }])),
      f('summary.txt', 'all done'),
      f('.hidden', 'x'),
      f('big.txt', 'x'.repeat(11)),
      f('branch.json', '{'),
    ],
    10,
  );
  assert.deepEqual(found.uploads.map((u) => [u.name, u.body.kind]), [['reports__smoke.md', 'report'], ['out.bin', 'file'], ['pull_request', 'pull_request'], ['dash', 'link']]);
  assert.equal(found.uploads[0]?.body.content_type, 'text/markdown; charset=utf-8');
  assert.deepEqual(found.uploads[2]?.body, { kind: 'pull_request', url: 'https://g/pr/1', number: 1, branch: 'b', title: 'T' });
  assert.equal(found.summary, 'all done');
  assert.equal(found.skipped.length, 4, found.skipped.join('; '));
  assert.equal(artifactNameOf('a/b/c.txt'), 'a__b__c.txt');
  assert.equal(mediaTypeOf('x.JSON'), 'application/json');
});

test('a chunk is cut within its byte limit, never inside a character', () => {
  assert.equal(sliceBytes('héllo', 2), 'h');
  assert.equal(sliceBytes('héllo', 3), 'hé');
  assert.equal(sliceBytes('a😀', 3), 'a', 'never half a surrogate pair');
  assert.equal(sliceBytes('abc', 10), 'abc');
});

test('the log shipper sends numbered chunks in order, keeps what was not stored, and sends the tail on close', async () => {
  const sent: Chunk[] = [];
  let down = true;
  const shipper = new LogShipper({
    send: async (c) => {
      if (down) return { ok: false, status: 0, reason: 'ECONNREFUSED' };
      sent.push(c);
      return { ok: true, duplicate: false };
    },
    maxChunkBytes: 4,
    flushMs: 10_000,
    warn: () => undefined,
  });
  shipper.write('stdout', 'abcdef');
  shipper.write('stderr', 'E\u0000');
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(sent.length, 0);
  assert.ok(shipper.backlog >= 1, 'kept while the gateway is away');
  down = false;
  await shipper.close(Date.now() + 5_000);
  assert.deepEqual(sent.map((c) => [c.seq, c.stream, c.text]), [[0, 'stdout', 'abcd'], [1, 'stdout', 'ef'], [2, 'stderr', 'E\ufffd']]);
  assert.equal(shipper.backlog, 0);
});
