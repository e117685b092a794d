import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { deterministicId } from '@codex-k8s/contracts';
import { addMember, bindRepository, getRun, listLogChunks, upsertProject } from '@codex-k8s/db';
import { agentTokenSecretName, placementAnnotations } from '@codex-k8s/kube';
import { AGENT_GATEWAY_PORTS, cacheDir, ensureImages, imageRef, realNodeEnv, waitForDefaultServiceAccount } from '@codex-k8s/stack';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { agentRequest } from '../support/agent.js';
import { eventually } from '../support/github.js';
import { sampleProjectAs } from '../support/git.js';
import { seedSampleProject } from '../../scripts/dev/seed.js';
import { testNode, testStack } from '../support/stack.js';
import { adminKubeConfig, issuePayload, startPlatform, type Platform } from '../support/platform.js';

// The agent contract on real pods: the Job runs the reference runner from the agent image, which reports to
// agent-gateway on the real node's host address. One platform, three issues, three agents (CODEXK8S_ISSUE_NUMBER
// picks what the command does): the smoke agent in a real slot, an agent that waits while its token is copied into
// another namespace's pod, and an agent whose runner is killed mid-run.

const core = adminKubeConfig().makeApiClient(CoreV1Api);
const SLUG = 'agents';
const SLOT_NS = `${SLUG}-dev-1`;
const AGENT_IMAGE = imageRef('agent-runner');
const [SMOKE, WAIT, CRASH] = [4301, 4302, 4303];
// The crashing agent stores an artifact itself through the API (agents may), then kills its runner (`$PPID` of the
// `sh -c` the runner started): the container ends with 137 and no `finished` is ever reported.
const UPLOAD =
  "node -e \"const f=require('fs');fetch(process.env.CODEXK8S_AGENT_GATEWAY_URL+'/api/v1/runs/'+process.env.CODEXK8S_RUN_ID+'/artifacts/partial.txt'," +
  "{method:'PUT',headers:{authorization:'Bearer '+f.readFileSync(process.env.CODEXK8S_AGENT_TOKEN_FILE,'utf8').trim(),'content-type':'application/json'}," +
  "body:JSON.stringify({kind:'file',content_base64:Buffer.from('partial result').toString('base64')})}).then(r=>console.log('artifact upload',r.status))\"";
const COMMAND = [
  'case "$CODEXK8S_ISSUE_NUMBER" in',
  `  ${SMOKE}) exec codex-agent-smoke ;;`,
  `  ${WAIT}) echo "waiting for the test"; sleep 25; echo "done waiting" ;;`,
  `  ${CRASH}) echo "working on it"; ${UPLOAD}; echo "about to crash"; sleep 2; kill -9 $PPID; sleep 5 ;;`,
  'esac',
].join('\n');
/** The second repository, bound to a project without slots: its runs are plain full-env runs. */
const PLAIN_REPO = { id: 987654399, name: 'plain', full_name: 'acme/plain' };

ensureImages(testNode().socket, ['agent-runner', 'shop-api', 'shop-web', 'shop-postgres']);

/** A run:dev delivery for `issue`, of the slot repository or of the plain one. */
function payload(issue: number, repo?: typeof PLAIN_REPO): string {
  const p = JSON.parse(issuePayload({ label: 'run:dev', issueNumber: issue })) as { repository: Record<string, unknown> };
  if (repo) Object.assign(p.repository, repo);
  return JSON.stringify(p);
}

/** A pod on the real node in a namespace of its own, running `script` with Node; resolves with its log once done. */
async function nodeScriptPod(ns: string, name: string, script: string): Promise<string> {
  await core.createNamespacedPod({
    namespace: ns,
    body: {
      metadata: { name },
      spec: {
        restartPolicy: 'Never',
        securityContext: { runAsNonRoot: true, runAsUser: 65532 },
        containers: [{ name: 'c', image: AGENT_IMAGE, imagePullPolicy: 'Never', command: ['node', '-e', script] }],
      },
    },
  });
  await eventually(`pod ${ns}/${name} to finish`, async () => {
    const pod: V1Pod = await core.readNamespacedPod({ name, namespace: ns });
    return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed' ? pod : undefined;
  }, 90_000);
  return core.readNamespacedPodLog({ name, namespace: ns });
}

/** What a pod with a copied token gets from the gateway: one JSON line per run id tried. */
function copiedTokenScript(gateway: string, token: string, runIds: readonly string[]): string {
  return `(async () => { for (const id of ${JSON.stringify(runIds)}) {
    const r = await fetch(${JSON.stringify(gateway)} + '/api/v1/runs/' + id + '/reports', { method: 'POST',
      headers: { authorization: 'Bearer ' + ${JSON.stringify(token)}, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'status', seq: 900, message: 'from a copied token' }) });
    console.log(JSON.stringify({ id, status: r.status, body: await r.json() })); } })()`;
}

const answers = (log: string): { id: string; status: number; body: { error?: string } }[] =>
  log
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { id: string; status: number; body: { error?: string } });

/** Every run token this file saw (read from its Secret): none may show up in a service log. */
const tokens: string[] = [];

describe('the agent contract on real pods', () => {
  let p: Platform;
  const deliveries: Record<number, string> = {};
  const copyNs = `agent-copy-${randomUUID().slice(0, 8)}`;

  before(async () => {
    assert.ok(testStack().node?.proxy, 'the test stack runs a real node');
    const repo = sampleProjectAs(SLUG);
    p = await startPlatform({
      env: {
        ...realNodeEnv(),
        CODEXK8S_CLUSTER_ISSUER: 'codex-k8s-local-ca',
        CODEXK8S_WORKER_JOB_IMAGE: AGENT_IMAGE,
        CODEXK8S_WORKER_JOB_RUNNER: '/usr/local/bin/codex-agent-runner',
        CODEXK8S_WORKER_JOB_COMMAND: COMMAND,
      },
      services: ['audit-writer', 'planner', 'namespace-provisioner', 'deployer', 'tls-watcher', 'agent-launcher', 'agent-gateway', 'webhook-ingress'],
      before: async (db) => {
        await seedSampleProject(db, { slug: SLUG, name: 'Agents', slotsFrom: repo.url });
        const plain = await upsertProject(db, { id: deterministicId('project', 'plain-agents'), slug: 'plainagents', name: 'Plain', settings: {} });
        await bindRepository(db, { projectId: plain.id, externalId: PLAIN_REPO.id, owner: 'acme', name: PLAIN_REPO.name, cloneUrl: 'https://github.example.test/acme/plain.git' });
        await addMember(db, { projectId: plain.id, login: 'alice', role: 'admin' });
      },
    });
    const gw = new URL(p.gatewayUrl ?? 'http://x');
    assert.ok(gw.hostname === testStack().node?.network.hostAddress && Number(gw.port) >= AGENT_GATEWAY_PORTS.first && Number(gw.port) <= AGENT_GATEWAY_PORTS.last, `the gateway listens where the node's pods reach it: ${p.gatewayUrl}`);
    deliveries[SMOKE] = await p.deliver(payload(SMOKE));
    deliveries[CRASH] = await p.deliver(payload(CRASH, PLAIN_REPO));
    const tolerations = JSON.parse(realNodeEnv().CODEXK8S_WORKLOAD_TOLERATIONS) as [];
    await core.createNamespace({ body: { metadata: { name: copyNs, annotations: placementAnnotations({ nodeSelector: { 'codex-k8s.dev/node': 'real' }, tolerations }) } } });
    await waitForDefaultServiceAccount(testStack().kube?.kubeconfig ?? '', copyNs);
  });
  after(async () => {
    await p?.stop();
    for (const name of [SLOT_NS, copyNs]) await core.deleteNamespace({ name }).catch(() => undefined);
  });

  test('run:dev on the sample project: the smoke agent reports, stores a report read from the slot, the run succeeds; its log outlives the namespace and its token is refused', async () => {
    const rows = await p.waitFor(deliveries[SMOKE] ?? '', ['run.agent.started', 'run.agent.status_reported', 'run.artifact.added', 'run.agent.finished', 'run.succeeded'], 240_000);
    const runId = (rows.find((r) => r.event_type === 'run.succeeded')?.payload as { run_id: string }).run_id;
    const at = (t: string): number => rows.findIndex((r) => r.event_type === t);
    assert.ok(at('run.agent.token.issued') < at('run.started') && at('run.agent.finished') < at('run.agent.token.revoked') && at('run.agent.token.revoked') < at('run.succeeded'), rows.map((r) => r.event_type).join(', '));
    for (const r of rows.filter((x) => /^run\.(agent\.(started|ready|status_reported|finished|log_appended)|artifact\.added)$/.test(x.event_type))) {
      assert.deepEqual([r.actor_type, r.actor_id], ['agent', `run/${runId}`], r.event_type);
    }
    const statuses = rows.filter((r) => r.event_type === 'run.agent.status_reported').map((r) => (r.payload as { message: string }).message);
    assert.ok(statuses.some((s) => /^passed: items from Postgres \(HTTP 200, 3 items from database shop/.test(s)), statuses.join(' | '));
    const report = await p.tdb.db.selectFrom('agent_artifacts').selectAll().where('run_id', '=', runId).where('kind', '=', 'report').executeTakeFirstOrThrow();
    const text = report.content?.toString('utf8') ?? '';
    assert.match(text, /\| items from Postgres \| http:\/\/web\/api\/items \| passed \| HTTP 200, 3 items from database shop \|/, 'real content from the slot');
    assert.match(text, /2\/2 smoke checks passed against https:\/\/agents-1\.ai\.example\.test/);
    const finished = rows.find((r) => r.event_type === 'run.agent.finished')?.payload as { exit_code: number; summary: string };
    assert.deepEqual([finished.exit_code, finished.summary], [0, '2/2 smoke checks passed against https://agents-1.ai.example.test']);

    // The token, as the agent had it (its Secret is still in the slot namespace), is refused now that the run ended.
    const secret = await core.readNamespacedSecret({ name: agentTokenSecretName(runId), namespace: SLOT_NS });
    const token = Buffer.from(secret.data?.token ?? '', 'base64').toString('utf8');
    tokens.push(token);
    const refused = await agentRequest(p.gatewayUrl ?? '', { token, runId, path: 'reports', body: { type: 'status', seq: 99, message: 'late' } });
    assert.deepEqual([refused.status, refused.body.error], [401, 'token revoked (the run ended)']);

    // The log is stored and complete once the namespace and its pods are gone: every line the agent printed (the pod's
    // log, stored with the run) is in the streamed chunks, in order.
    await core.deleteNamespace({ name: SLOT_NS });
    await eventually('the slot namespace gone', async () => core.readNamespace({ name: SLOT_NS }).then(() => undefined, () => true), 120_000);
    const streamed = (await listLogChunks(p.tdb.db, runId)).map((c) => c.text).join('');
    const printed = ((await getRun(p.tdb.db, runId))?.agent_logs_tail ?? '').split('\n').filter((l) => l && !l.startsWith('[codex-agent-runner]'));
    assert.ok(printed.length >= 5, printed.join('\n'));
    assert.deepEqual(streamed.split('\n').filter(Boolean), printed);
  });

  test('a token copied into another namespace\'s pod acts only for its own run, and is refused once the run ended', async () => {
    // Delivered now: its agent waits 25 s, the time to copy its token and use it from another namespace.
    deliveries[WAIT] = await p.deliver(payload(WAIT, PLAIN_REPO));
    const rows = await p.waitFor(deliveries[WAIT] ?? '', ['run.agent.started'], 180_000);
    const run = rows.find((r) => r.event_type === 'run.agent.token.issued')?.payload as { run_id: string; secret_namespace: string; secret_name: string };
    const secret = await core.readNamespacedSecret({ name: run.secret_name, namespace: run.secret_namespace });
    const token = Buffer.from(secret.data?.token ?? '', 'base64').toString('utf8');
    tokens.push(token);
    const other = (await p.waitFor(deliveries[SMOKE] ?? '', ['run.started'], 240_000)).find((r) => r.event_type === 'run.started')?.payload as { run_id: string };
    const live = answers(await nodeScriptPod(copyNs, 'copied-live', copiedTokenScript(p.gatewayUrl ?? '', token, [run.run_id, other.run_id])));
    assert.deepEqual(live.map((a) => [a.id, a.status]), [[run.run_id, 201], [other.run_id, 403]], JSON.stringify(live));
    assert.equal(live[1]?.body.error, 'the token belongs to another run');
    const mine = await p.waitFor(deliveries[WAIT] ?? '', ['run.agent.status_reported']);
    assert.ok(mine.some((r) => r.event_type === 'run.agent.status_reported' && (r.payload as { message: string }).message === 'from a copied token'), 'it acted for its own run');
    assert.ok(!(await p.timeline(deliveries[SMOKE] ?? '')).some((r) => (r.payload as { message?: string }).message === 'from a copied token'), 'never for the other');

    await p.waitFor(deliveries[WAIT] ?? '', ['run.agent.token.revoked', 'run.succeeded'], 120_000);
    const ended = answers(await nodeScriptPod(copyNs, 'copied-ended', copiedTokenScript(p.gatewayUrl ?? '', token, [run.run_id])));
    assert.deepEqual(ended.map((a) => [a.status, a.body.error]), [[401, 'token revoked (the run ended)']]);
  });

  test('the runner killed mid-run: the run fails with the agent\'s last log lines and keeps the artifact it had sent', async () => {
    const rows = await p.waitFor(deliveries[CRASH] ?? '', ['run.failed'], 180_000);
    const failed = rows.find((r) => r.event_type === 'run.failed')?.payload as { run_id: string; reason: string; error: string; exit_code: number };
    assert.equal(failed.reason, 'kubernetes job failed');
    assert.equal(failed.exit_code, 137);
    assert.match(failed.error, /the agent never reported its end; last log lines:\n[\s\S]*working on it\n[\s\S]*artifact upload 201\nabout to crash/);
    assert.ok(!rows.some((r) => r.event_type === 'run.agent.finished'));
    const artifacts = await p.tdb.db.selectFrom('agent_artifacts').select(['name', 'kind', 'content']).where('run_id', '=', failed.run_id).execute();
    assert.deepEqual(artifacts.map((a) => [a.name, a.kind, a.content?.toString()]), [['partial.txt', 'file', 'partial result']]);
    assert.ok(rows.some((r) => r.event_type === 'run.agent.token.revoked'));
  });

  test('no run token in any service log (the launcher wrote them, the gateway checked them)', () => {
    assert.equal(tokens.length, 2);
    const dir = join(cacheDir(), 'test-logs');
    const files = readdirSync(dir).filter((f) => f.includes(`-${process.pid}-`));
    assert.ok(['agent-launcher-', 'agent-gateway-', 'audit-writer-'].every((s) => files.some((f) => f.startsWith(s))), files.join(' '));
    for (const f of files) {
      const log = readFileSync(join(dir, f), 'utf8');
      for (const t of tokens) assert.ok(!log.includes(t), `${f} has a run token`);
    }
  });
});
