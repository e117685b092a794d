import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDb, createLoginLink, getArtifact, listArtifacts, listLogChunks, migrateToLatest } from '@codex-k8s/db';
import { PLATFORM_SERVICES, REPO_ROOT, agentGatewayListener, freePort, postWebhook, stackEnv, startServiceProcess, startStack, stopStack, type ServiceProcess } from '@codex-k8s/stack';
import { buildUi } from './build-ui.js';
import { followFlowEvents } from './dev/follow.js';
import { devStaffSecret, devWebhookSecret } from './dev/secret.js';
import { ensurePlatformNamespace } from './dev/namespace.js';
import { bareRepoFrom } from './dev/git.js';
import { seedSampleProject } from './dev/seed.js';
import { realWorkloadEnv } from './dev/real-agent.js';
import { reportSlotPage } from './dev/slot-page.js';

// `npm run dev [-- --once] [-- --slots] [-- --no-replay] [-- --name <stack>] [-- --fixture <file>]`
// Starts the local stack and all the platform services, replays a signed sample webhook, and prints every flow event
// as it lands. Ctrl-C stops the services and the stack (data is kept; `npm run stack -- down --purge` drops it).
const { values: opts } = parseArgs({
  options: {
    once: { type: 'boolean', default: false },
    'no-replay': { type: 'boolean', default: false },
    name: { type: 'string', default: 'dev' },
    fixture: { type: 'string', default: 'test/fixtures/issues-labeled.json' },
    'settle-ms': { type: 'string', default: '5000' },
    slots: { type: 'boolean', default: false },
  },
});
const say = (line: string): void => console.log(line);
const running: ServiceProcess[] = [];
let shuttingDownAt = 0;

async function shutdown(code: number, db?: ReturnType<typeof createDb>, stop?: () => void): Promise<never | void> {
  // Ctrl-C reaches us twice (from the terminal's process group and forwarded by bootstrap): the repeat is
  // ignored; a deliberate second Ctrl-C a moment later forces the exit.
  if (shuttingDownAt) {
    if (Date.now() - shuttingDownAt > 2_000) process.exit(code);
    return;
  }
  shuttingDownAt = Date.now();
  stop?.();
  say('== stopping services');
  await Promise.all([...running].reverse().map((s) => s.stop()));
  await db?.destroy();
  say(`== stopping the stack "${opts.name}" (data kept)`);
  await stopStack(opts.name);
  process.exit(code);
}

say(`== starting the local stack "${opts.name}"`);
// The services run as compiled JavaScript (a fraction of tsx's memory); an incremental build is quick when current.
say('== building (tsc -b, the staff console UI)');
if (spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'tsc'), ['-b'], { cwd: REPO_ROOT, stdio: 'inherit' }).status !== 0) process.exit(1);
await buildUi(REPO_ROOT);
const stack = await startStack({ name: opts.name, log: (l) => say(`   ${l}`) });
const secret = devWebhookSecret(stack.dir);
const passthrough = Object.fromEntries(
  ['BUS_STREAM', 'BUS_SUBJECT_ROOT', 'LOG_LEVEL', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'CODEXK8S_PLATFORM_NAMESPACE', 'CODEXK8S_WORKER_RUN_NAMESPACE_PREFIX'].flatMap((k) => (process.env[k] ? [[k, process.env[k] as string]] : [])),
);
const consolePort = Number(process.env.CODEXK8S_STAFF_CONSOLE_PORT ?? 0) || (await freePort());
const env: Record<string, string> = {
  ...stackEnv(stack),
  ...passthrough,
  CODEXK8S_GITHUB_WEBHOOK_SECRET: secret.secret,
  // The staff console signs people in with one-time links printed below (in a cluster: oauth2-proxy).
  CODEXK8S_STAFF_SECRET: devStaffSecret(stack.dir),
  CODEXK8S_STAFF_LOGIN_LINKS: 'true',
  // github-reporter runs dry here (no GitHub credentials are passed): it prints the comments it would post.
  CODEXK8S_STAFF_CONSOLE_URL: `http://127.0.0.1:${consolePort}`,
  ...realWorkloadEnv(stack, { slots: opts.slots }, say),
};
// agent-gateway where the real node's pods reach it (the host end of the node's link, a port the pod firewall opens).
const gateway = await agentGatewayListener(env);
env.CODEXK8S_AGENT_GATEWAY_URL = gateway.url;
const db = createDb(env.DATABASE_URL ?? '', { applicationName: 'codex-k8s-dev' });
await migrateToLatest(db);
// --slots: the sample project (test/fixtures/sample-project) in a real local git repository, deployed into a slot.
const slotRepo = opts.slots ? bareRepoFrom('test/fixtures/sample-project') : undefined;
await seedSampleProject(db, slotRepo ? { slotsFrom: slotRepo.url } : {});
if (env.KUBECONFIG) await ensurePlatformNamespace(env.KUBECONFIG, env.CODEXK8S_PLATFORM_NAMESPACE ?? 'codex-k8s-system');

/** What the agent printed, as stored with the run (read from the pod through the apiserver before its namespace went). */
async function printAgentOutput(d: ReturnType<typeof createDb>, correlationId: string): Promise<void> {
  const run = await d.selectFrom('agent_runs').select(['id', 'status', 'agent_logs_tail']).where('correlation_id', '=', correlationId).executeTakeFirst();
  if (!run) return;
  say(`== agent output of run ${run.id} (${run.status}), stored with the run`);
  for (const line of (run.agent_logs_tail ?? '(none stored)').trimEnd().split('\n').slice(-40)) say(`   | ${line}`);
  const chunks = await listLogChunks(d, run.id);
  say(`== the log the agent streamed to agent-gateway: ${chunks.length} chunks, ${chunks.reduce((n, c) => n + c.bytes, 0)} bytes (kept after its namespace is gone)`);
  for (const a of await listArtifacts(d, run.id)) {
    say(`== artifact ${a.name} (${a.kind}, ${a.size_bytes} bytes${a.url ? `, ${a.url}` : ''})`);
    const full = a.kind === 'report' ? await getArtifact(d, run.id, a.name) : undefined;
    for (const line of (full?.content?.toString('utf8') ?? '').trimEnd().split('\n').slice(0, 30)) if (line) say(`   | ${line}`);
  }
}

let follower: Awaited<ReturnType<typeof followFlowEvents>> | undefined;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => void shutdown(130, db, follower?.stop).catch((err: unknown) => {
    console.error(`dev: shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }));

try {
  say('== starting services');
  for (const name of PLATFORM_SERVICES) {
    const logFile = join(stack.dir, 'logs', `${name}.log`);
    const svc = await startServiceProcess(name, {
      env: name === 'agent-gateway' ? { ...env, HTTP_HOST: gateway.host, HTTP_PORT: String(gateway.port) } : name === 'staff-console' ? { ...env, HTTP_HOST: '127.0.0.1', HTTP_PORT: String(consolePort) } : env,
      logFile,
      http: name === 'webhook-ingress',
      // Supervised as a Deployment would be: a crash is restarted with backoff, and said here.
      onRestart: (r) => say(`   ${r.name} exited (code ${r.code}, signal ${r.signal}); restarting in ${r.delayMs} ms`),
    });
    running.push(svc);
    const api = svc.httpPort ? `  http :${svc.httpPort}` : name === 'agent-gateway' ? `  agents ${gateway.url}` : name === 'staff-console' ? `  http :${consolePort}` : '';
    say(`   ${name.padEnd(22)} health :${svc.healthPort}${api}  log ${logFile}`);
  }
  const ingress = running.find((s) => s.name === 'webhook-ingress');
  const baseUrl = `http://127.0.0.1:${ingress?.httpPort ?? 0}`;
  say(`== webhook endpoint ${baseUrl}/api/v1/webhooks/github  (secret ${secret.file ? `in ${secret.file}` : 'from CODEXK8S_GITHUB_WEBHOOK_SECRET'})`);
  // One link, one sign-in, for the sample project's admin (a new one on every start).
  const link = await createLoginLink(db, 'alice', 600);
  say(`== staff console http://127.0.0.1:${consolePort}/login?t=${link}  (one-time login link for alice, valid 10 min)`);

  const delivery = randomUUID();
  follower = await followFlowEvents(db, (l) => say(`   ${l}`), opts.once ? { settleFor: { correlationId: delivery, settleMs: Number(opts['settle-ms']), timeoutMs: 600_000 } } : {});
  say('== flow events (time, type, emitted by, entity, correlation id)');
  if (!opts['no-replay']) {
    const body = readFileSync(join(REPO_ROOT, opts.fixture));
    const res = await postWebhook(baseUrl, { delivery, event: 'issues', body, secret: secret.secret });
    say(`   replayed ${opts.fixture} as delivery ${delivery}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    if (res.status >= 300) throw new Error(`the sample webhook was refused (HTTP ${res.status})`);
  }
  const slotPage = opts.slots && !opts['no-replay'] ? reportSlotPage({ db, stack, correlationId: delivery, say }).catch((err: unknown) => say(`   slot page check failed: ${err instanceof Error ? err.message : String(err)}`)) : undefined;
  if (!opts.once) say(`== running; Ctrl-C stops services and stack${opts.slots ? ' (the slot stays in namespace shop-dev-<n>)' : ''}`);
  await follower.done;
  await slotPage;
  if (opts.once) await printAgentOutput(db, delivery);
  await shutdown(0, db);
} catch (err) {
  console.error(`dev: ${err instanceof Error ? err.message : String(err)}`);
  await shutdown(1, db, follower?.stop);
}
