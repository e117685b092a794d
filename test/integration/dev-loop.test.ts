import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { rmSync } from 'node:fs';
import { REPO_ROOT, readState, stackDir } from '@codex-k8s/stack';
import { requireEnv, uniqueBus, uniqueSuffix } from '../support/env.js';

// The first README command, on the servers of this test run: every service starts, the signed sample
// webhook is accepted, its flow event is printed, and everything the command started is stopped again.
test('npm run dev -- --once drives the signed sample webhook into flow_events and stops cleanly', async (t) => {
  const name = `test-dev-${uniqueSuffix()}`;
  const env = {
    ...process.env,
    ...uniqueBus(),
    DATABASE_URL: requireEnv('DATABASE_URL'),
    NATS_URL: requireEnv('NATS_URL'),
    KUBECONFIG: requireEnv('KUBECONFIG'),
    CODEXK8S_GITHUB_WEBHOOK_SECRET: `dev-${uniqueSuffix()}`,
  };
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(REPO_ROOT, 'scripts', 'dev.ts'), '--once', '--name', name, '--settle-ms', '1500'], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  t.after(() => rmSync(stackDir(name), { recursive: true, force: true }));
  assert.equal(code, 0, out);
  const delivery = /as delivery ([0-9a-f-]{36}): HTTP 202/.exec(out)?.[1];
  assert.ok(delivery, `the sample was accepted:\n${out}`);
  assert.match(out, new RegExp(`webhook\\.received\\s+webhook-ingress\\s+delivery/${delivery}`));
  // The sample is a run:dev label on a bound repository: the whole run is printed, cleanup included.
  for (const [type, by] of [['run.created', 'planner'], ['run.namespace.prepared', 'namespace-provisioner'], ['run.started', 'agent-launcher'], ['run.succeeded', 'agent-launcher'], ['run.namespace.cleaned', 'namespace-provisioner']]) {
    assert.match(out, new RegExp(`${type.replace(/\./g, '\\.')}\\s+${by}\\s+run/[0-9a-f-]{36}\\s+\\[${delivery}\\]`), `${type} printed`);
  }
  // No GitHub credentials here: github-reporter runs dry and the comment it would post on the issue is printed.
  assert.match(out, new RegExp(`run\\.status\\.comment\\.upserted\\s+github-reporter\\s+run/[0-9a-f-]{36}\\s+\\[${delivery}\\]`));
  assert.match(out, /dry run \(no GitHub App configured\): would post \(phase cleaned_up\):\n\s+│ <!-- codex-k8s:run-status:[0-9a-f-]{36} -->\n\s+│ ### ✅ Run succeeded in/);
  assert.match(out, /│ - ✅ Namespace deleted/);
  for (const svc of ['audit-writer', 'planner', 'namespace-provisioner', 'deployer', 'tls-watcher', 'agent-launcher', 'github-reporter', 'webhook-ingress']) {
    assert.match(out, new RegExp(`^   ${svc}\\s+health :\\d+`, 'm'), `${svc} started`);
  }
  assert.ok(!out.includes(env.CODEXK8S_GITHUB_WEBHOOK_SECRET), 'the secret is never printed');
  assert.equal(readState(name), undefined, 'the stack state is gone after the run');
});
