import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runAll } from './all.js';
import { createDb } from '@codex-k8s/db';
import { REPO_ROOT, stackEnv, startServiceProcess, stopStack } from '@codex-k8s/stack';
import { cpuMeter, processTree } from './cpu.js';
import { runLoad, type LoadResult } from './load.js';
import { runOpenLoop, type OpenLoopResult } from './open-loop.js';
import { connectBenchAdmin, memoryMb, startBenchStack } from './support.js';

// `npm run bench -- --all` runs every benchmark (bench/all.ts). `npm run bench [-- --seconds 10 --concurrency 32 --rates 500,1000 --open-seconds 10 --ingress]`: prints figures;
// asserts nothing.
// 1. webhook-ingress (HMAC + durable store + publish ack) beside a bare fastify route, same machine, same run:
//    closed loop (`concurrency` clients back to back) and the ratio ingress/bare of accepted per second.
// 2. webhook-ingress open loop: signed unique deliveries fired on a fixed schedule at each of `rates` req/s for
//    `open-seconds`, latency p50/p99 counted from the scheduled time, errors (anything but 202, or no answer).
// 3. audit-writer draining the backlog parts 1 and 2 produced: flow_events rows per second (`--ingress` skips it).
const { values: a } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '32' },
    rates: { type: 'string', default: '500,1000' },
    'open-seconds': { type: 'string', default: '10' },
    ingress: { type: 'boolean', default: false },
    all: { type: 'boolean', default: false },
  },
});
// `--all`: every benchmark of bench/ in turn (this one without --all first), then nothing else here.
if (a.all) process.exit(runAll());
const seconds = Number(a.seconds);
const concurrency = Number(a.concurrency);
const rates = a.rates.split(',').filter(Boolean).map(Number);
const openSeconds = Number(a['open-seconds']);
const name = 'bench';
const run = Date.now().toString(36);
const bus = { BUS_STREAM: `BENCH_${run.toUpperCase()}`, BUS_SUBJECT_ROOT: `bench${run}` };
const secret = `bench-${run}`;
const body = readFileSync(join(REPO_ROOT, 'test/fixtures/issues-labeled.json'));

async function startBare(): Promise<{ port: number; pid: number; stop: () => void }> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(REPO_ROOT, 'bench/bare-server.ts')], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (b: Buffer) => resolve(Number(b.toString().trim())));
    child.once('exit', (c) => reject(new Error(`bare server exited ${c}`)));
  });
  return { port, pid: child.pid ?? 0, stop: () => child.kill('SIGTERM') };
}

// A stopped benchmark must not leave servers behind.
const stack = await startBenchStack(name, { with: ['postgres', 'nats'] });
const env: Record<string, string> = { ...stackEnv(stack), ...bus, LOG_LEVEL: 'warn', CODEXK8S_GITHUB_WEBHOOK_SECRET: secret };
const results: LoadResult[] = [];
const cpu: Record<string, number>[] = [];
/** CPU of the server under test, Postgres (postmaster and backends), nats-server and this process (the load generator). */
const meter = (server: number) =>
  cpuMeter({ server: () => [server], postgres: () => (stack.postgres ? processTree(stack.postgres.pid) : []), nats: () => (stack.nats ? [stack.nats.pid] : []), loadgen: () => [process.pid] });
// As bus-admin: creates the streams up front (audit-writer, which owns them, starts only for part 2; webhook-ingress
// waits for them) and reads the backlog afterwards.
const admin = await connectBenchAdmin(env, bus);
try {
  const bare = await startBare();
  const bareUrl = `http://127.0.0.1:${bare.port}/api/v1/webhooks/github`;
  await runLoad({ label: 'warm-up', url: bareUrl, body, secret, concurrency, seconds: 2, okStatus: 202 });
  const bareCpu = meter(bare.pid);
  results.push(await runLoad({ label: 'bare fastify route', url: bareUrl, body, secret, concurrency, seconds, okStatus: 202 }));
  cpu.push(bareCpu.stop());
  bare.stop();

  // The cost of the services' Node settings (ADR 0004) on throughput, same run: the ingress with Node's defaults.
  const defaults = await startServiceProcess('webhook-ingress', { env, http: true, logFile: join(stack.dir, 'logs', `bench-ingress-defaults-${run}.log`), nodeEnv: {} });
  const defaultsUrl = `http://127.0.0.1:${defaults.httpPort ?? 0}/api/v1/webhooks/github`;
  await runLoad({ label: 'warm-up', url: defaultsUrl, body, secret, concurrency, seconds: 2, okStatus: 202 });
  const defaultsCpu = meter(defaults.process.pid ?? 0);
  const defaultsR = await runLoad({ label: "webhook-ingress with Node's defaults", url: defaultsUrl, body, secret, concurrency, seconds, okStatus: 202 });
  const defaultsUsed = defaultsCpu.stop();
  await defaults.stop();

  const ingress = await startServiceProcess('webhook-ingress', { env, http: true, logFile: join(stack.dir, 'logs', `bench-ingress-${run}.log`) });
  const url = `http://127.0.0.1:${ingress.httpPort ?? 0}/api/v1/webhooks/github`;
  await runLoad({ label: 'warm-up', url, body, secret, concurrency, seconds: 2, okStatus: 202 });
  const ingressCpu = meter(ingress.process.pid ?? 0);
  results.push(await runLoad({ label: 'webhook-ingress (HMAC + store + publish)', url, body, secret, concurrency, seconds, okStatus: 202 }));
  cpu.push(ingressCpu.stop());
  results.push(defaultsR);
  cpu.push(defaultsUsed);
  const open: OpenLoopResult[] = [];
  for (const rate of rates) {
    await new Promise((r) => setTimeout(r, 1_000)); // let the previous load's tail settle
    open.push(await runOpenLoop({ label: 'webhook-ingress', url, body, secret, rate, seconds: openSeconds, okStatus: 202 }));
  }
  const ingressRss = memoryMb(ingress.process.pid, 'VmHWM');
  await ingress.stop();

  console.log(`\nwebhook ingress, ${concurrency} concurrent clients, ${seconds} s, body ${body.length} B, ${process.env.HOSTNAME ?? 'this machine'}`);
  console.log('| target | accepted/s | p50 ms | p99 ms | max ms | failed |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of results) console.log(`| ${r.label} | ${r.perSecond.toFixed(0)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.maxMs.toFixed(1)} | ${r.failed} |`);
  const [bareR, ingressR] = results as [LoadResult, LoadResult];
  console.log(`ingress ratio (webhook-ingress accepted/s / bare fastify route accepted/s): ${(ingressR.perSecond / bareR.perSecond).toFixed(2)}`);
  // Where the CPU goes: on 2 cores the closed loop is bounded by the CPU all processes spend per accepted request.
  console.log('\nCPU ms per accepted request (closed loop), by process');
  console.log('| target | server | postgres | nats-server | load generator | all | bound at 2 cores, req/s |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  results.forEach((r, i) => {
    const c = cpu[i] ?? {};
    const per = (k: string): number => (c[k] ?? 0) / Math.max(1, r.perSecond * seconds);
    const all = ['server', 'postgres', 'nats', 'loadgen'].reduce((sum, k) => sum + per(k), 0);
    console.log(`| ${r.label} | ${per('server').toFixed(3)} | ${per('postgres').toFixed(3)} | ${per('nats').toFixed(3)} | ${per('loadgen').toFixed(3)} | ${all.toFixed(3)} | ${(2000 / all).toFixed(0)} |`);
  });
  console.log(`\nwebhook-ingress open loop, ${openSeconds} s per rate, signed unique deliveries, latency from the scheduled send time`);
  console.log('| rate req/s | sent | 202 | errors | answered/s | p50 ms | p99 ms | max ms |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of open) console.log(`| ${r.rate} | ${r.requests} | ${r.ok} | ${r.errors} | ${r.achievedPerSecond.toFixed(0)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.maxMs.toFixed(1)} |`);
  console.log(`webhook-ingress peak RSS: ${ingressRss.toFixed(0)} MB`);
  if (!a.ingress) await benchAuditWriter();
} finally {
  await admin.drain();
  await stopStack(name, { purge: true });
}

/** audit-writer: drains the backlog the ingress runs produced (accepted deliveries, one webhook.received each). */
async function benchAuditWriter(): Promise<void> {
  const backlog = (await admin.jsm.streams.info(bus.BUS_STREAM)).state.messages;
  const db = createDb(env.DATABASE_URL ?? '');
  const count = async (): Promise<number> =>
    Number((await db.selectFrom('flow_events').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  const before = await count();
  const t0 = Date.now();
  const writer = await startServiceProcess('audit-writer', { env, logFile: join(stack.dir, 'logs', `bench-audit-${run}.log`) });
  const startedMs = Date.now() - t0;
  const atReady = await count();
  const t1 = Date.now();
  let last = before;
  while (last - before < backlog && Date.now() - t1 < 600_000) {
    await new Promise((r) => setTimeout(r, 100));
    last = await count();
  }
  const drainS = (Date.now() - t1) / 1000;
  const writerRss = memoryMb(writer.process.pid, 'VmHWM');
  await writer.stop();
  await db.destroy();
  console.log(`\naudit-writer: ${last - before}/${backlog} rows drained in ${drainS.toFixed(2)} s after ready: ${((last - atReady) / drainS).toFixed(0)} rows/s (${atReady - before} rows already written during the ${startedMs} ms start; peak RSS ${writerRss.toFixed(0)} MB)`);
}
