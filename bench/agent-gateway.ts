import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { connectBus, type Bus } from '@codex-k8s/bus';
import { AGENT_API, AgentLogAppendedV1, BUS_ADMIN, RECORDER_CONSUMER } from '@codex-k8s/contracts';
import { appendLogChunk, createDb, insertRunOnce, issueAgentToken, migrateToLatest, type Db } from '@codex-k8s/db';
import { publishCaused } from '@codex-k8s/flow';
import { createLogger } from '@codex-k8s/runtime';
import { agentGatewayListener, stackEnv, startServiceProcess, stopStack, type ServiceProcess } from '@codex-k8s/stack';
import { seedSampleProject } from '../scripts/dev/seed.js';
import { newToken } from '../services/agent-launcher/src/token.js';
import { cpuMeter, processTree } from './cpu.js';
import { connectBenchAdmin, median, memoryMb, percentile, startBenchStack } from './support.js';

// `node scripts/bootstrap.mjs bench/agent-gateway.ts [-- --agents 32 --seconds 15 --reports 300]`: prints figures;
// asserts nothing. agent-gateway (compiled: `npx tsc -b` first) with audit-writer recording its events, on a stack
// of its own (Postgres, NATS), everything on loopback.
// 1. Log chunks per second: `agents` runs, each with its own token, each sending 4 KiB chunks one after another (the
//    next after the answer, as the reference runner does) for `seconds`; 2xx answers / elapsed, `repeats` times.
//    Beside it the floor of the same run: as many loops in this process calling what the gateway calls to store and
//    announce a chunk (appendLogChunk + publishing run.agent.log_appended), without HTTP and auth.
// 2. Status report -> flow_events row: one agent sends `reports` status lines on a fixed schedule of `rate`/s (open
//    loop), each send time noted just before its request; latency = flow_events.created_at - send time.
// 3. The gateway's RSS after part 1.
const argv = process.argv.slice(2);
const { values: a } = parseArgs({
  args: argv[0] === '--' ? argv.slice(1) : argv,
  options: {
    agents: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '15' },
    reports: { type: 'string', default: '300' },
    rate: { type: 'string', default: '20' },
    repeats: { type: 'string', default: '3' },
  },
});
const agents = Number(a.agents);
const seconds = Number(a.seconds);
const reports = Number(a.reports);
const rate = Number(a.rate);
const repeats = Number(a.repeats);
const CHUNK_BYTES = 4096;
const MAX_RUN_BYTES = 1024 * 1024 * 1024;
const name = 'bench-gateway';
const tag = Date.now().toString(36);
const bus = { BUS_STREAM: `BENCHGW_${tag.toUpperCase()}`, BUS_SUBJECT_ROOT: `benchgw${tag}` };
// 64 lines of 63 characters and a newline: one 4 KiB chunk of ordinary output.
const TEXT = Array.from({ length: CHUNK_BYTES / 64 }, (_, i) => `${String(i).padStart(4, '0')} ${'x'.repeat(58)}\n`).join('');
const LINES = CHUNK_BYTES / 64;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Run {
  readonly runId: string;
  readonly correlationId: string;
  readonly token: string;
  readonly tokenId: string;
}

/** A running run with its token, made exactly as test/support/agent.ts agentRun() makes one (as agent-launcher does). */
async function agentRun(db: Db, projectId: string): Promise<Run> {
  const correlationId = randomUUID();
  const { run } = await insertRunOnce(db, { correlationId, projectId, runtimeMode: 'code-only', repositoryFullName: 'codex-k8s/sample', issueNumber: 42, payload: {} }, () => null);
  await db.updateTable('agent_runs').set({ status: 'running' }).where('id', '=', run.id).execute();
  const { token, hash, tokenId } = newToken();
  await issueAgentToken(db, { runId: run.id, hash, tokenId, expiresAt: new Date(Date.now() + 3_600_000), jobUid: 'no-job' }, async () => undefined);
  return { runId: run.id, correlationId, token, tokenId };
}

/** Answers by status (`error`: no answer), across one phase. */
type Statuses = Map<string, number>;
const count = (s: Statuses, k: string): void => void s.set(k, (s.get(k) ?? 0) + 1);
const show = (s: Statuses): string => [...s].sort().map(([k, n]) => `${k}: ${n}`).join(', ') || 'none';
const failures = (s: Statuses): number => [...s].filter(([k]) => !k.startsWith('2')).reduce((n, [, v]) => n + v, 0);

/** One request as the reference runner makes it (global fetch, bearer token, JSON); resolves with the status. */
async function post(base: string, run: Run, path: string, body: unknown): Promise<string> {
  try {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${run.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    await res.arrayBuffer();
    return String(res.status);
  } catch {
    return 'error';
  }
}

interface Phase {
  readonly perSecond: number;
  readonly ok: number;
  readonly statuses: Statuses;
  readonly cpu: Record<string, number>;
}

/** `agents` loops, one per run, each doing `step` back to back for `s` seconds; ok / elapsed (the last answers included). */
async function closedLoop(runs: readonly Run[], s: number, step: (run: Run, seq: number) => Promise<string>, meter: () => { stop: () => Record<string, number> }): Promise<Phase> {
  const statuses: Statuses = new Map();
  let ok = 0;
  const m = meter();
  const t0 = performance.now();
  const end = t0 + s * 1000;
  await Promise.all(
    runs.map(async (run) => {
      for (let seq = 0; performance.now() < end; seq++) {
        const st = await step(run, seq);
        count(statuses, st);
        if (st.startsWith('2')) ok++;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  return { perSecond: ok / elapsed, ok, statuses, cpu: m.stop() };
}

interface Latency {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly rows: number;
  readonly statuses: Statuses;
  readonly lagMs: number;
}

/**
 * One agent's `reports` status lines on a fixed schedule of `rate`/s (not waiting for answers), each send time noted
 * just before its request; then the run's run.agent.status_reported rows of flow_events: created_at - send time.
 */
async function reportLatency(db: Db, base: string, run: Run): Promise<Latency> {
  const sentAt: number[] = [];
  const statuses: Statuses = new Map();
  const inFlight: Promise<void>[] = [];
  let lagMs = 0;
  const t0 = performance.now() + 200;
  for (let i = 0; i < reports; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    lagMs = Math.max(lagMs, performance.now() - due);
    sentAt[i] = Date.now();
    inFlight.push(post(base, run, AGENT_API.reports(run.runId), { type: 'status', seq: i, message: `step ${i} of ${reports}: compiling and testing` }).then((st) => count(statuses, st)));
  }
  await Promise.all(inFlight);
  const accepted = [...statuses].filter(([k]) => k.startsWith('2')).reduce((n, [, v]) => n + v, 0);
  const rowsOf = async () =>
    (await sql<{ seq: string; created_at: Date }>`select payload->>'seq' as seq, created_at from flow_events where correlation_id = ${run.correlationId} and event_type = 'run.agent.status_reported'`.execute(db)).rows;
  let rows = await rowsOf();
  for (const until = performance.now() + 30_000; rows.length < accepted && performance.now() < until; rows = await rowsOf()) await sleep(100);
  const ms = rows.map((row) => new Date(row.created_at).getTime() - (sentAt[Number(row.seq)] ?? Number.NaN)).sort((x, y) => x - y);
  return { p50: percentile(ms, 50), p99: percentile(ms, 99), max: ms[ms.length - 1] ?? Number.NaN, rows: rows.length, statuses, lagMs };
}

const stack = await startBenchStack(name, { with: ['postgres', 'nats'] });
const env: Record<string, string> = {
  ...stackEnv(stack),
  ...bus,
  LOG_LEVEL: 'warn',
  HTTP_HOST: '127.0.0.1',
  CODEXK8S_AGENT_RATE_PER_SECOND: '10000',
  CODEXK8S_AGENT_RATE_BURST: '100000',
  CODEXK8S_AGENT_LOG_MAX_BYTES_PER_RUN: String(MAX_RUN_BYTES),
};
// As bus-admin: creates the streams up front (idempotent, as audit-writer does) and reads the recorder's backlog.
const admin = await connectBenchAdmin(env, bus);
const db = createDb(env.DATABASE_URL ?? '', { applicationName: 'bench-gateway' });
const services: ServiceProcess[] = [];
let floorBus: Bus | undefined;
let floorDb: Db | undefined;
try {
  await migrateToLatest(db);
  const projectId = await seedSampleProject(db);
  // The recorder first (it owns the streams), then the gateway, as PLATFORM_SERVICES orders them.
  const writer = await startServiceProcess('audit-writer', { env, logFile: join(stack.dir, 'logs', `bench-gateway-audit-writer-${tag}.log`) });
  services.push(writer);
  // Its API on a loopback port of its own (no real node here); readiness on its health port.
  const listener = await agentGatewayListener({});
  const gateway = await startServiceProcess('agent-gateway', { env: { ...env, HTTP_HOST: listener.host, HTTP_PORT: String(listener.port) }, logFile: join(stack.dir, 'logs', `bench-gateway-agent-gateway-${tag}.log`) });
  services.push(gateway);
  const base = listener.url;

  // The floor's storage and bus, as the gateway has them: a pool of 10 (openServiceDb(NAME, url, 10)), and a bus
  // connection with the admin credentials (made like connectBenchAdmin) publishing under the gateway's name, so its
  // events carry source agent-gateway and audit-writer records them as it records the gateway's (under bus-admin it
  // would refuse them as forged and dead-letter them: other work than the gateway causes).
  floorDb = createDb(env.DATABASE_URL ?? '', { applicationName: 'bench-gateway-floor', max: 10 });
  const fdb = floorDb;
  floorBus = await connectBus({
    url: env.NATS_URL ?? '',
    name: 'agent-gateway',
    identity: BUS_ADMIN,
    ...(env.NATS_NKEY_SEED_FILE ? { nkeySeedFile: env.NATS_NKEY_SEED_FILE } : {}),
    stream: bus.BUS_STREAM,
    subjectRoot: bus.BUS_SUBJECT_ROOT,
    log: createLogger({ name: 'bench-floor', level: 'warn' }),
  });
  const fbus = floorBus;

  const meter = () =>
    cpuMeter({
      'agent-gateway': () => [gateway.process.pid ?? 0],
      'audit-writer': () => [writer.process.pid ?? 0],
      postgres: () => (stack.postgres ? processTree(stack.postgres.pid) : []),
      'nats-server': () => (stack.nats ? [stack.nats.pid] : []),
      'this process': () => [process.pid],
    });
  /** Waits until audit-writer has recorded everything published so far (no backlog carried into the next phase); ms waited. */
  const settle = async (): Promise<number> => {
    const t0 = performance.now();
    for (;;) {
      const c = await admin.jsm.consumers.info(bus.BUS_STREAM, RECORDER_CONSUMER);
      if (c.num_pending + c.num_ack_pending === 0) return performance.now() - t0;
      if (performance.now() - t0 > 300_000) throw new Error(`audit-writer still has ${c.num_pending + c.num_ack_pending} events to record after 5 min`);
      await sleep(100);
    }
  };
  const runs = (n: number): Promise<Run[]> => Promise.all(Array.from({ length: n }, () => agentRun(db, projectId)));
  const viaGateway = (run: Run, seq: number): Promise<string> => post(base, run, AGENT_API.logs(run.runId), { seq, stream: 'stdout', text: TEXT });
  /** What the gateway does for an authenticated chunk, after parsing it: store it within the quota, then announce it. */
  const direct = async (run: Run, seq: number): Promise<string> => {
    try {
      const stored = await appendLogChunk(fdb, { run_id: run.runId, seq, stream: 'stdout', text: TEXT, bytes: CHUNK_BYTES }, MAX_RUN_BYTES);
      if (stored !== 'stored') return stored;
      await publishCaused(fbus, AgentLogAppendedV1, { correlationId: run.correlationId }, {
        runId: run.runId,
        idParts: [seq],
        data: { run_id: run.runId, project_id: projectId, runtime_mode: 'code-only', namespace: null, token_id: run.tokenId, seq, stream: 'stdout', bytes: CHUNK_BYTES, lines: LINES },
      });
      return '201';
    } catch {
      return 'error';
    }
  };

  // 1. Throughput: warm-ups, then gateway and floor in turn (drift hits both), each on fresh runs, no backlog carried.
  await closedLoop(await runs(agents), 2, viaGateway, meter);
  await closedLoop(await runs(agents), 2, direct, meter);
  const gw: Phase[] = [];
  const floor: Phase[] = [];
  const settled: number[] = [];
  for (let r = 0; r < repeats; r++) {
    settled.push(await settle());
    gw.push(await closedLoop(await runs(agents), seconds, viaGateway, meter));
    console.error(`   gateway ${r + 1}: ${gw[r]?.perSecond.toFixed(0)} chunks/s`);
    settled.push(await settle());
    floor.push(await closedLoop(await runs(agents), seconds, direct, meter));
    console.error(`   floor ${r + 1}: ${floor[r]?.perSecond.toFixed(0)} chunks/s`);
  }
  settled.push(await settle());
  // 3. The gateway's memory right after the load.
  const rss = memoryMb(gateway.process.pid);
  const hwm = memoryMb(gateway.process.pid, 'VmHWM');

  // 2. Latency, status report -> flow_events row, on an open-loop schedule; a fresh run each time.
  const lat: Latency[] = [];
  for (let r = 0; r < repeats; r++) {
    await settle();
    const [run] = await runs(1);
    if (!run) throw new Error('no run');
    lat.push(await reportLatency(db, base, run));
    console.error(`   latency ${r + 1}: p50 ${lat[r]?.p50} ms`);
  }

  const rates = (ps: readonly Phase[]): number[] => ps.map((p) => p.perSecond);
  const gwMedian = median(rates(gw));
  const floorMedian = median(rates(floor));
  console.log(`\nagent-gateway log chunks, ${agents} agents (one run and token each), ${CHUNK_BYTES} B chunks back to back, ${seconds} s per run, ${process.env.HOSTNAME ?? 'this machine'}`);
  console.log(`| target | ${gw.map((_, i) => `run ${i + 1}`).join(' | ')} | median chunks/s | answers |`);
  console.log(`|---|${gw.map(() => '---:').join('|')}|---:|---|`);
  const row = (label: string, ps: readonly Phase[]): void => {
    const all: Statuses = new Map();
    for (const p of ps) for (const [k, v] of p.statuses) all.set(k, (all.get(k) ?? 0) + v);
    console.log(`| ${label} | ${ps.map((p) => p.perSecond.toFixed(0)).join(' | ')} | ${median(rates(ps)).toFixed(0)} | ${show(all)} |`);
  };
  row('agent-gateway (HTTP + auth + store + publish)', gw);
  row('floor: appendLogChunk + publish in-process, no HTTP, no auth', floor);
  console.log(`ratio gateway/floor (medians): ${(gwMedian / floorMedian).toFixed(2)}; floor publishes as the gateway's name with bus-admin credentials`);
  console.log(`audit-writer backlog waits before phases (ms): ${settled.map((s) => s.toFixed(0)).join(', ')}`);
  console.log('\nCPU ms per accepted chunk, by process (all runs)');
  const groups = ['agent-gateway', 'audit-writer', 'postgres', 'nats-server', 'this process'];
  console.log(`| target | ${groups.join(' | ')} | all |`);
  console.log(`|---|${groups.map(() => '---:').join('|')}|---:|`);
  const cpuRow = (label: string, ps: readonly Phase[]): void => {
    const ok = ps.reduce((n, p) => n + p.ok, 0);
    const per = groups.map((g) => ps.reduce((n, p) => n + (p.cpu[g] ?? 0), 0) / Math.max(1, ok));
    console.log(`| ${label} | ${per.map((v) => v.toFixed(3)).join(' | ')} | ${per.reduce((x, y) => x + y, 0).toFixed(3)} |`);
  };
  cpuRow('agent-gateway', gw);
  cpuRow('floor', floor);
  console.log(`\nagent-gateway RSS after the throughput part: ${rss.toFixed(0)} MB (peak ${hwm.toFixed(0)} MB)`);
  console.log(`\nstatus report -> flow_events row (audit-writer), ${reports} reports at ${rate}/s open loop, one run each time; ms from just before the request to created_at`);
  console.log('| run | p50 ms | p99 ms | max ms | rows | answers | max send lag ms |');
  console.log('|---:|---:|---:|---:|---:|---|---:|');
  lat.forEach((l, i) => console.log(`| ${i + 1} | ${l.p50.toFixed(0)} | ${l.p99.toFixed(0)} | ${l.max.toFixed(0)} | ${l.rows} | ${show(l.statuses)} | ${l.lagMs.toFixed(1)} |`));
  const failed = [...gw, ...floor].reduce((n, p) => n + failures(p.statuses), 0) + lat.reduce((n, l) => n + failures(l.statuses), 0);
  console.log(
    `RESULT gateway=${gwMedian.toFixed(0)} floor=${floorMedian.toFixed(0)} ratio=${(gwMedian / floorMedian).toFixed(2)} rss=${rss.toFixed(0)} ` +
      `p50=${median(lat.map((l) => l.p50)).toFixed(0)} p99=${median(lat.map((l) => l.p99)).toFixed(0)} failed=${failed}`,
  );
} finally {
  for (const s of services.reverse()) await s.stop();
  await floorBus?.drain();
  await floorDb?.destroy();
  await db.destroy();
  await admin.drain();
  await stopStack(name, { purge: true });
}
