import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Kysely, PostgresDialect, sql, type CompiledQuery } from 'kysely';
import pg from 'pg';
import { STAFF_API, type RunListResponse } from '@codex-k8s/contracts';
import {
  addMember,
  agentFinishOf,
  createDb,
  firstEventsOf,
  getDeployTask,
  getStaffRun,
  listArtifacts,
  listRunEventHeads,
  listStaffRuns,
  listStatusLines,
  migrateToLatest,
  namespaceDeletedFor,
  openStaffSession,
  staffAccessOf,
  staffSessionLogin,
  type Database,
  type Db,
  type RunFilter,
} from '@codex-k8s/db';
import { freePort, stackEnv, startServiceProcess, stopStack, waitReady, type ServiceProcess } from '@codex-k8s/stack';
import { decodeCursor } from '../services/staff-console/src/cursor.js';
import { PHASE_EVENT_TYPES } from '../services/staff-console/src/views.js';
import { cpuMeter, processTree } from './cpu.js';
import { connectBenchAdmin, median, percentile, startBenchStack } from './support.js';

// `node scripts/bootstrap.mjs bench/staff-console.ts [-- --runs 10000 --events 1000000 --hot 200000 --requests 300 --plans]`:
// prints figures; asserts nothing. The issue's target: with 10,000 runs and 1,000,000 flow events in the database,
// the runs list and a run page answer p95 < 100 ms. staff-console (compiled: `npx tsc -b` first) on a stack of its
// own (Postgres, NATS), on loopback, one fresh database seeded in SQL (5 projects, `runs` runs over 30 days, `events`
// flow events, one "hot" run holding `hot` of them), then over HTTP with keep-alive, `requests` requests per case
// after a warm-up, one client back to back and 8 concurrent clients, `repeats` times; medians of p50/p95/p99:
// runs list (no filter, project + status, project + trigger, prefix search, page 20), run page (random runs, the hot
// run) and the hot run's events (newest page, a page in the middle).
// Floors, measured in the same run: GET /api/v1/staff/session (HTTP + session + access lookup, no list query) at the
// same concurrency; and the bare SQL each case sends (captured from the repository calls its handler makes, then
// EXPLAIN (ANALYZE, BUFFERS, SERIALIZE) through pg: median of their summed execution time and output). The plans of a
// case over target are printed (`--plans`: every case's). CPU per request of staff-console and Postgres beside them.
const argv = process.argv.slice(2);
const { values: a } = parseArgs({
  args: argv[0] === '--' ? argv.slice(1) : argv,
  options: {
    runs: { type: 'string', default: '10000' },
    events: { type: 'string', default: '1000000' },
    hot: { type: 'string', default: '200000' },
    requests: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '30' },
    repeats: { type: 'string', default: '3' },
    'sql-samples': { type: 'string', default: '20' },
    plans: { type: 'boolean', default: false },
  },
});
const RUNS = Number(a.runs);
const EVENTS = Number(a.events);
const HOT = Number(a.hot);
const requests = Number(a.requests);
const warmup = Number(a.warmup);
const repeats = Number(a.repeats);
const sqlSamples = Number(a['sql-samples']);
if (![RUNS, EVENTS, HOT].every((n) => Number.isInteger(n) && n > 0) || RUNS < 1000) throw new Error('--runs (>= 1000), --events and --hot are whole numbers');
const TARGET_MS = 100;
const CLIENTS = [1, 8] as const;
const PAGE = 50;
const PROJECTS = ['api', 'blog', 'crm', 'shop', 'wiki'];
/** The hot run: ~1.4 days old with 10,000 runs, succeeded after 6 hours of agent output. */
const HOT_RUN = RUNS - 500;
const name = 'bench-staff';
const tag = Date.now().toString(36);
const bus = { BUS_STREAM: `BENCHSTAFF_${tag.toUpperCase()}`, BUS_SUBJECT_ROOT: `benchstaff${tag}` };
const SESSION_COOKIE = '__Host-staff_session';

// ---- seeding (not measured; its time is printed) ----

/** SQL for md5Uuid of a text expression. */
const uuid = (expr: string): string => `overlay(overlay(md5(${expr}) placing '4' from 13) placing '8' from 17)::uuid`;

/**
 * 10,000 runs over 30 days, newest last: statuses, trigger labels, modes, issues and payloads as the planner writes
 * them, and the stored end of the agent's output of each ended run as agent-launcher keeps it.
 */
const runsSql = (): string => `
  with ps as (select array_agg(id order by slug) as ids, array_agg(slug order by slug) as slugs from projects),
  x as (
    select i, ps.ids[1 + i % 5] as project_id, ps.slugs[1 + i % 5] as slug, ${uuid("'run' || i")} as id, ${uuid("'corr' || i")}::text as corr,
      now() - interval '1 second' * ((${RUNS} - i) * ${2_592_000 / RUNS} + 600) as created,
      abs(hashtext('s' || i)) % 100 as hs, abs(hashtext('t' || i)) % 100 as ht, abs(hashtext('m' || i)) % 2 as hm,
      1 + abs(hashtext('i' || i)) % 1500 as issue, (array['alice', 'bob', 'carol', 'dave'])[1 + abs(hashtext('u' || i)) % 4] as sender,
      abs(hashtext('d' || i)) % 3000 as hd
    from generate_series(1, ${RUNS}) i, ps
  ),
  y as (
    select x.*,
      case when i = ${HOT_RUN} then 'succeeded' when i > ${RUNS - 20} then (case when i % 2 = 0 then 'running' else 'pending' end)
        when hs < 72 then 'succeeded' when hs < 90 then 'failed' else 'canceled' end as status,
      case when ht < 80 then 'run:dev' when ht < 90 then 'run:dev:revise' when ht < 95 then 'run:plan' else 'run:self-improve' end as label,
      case when ht < 80 then 'dev' when ht < 90 then 'dev_revise' when ht < 95 then 'plan' else 'self_improve' end as kind,
      case when hm = 0 then 'full-env' else 'code-only' end as mode,
      case when hm = 0 then 'codex-issue-' || left(md5(project_id::text), 8) || '-i' || issue || '-r' || left(md5(id::text), 12) end as ns,
      created + case when i = ${HOT_RUN} then interval '6 hours' else interval '1 second' * (600 + hd) end as end_at
    from x
  ),
  z as (
    -- The end of the agent's output the launcher keeps with an ended run (setRunLogsTail: up to 64,000 characters;
    -- most agents print more than that): ~80-character lines of build and test output.
    select y.*, case when status in ('succeeded', 'failed', 'canceled') then (
      select right(string_agg(lpad(g::text, 5, '0') || ' [agent] ' || (array['compiling', 'running tests', 'editing', 'git diff'])[1 + g % 4]
          || ' src/pkg_' || g % 97 || '/file_' || g % 13 || '.ts ' || md5(y.corr || g), E'\\n'), 64000)
      from generate_series(1, case when i = ${HOT_RUN} or hs % 10 < 6 then 900 else 20 + hd / 4 end) g) end as logs_tail
    from y
  )
  insert into agent_runs (id, correlation_id, project_id, status, run_payload, started_at, finished_at, created_at, updated_at, runtime_mode,
    repository_full_name, issue_number, namespace, job_name, job_namespace, outcome, agent_logs_tail)
  select id, corr, project_id, status,
    jsonb_build_object('source', 'github', 'delivery_id', corr, 'event_type', 'issues', 'action', 'labeled', 'received_at', created,
      'sender', jsonb_build_object('id', 1000 + abs(hashtext(sender)) % 1000, 'login', sender),
      'repository', jsonb_build_object('id', 2000 + i % 5, 'full_name', 'acme/' || slug, 'name', slug, 'clone_url', 'https://github.com/acme/' || slug || '.git', 'private', false, 'fork', false),
      'installation_id', null,
      'issue', jsonb_build_object('id', 300000 + issue, 'number', issue, 'title', 'Issue ' || issue || ': make the checkout page faster and cover it with tests',
        'html_url', 'https://github.com/acme/' || slug || '/issues/' || issue, 'state', 'open', 'labels', jsonb_build_array(label, 'bug'), 'user', sender, 'is_pull_request', false),
      'label', label, 'correlation_id', corr,
      'project', jsonb_build_object('id', project_id, 'slug', slug, 'repository_id', ${uuid("'repo' || i % 5")}, 'services_yaml', 'services.yaml', 'binding_resolved', true),
      'trigger', jsonb_build_object('source', 'issue_label', 'label', label, 'kind', kind),
      'runtime', jsonb_build_object('mode', mode, 'source', 'trigger_default')),
    case when status <> 'pending' then created + interval '8 seconds' end,
    case when status in ('succeeded', 'failed', 'canceled') then end_at end,
    created, case when status in ('succeeded', 'failed', 'canceled') then end_at else created end,
    mode, 'acme/' || slug, issue, ns,
    case when status <> 'pending' then 'codex-agent-' || left(md5(id::text), 12) end,
    case when status <> 'pending' then coalesce(ns, 'codex-k8s-system') end,
    case status
      when 'succeeded' then jsonb_build_object('event_type', 'run.succeeded', 'reason', null, 'error', null, 'exit_code', 0)
      when 'failed' then jsonb_build_object('event_type', 'run.failed', 'reason', 'agent_exit', 'error', 'the agent exited with code 1', 'exit_code', 1)
      when 'canceled' then jsonb_build_object('event_type', 'run.canceled', 'reason', 'canceled_by_staff', 'error', null, 'exit_code', null, 'requested_by', 'alice')
    end,
    logs_tail
  from z`;

/** The runs as the event generator needs them: `sn` numbers the non-hot runs that ran an agent (they carry the log events). */
const runIndexSql = `
  create temp table br as
  select r.*, case when carries then row_number() over (partition by carries order by created_at) - 1 end as sn
  from (select id, correlation_id, project_id, status, runtime_mode, namespace, run_payload, created_at, coalesce(finished_at, now()) as end_at,
          id = ${uuid(`'run${HOT_RUN}'`)} as hot, status <> 'pending' and id <> ${uuid(`'run${HOT_RUN}'`)} as carries
        from agent_runs) r;
  create index on br (sn);
  create index on br (id);
  analyze br`;

/** Each run's phase events, as far as its status got (received, planned, namespace, job, agent, end, cleanup). */
const phasesSql = `
  create temp table ev as
  select r.id as run_id, s.step, s.type, s.at
  from br r cross join lateral (values
    (0, 'webhook.received', r.created_at - interval '1 second', true),
    (1, 'run.created', r.created_at, true),
    (2, 'run.namespace.prepared', r.created_at + interval '5 seconds', r.status <> 'pending' and r.runtime_mode = 'full-env'),
    (3, 'run.started', r.created_at + interval '8 seconds', r.status <> 'pending'),
    (4, 'run.agent.started', r.created_at + interval '12 seconds', r.status <> 'pending'),
    (5, 'run.agent.ready', r.created_at + interval '15 seconds', r.status <> 'pending'),
    (6, 'run.agent.finished', r.end_at - interval '2 seconds', r.status in ('succeeded', 'failed')),
    (7, 'run.' || r.status, r.end_at, r.status in ('succeeded', 'failed', 'canceled')),
    (8, 'run.namespace.cleaned', r.end_at + interval '60 seconds', r.status in ('succeeded', 'failed', 'canceled') and r.runtime_mode = 'full-env')
  ) s(step, type, at, keep)
  where s.keep`;

/**
 * Every flow event in one INSERT, in the order they happened (ids follow time, runs interleave as they did): the
 * phases, `logs` agent events spread over the runs that ran an agent (every 10th a status report), and the hot run's
 * `HOT` events 0.1 s apart (every 1,000th a status report).
 */
const eventsSql = (logs: number, carriers: number): string => `
  insert into flow_events (event_id, correlation_id, actor_type, actor_id, event_type, schema_version, subject, payload, occurred_at)
  select ${uuid('e.key')}, r.correlation_id,
    case when e.type like 'run.agent.%' then 'agent' when e.type = 'run.canceled' then 'human' else 'system' end,
    case when e.type like 'run.agent.%' then 'tok-' || left(md5(r.id::text), 12) when e.type = 'run.canceled' then 'alice'
      when e.type = 'webhook.received' then 'webhook-ingress' when e.type = 'run.created' then 'planner'
      when e.type like 'run.namespace.%' then 'namespace-provisioner' else 'agent-launcher' end,
    e.type, 1,
    case when e.type = 'webhook.received' then 'delivery/' || r.correlation_id else 'run/' || r.id end,
    case e.type
      when 'webhook.received' then r.run_payload - 'project' - 'trigger' - 'runtime' - 'correlation_id'
      when 'run.agent.log_appended' then jsonb_build_object('run_id', r.id, 'project_id', r.project_id, 'runtime_mode', r.runtime_mode, 'namespace', r.namespace,
        'token_id', 'tok-' || left(md5(r.id::text), 12), 'seq', e.seq, 'stream', 'stdout', 'bytes', 4096, 'lines', 64)
      when 'run.agent.status_reported' then jsonb_build_object('run_id', r.id, 'seq', e.seq, 'message', 'step ' || e.seq || ': compiling and running the tests')
      else jsonb_build_object('run_id', r.id, 'project_id', r.project_id, 'runtime_mode', r.runtime_mode, 'namespace', r.namespace)
    end,
    e.at
  from (
    select run_id, 'p' || run_id || '.' || step as key, type, step as seq, at from ev
    union all
    select r.id, 'l' || k, case when k % 10 = 9 then 'run.agent.status_reported' else 'run.agent.log_appended' end, k / ${carriers},
        r.created_at + interval '15 seconds' + interval '2 seconds' * (k / ${carriers} + 1)
      from generate_series(0, ${logs - 1}) k join br r on r.sn = k % ${carriers}
    union all
    select r.id, 'h' || k, case when k % 1000 = 999 then 'run.agent.status_reported' else 'run.agent.log_appended' end, k,
        r.created_at + interval '15 seconds' + interval '100 milliseconds' * (k + 1)
      from generate_series(0, ${HOT - 1}) k join br r on r.hot
  ) e join br r on r.id = e.run_id
  order by e.at`;

/** What a run page also reads: status lines and the finish report of each agent, a pull request of each succeeded run. */
const reportsSql = `
  insert into agent_reports (run_id, type, seq, message, received_at)
    select r.id, 'status', s, 'step ' || s || ': compiling and running the tests', r.created_at + interval '20 seconds' * s
    from br r, generate_series(1, case when r.hot then ${Math.max(1, Math.floor(HOT / 1000))} else 7 end) s where r.carries or r.hot;
  insert into agent_reports (run_id, type, seq, exit_code, summary, received_at)
    select id, 'finished', 0, case when status = 'succeeded' then 0 else 1 end, 'Implemented the change and opened a pull request', end_at - interval '2 seconds'
    from br where status in ('succeeded', 'failed');
  insert into agent_artifacts (run_id, name, kind, size_bytes, url, number, branch, title, created_at)
    select id, 'pull-request', 'pull_request', 0, 'https://github.com/acme/shop/pull/' || (1000 + sn), 1000 + sn, 'codex/run-' || left(id::text, 8), 'Make the checkout page faster', end_at
    from br where status = 'succeeded' and sn is not null`;

interface Seeded {
  readonly seconds: Record<string, number>;
  readonly counts: Record<string, number>;
}

/** Seeds the database on one connection (temp tables), then VACUUM ANALYZE and a checkpoint, so no autovacuum or checkpoint lands in a measurement. */
async function seed(url: string, db: Db): Promise<Seeded> {
  const seconds: Record<string, number> = {};
  const timed = async <T>(label: string, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const r = await f();
    seconds[label] = (performance.now() - t0) / 1000;
    return r;
  };
  await timed('projects + members', async () => {
    await db.insertInto('projects').values(PROJECTS.map((slug) => ({ id: md5Uuid(`project-${slug}`), slug, name: slug[0]?.toUpperCase() + slug.slice(1) }))).execute();
    // A platform admin (a member of one project only, as in the tests) and alice, admin of shop only.
    await addMember(db, { projectId: md5Uuid('project-api'), login: 'root', role: 'read_only', platformAdmin: true });
    await addMember(db, { projectId: md5Uuid('project-shop'), login: 'alice', role: 'admin' });
  });
  const c = new pg.Client({ connectionString: url, application_name: 'bench-staff-seed' });
  await c.connect();
  try {
    await c.query(`set work_mem = '512MB'`);
    await timed('agent_runs', () => c.query(runsSql()));
    await timed('flow_events', async () => {
      await c.query(runIndexSql);
      await c.query(phasesSql);
      const phases = Number((await c.query<{ n: string }>('select count(*) as n from ev')).rows[0]?.n);
      const carriers = Number((await c.query<{ n: string }>('select count(*) as n from br where carries')).rows[0]?.n);
      const logs = EVENTS - HOT - phases;
      if (logs <= 0) throw new Error(`--events ${EVENTS} leaves no room for the other runs' agent events (${phases} phase events, ${HOT} hot)`);
      await c.query(eventsSql(logs, carriers));
    });
    await timed('agent_reports + artifacts', () => c.query(reportsSql));
    await timed('vacuum analyze + checkpoint', async () => {
      await c.query('vacuum (analyze) agent_runs, flow_events, agent_reports, agent_artifacts, projects, users, project_members');
      await c.query('checkpoint').catch(() => undefined);
    });
    const counts = (await c.query<Record<string, string>>(`
      select (select count(*) from agent_runs) as runs, (select count(*) from flow_events) as events,
        (select count(*) from flow_events where correlation_id = ${uuid(`'corr${HOT_RUN}'`)}::text) as hot_events,
        (select round(avg(length(agent_logs_tail))) from agent_runs) as avg_logs_tail_chars,
        pg_size_pretty(pg_total_relation_size('agent_runs')) as agent_runs_size,
        pg_size_pretty(pg_total_relation_size('flow_events')) as flow_events_size`)).rows[0] ?? {};
    return { seconds, counts: Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number.isNaN(Number(v)) ? v : Number(v)])) as Record<string, number> };
  } finally {
    await c.end();
  }
}

/** The uuid the seed SQL derives from `s`: its md5 shaped as a version 4 uuid (the API refuses other run ids). Pure. */
function md5Uuid(s: string): string {
  const h = createHash('md5').update(s).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20)}`;
}

// ---- HTTP ----

interface Answer {
  readonly status: string;
  readonly body: unknown;
}

/** One GET as a browser's fetch makes it (keep-alive), with the session cookie; the body read in full. */
async function get(base: string, path: string, cookie: string): Promise<Answer> {
  try {
    const res = await fetch(`${base}${path}`, { headers: { cookie: `${SESSION_COOKIE}=${cookie}`, accept: 'application/json' }, signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    return { status: String(res.status), body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
  } catch {
    return { status: 'error', body: null };
  }
}

interface Case {
  readonly label: string;
  /** Whose session asks (the platform admin or alice, admin of shop). */
  readonly cookie: string;
  /** The request path, the next item each call (random runs, prefixes). */
  readonly path: () => string;
  /** The repository calls its handler makes besides authentication, the next item each call: the SQL floor. */
  readonly sql: (db: Db) => Promise<unknown>;
}

interface Sample {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly failed: number;
  /** The first answer other than 200 (status, path and the start of its body). */
  readonly failure?: string;
  /** CPU ms per request by process group. */
  readonly cpu: Record<string, number>;
}

interface Load {
  readonly base: string;
  readonly clients: number;
  readonly n: number;
  readonly meter: () => { stop: () => Record<string, number> };
}

/** `n` requests of a case by `clients` clients back to back (closed loop); latency of each, and CPU by process. */
async function measure(c: Case, l: Load): Promise<Sample> {
  const ms: number[] = [];
  let failed = 0;
  let failure: string | undefined;
  let next = 0;
  const m = l.meter();
  const client = async (): Promise<void> => {
    while (next++ < l.n) {
      const path = c.path();
      const t0 = performance.now();
      const r = await get(l.base, path, c.cookie);
      ms.push(performance.now() - t0);
      if (r.status === '200') continue;
      failed++;
      failure ??= `${r.status} ${path}: ${JSON.stringify(r.body).slice(0, 200)}`;
    }
  };
  await Promise.all(Array.from({ length: l.clients }, client));
  const cpu = m.stop();
  ms.sort((x, y) => x - y);
  return { p50: percentile(ms, 50), p95: percentile(ms, 95), p99: percentile(ms, 99), failed, ...(failure ? { failure } : {}), cpu: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, v / l.n])) };
}

// ---- bare SQL floor ----

/** A Kysely over a pool of its own that records the SQL each call sends (Kysely's query log). */
function sqlRecorder(url: string): { db: Db; pool: pg.Pool; take: () => CompiledQuery[] } {
  const pool = new pg.Pool({ connectionString: url, max: 2, application_name: 'bench-staff-sql' });
  let seen: CompiledQuery[] = [];
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: (e) => void (e.level === 'query' && seen.push(e.query)) });
  return { db, pool, take: () => [seen, (seen = [])][0] as CompiledQuery[] };
}

interface SqlFloor {
  /** Median over the samples of the summed execution times (serialization of the rows included). */
  readonly ms: number;
  /** Median over the samples of the summed output the queries send to the client, kB. */
  readonly kb: number;
  /** The plans of the last sample's queries, with their execution times. */
  readonly plans: readonly Explained[];
}

interface Explained {
  readonly ms: number;
  readonly kb: number;
  readonly sql: string;
  readonly plan: string;
}

/**
 * Runs a case's repository calls `samples` times; each time EXPLAIN (ANALYZE, BUFFERS, SERIALIZE) of the SQL they
 * sent, one query after another. SERIALIZE (Postgres 17) counts what plain EXPLAIN ANALYZE leaves out: reading the
 * TOASTed values of the selected columns and converting the rows to their wire format.
 */
async function sqlFloor(rec: ReturnType<typeof sqlRecorder>, call: (db: Db) => Promise<unknown>, samples: number): Promise<SqlFloor> {
  const ms: number[] = [];
  const kb: number[] = [];
  let plans: Explained[] = [];
  for (let i = 0; i < samples; i++) {
    rec.take();
    await call(rec.db);
    plans = [];
    for (const q of rec.take()) plans.push(await explain(rec.pool, q));
    ms.push(plans.reduce((s, p) => s + p.ms, 0));
    kb.push(plans.reduce((s, p) => s + p.kb, 0));
  }
  return { ms: median(ms), kb: median(kb), plans };
}

async function explain(pool: pg.Pool, q: CompiledQuery): Promise<Explained> {
  const res = await pool.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers, serialize text) ${q.sql}`, [...q.parameters]);
  const plan = res.rows.map((r) => r['QUERY PLAN']).join('\n');
  const num = (re: RegExp): number => Number(re.exec(plan)?.[1] ?? Number.NaN);
  return { ms: num(/Execution Time: ([\d.]+) ms/), kb: num(/output=(\d+)kB/), sql: q.sql, plan };
}

// ---- the cases ----

/** The next item of a list each call, round and round. */
function cycle<T>(xs: readonly T[]): () => T {
  let i = 0;
  return () => xs[i++ % xs.length] as T;
}

interface Fixture {
  readonly root: string;
  readonly alice: string;
  readonly shopId: string;
  readonly hot: { id: string; correlation: string; middle: string };
  readonly runs: readonly { id: string; correlation_id: string }[];
  readonly shopPrefixes: readonly string[];
  readonly allPrefixes: readonly string[];
  readonly page20: string;
}

/** Sessions, the hot run and an event id in the middle of its story, random runs and correlation-id prefixes, page 20's cursor. */
async function fixture(db: Db, base: string): Promise<Fixture> {
  const root = await openStaffSession(db, 'root', 86_400);
  const alice = await openStaffSession(db, 'alice', 86_400);
  const hot = await db.selectFrom('agent_runs').select(['id', 'correlation_id']).where('id', '=', md5Uuid(`run${HOT_RUN}`)).executeTakeFirstOrThrow();
  const middle = await db.selectFrom('flow_events').select('id').where('correlation_id', '=', hot.correlation_id).orderBy('id', 'desc').offset(Math.floor(HOT / 2)).limit(1).executeTakeFirstOrThrow();
  const random = (projectId?: string) => {
    let q = db.selectFrom('agent_runs').select(['id', 'correlation_id', 'project_id']);
    if (projectId) q = q.where('project_id', '=', projectId);
    return q.orderBy(sql`random()`).limit(1000).execute();
  };
  const shopId = md5Uuid('project-shop');
  const runs = await random();
  const shopPrefixes = (await random(shopId)).map((r) => r.correlation_id.slice(0, 8));
  // Page 20: 19 next_cursors followed from the first page, as the UI's "more" does.
  await waitReady('staff-console API', async () => (await get(base, STAFF_API.session, root)).status === '200', { timeoutMs: 60_000 });
  let cursor = '';
  for (let page = 1; page < 20; page++) {
    const r = await get(base, `${STAFF_API.runs}${cursor ? `?cursor=${cursor}` : ''}`, root);
    const body = r.body as RunListResponse;
    if (r.status !== '200' || body.items.length !== PAGE || !body.next_cursor) throw new Error(`runs list page ${page}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    cursor = body.next_cursor;
  }
  return { root, alice, shopId, hot: { id: hot.id, correlation: hot.correlation_id, middle: String(middle.id) }, runs, shopPrefixes, allPrefixes: runs.map((r) => r.correlation_id.slice(0, 8)), page20: cursor };
}

/** The run page's reads as handleRunDetails makes them (one after another here; the handler runs six of them at once). */
async function runPageReads(db: Db, id: string): Promise<void> {
  const run = await getStaffRun(db, id);
  if (!run) throw new Error(`no run ${id}`);
  await firstEventsOf(db, run.correlation_id, PHASE_EVENT_TYPES);
  await listStatusLines(db, run.id);
  await agentFinishOf(db, run.id);
  await listArtifacts(db, run.id);
  await getDeployTask(db, run.id);
  await namespaceDeletedFor(db, run.correlation_id);
}

/** What every authenticated request reads first: the session's login, then what it may see. */
async function authReads(db: Db, token: string): Promise<void> {
  const login = await staffSessionLogin(db, token);
  if (!login) throw new Error('the bench session has ended');
  await staffAccessOf(db, login);
}

function cases(f: Fixture): { floor: Case; measured: Case[] } {
  const list = (label: string, cookie: string, query: Record<string, string>, filter: Omit<RunFilter, 'limit'>): Case => ({
    label,
    cookie,
    path: () => `${STAFF_API.runs}${Object.keys(query).length ? `?${new URLSearchParams(query)}` : ''}`,
    sql: (db) => listStaffRuns(db, { ...filter, limit: PAGE }),
  });
  const prefixCase = (label: string, cookie: string, prefixes: readonly string[], projectIds: readonly string[] | null): Case => {
    const [forPath, forSql] = [cycle(prefixes), cycle(prefixes)];
    return { label, cookie, path: () => `${STAFF_API.runs}?q=${forPath()}`, sql: (db) => listStaffRuns(db, { projectIds, q: forSql(), limit: PAGE }) };
  };
  const [runForPath, runForSql] = [cycle(f.runs), cycle(f.runs)];
  const after = decodeCursor(f.page20);
  return {
    floor: { label: 'floor: GET /session (HTTP + auth, no list)', cookie: f.root, path: () => STAFF_API.session, sql: (db) => authReads(db, f.root) },
    measured: [
      list('1. runs, platform admin, no filter', f.root, {}, { projectIds: null }),
      list('2a. runs, project admin, project=shop&status=succeeded', f.alice, { project: 'shop', status: 'succeeded' }, { projectIds: [f.shopId], status: 'succeeded' }),
      list('2b. runs, project admin, project=shop&trigger=run:dev', f.alice, { project: 'shop', trigger: 'run:dev' }, { projectIds: [f.shopId], trigger: 'run:dev' }),
      prefixCase('2c. runs, project admin, q=<8 chars of a delivery id>', f.alice, f.shopPrefixes, [f.shopId]),
      prefixCase('2d. runs, platform admin, q=<8 chars of a delivery id>', f.root, f.allPrefixes, null),
      { label: '3. runs, platform admin, page 20 (cursor)', cookie: f.root, path: () => `${STAFF_API.runs}?cursor=${f.page20}`, sql: (db) => listStaffRuns(db, { projectIds: null, ...(after ? { after } : {}), limit: PAGE }) },
      { label: '4a. run page, random runs', cookie: f.root, path: () => STAFF_API.run(runForPath().id), sql: (db) => runPageReads(db, runForSql().id) },
      { label: `4b. run page, hot run (${HOT} events)`, cookie: f.root, path: () => STAFF_API.run(f.hot.id), sql: (db) => runPageReads(db, f.hot.id) },
      {
        label: '5a. hot run events, newest 50',
        cookie: f.root,
        path: () => `${STAFF_API.events(f.hot.id)}?limit=${PAGE}`,
        sql: async (db) => {
          await getStaffRun(db, f.hot.id);
          await listRunEventHeads(db, f.hot.correlation, { limit: PAGE });
        },
      },
      {
        label: '5b. hot run events, page in the middle (before=)',
        cookie: f.root,
        path: () => `${STAFF_API.events(f.hot.id)}?limit=${PAGE}&before=${f.hot.middle}`,
        sql: async (db) => {
          await getStaffRun(db, f.hot.id);
          await listRunEventHeads(db, f.hot.correlation, { before: f.hot.middle, limit: PAGE });
        },
      },
    ],
  };
}

// ---- report ----

const fmt = (n: number): string => (Number.isNaN(n) ? '-' : n < 10 ? n.toFixed(2) : n.toFixed(1));

type Results = Map<string, Sample[]>;
const samplesOf = (results: Results, c: Case, clients: number): Sample[] => results.get(`${c.label}|${clients}`) ?? [];
const medianOf = (xs: readonly Sample[], f: (s: Sample) => number): number => median(xs.map(f));

/** One row of the table: a case's medians beside the session floor of the same clients (undefined: the floor's own row). */
function row(c: Case, clients: number, s: readonly Sample[], o: { floorP95?: number; sql: SqlFloor | undefined }): string {
  const { floorP95, sql: q } = o;
  const p95 = medianOf(s, (x) => x.p95);
  const failed = s.reduce((n, x) => n + x.failed, 0);
  const verdict = failed ? `${failed} non-200` : p95 < TARGET_MS ? 'OK' : 'over';
  const cpu = (k: string): string => fmt(medianOf(s, (x) => x.cpu[k] ?? Number.NaN));
  const vsFloor = floorP95 === undefined ? '- | -' : `${fmt(floorP95)} | ${(p95 / floorP95).toFixed(1)}`;
  return (
    `| ${c.label} | ${clients} | ${fmt(medianOf(s, (x) => x.p50))} | ${fmt(p95)} | ${fmt(medianOf(s, (x) => x.p99))} | ${s.map((x) => fmt(x.p95)).join(' / ')} | ` +
    `${vsFloor} | ${q ? `${fmt(q.ms)} (${q.kb.toFixed(0)})` : '-'} | ${cpu('console')} | ${cpu('postgres')} | ${TARGET_MS} | ${verdict} |`
  );
}

/** The table of medians over the repetitions, each case beside the session floor of the same clients. */
function report(floor: Case, measured: readonly Case[], results: Results, floors: Map<string, SqlFloor>): void {
  console.log(`\nstaff-console, ${RUNS} runs, ${EVENTS} flow events (hot run ${HOT}), ${requests} requests per case after ${warmup} warm-up, keep-alive; medians of ${repeats} runs; ${process.env.HOSTNAME ?? 'this machine'}`);
  console.log('| case | clients | p50 ms | p95 ms | p99 ms | p95 per run | floor p95 ms | p95/floor | SQL ms (out kB) | CPU ms/req console | CPU ms/req postgres | target ms | verdict |');
  console.log('|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|');
  for (const clients of CLIENTS) {
    const floorP95 = medianOf(samplesOf(results, floor, clients), (x) => x.p95);
    console.log(row(floor, clients, samplesOf(results, floor, clients), { sql: floors.get(floor.label) }));
    for (const c of measured) console.log(row(c, clients, samplesOf(results, c, clients), { floorP95, sql: floors.get(c.label) }));
  }
  console.log("SQL ms (out kB): the SQL the case's handler sends besides auth (the floor row: the auth reads), EXPLAIN (ANALYZE, SERIALIZE) one query after another: median summed execution time and output.");
  for (const c of [floor, ...measured]) {
    for (const clients of CLIENTS) {
      const f = samplesOf(results, c, clients).find((x) => x.failure)?.failure;
      if (f) console.log(`non-200 in "${c.label}" (${clients} clients), first: ${f}`);
    }
  }
}

/** The plans of the cases over target (or all with --plans), the slowest query first. */
function printPlans(all: readonly Case[], results: Results, floors: Map<string, SqlFloor>): void {
  for (const c of all) {
    const over = CLIENTS.some((n) => medianOf(samplesOf(results, c, n), (s) => s.p95) >= TARGET_MS);
    if (!a.plans && !over) continue;
    console.log(`\n-- ${c.label}${over ? ' (over target)' : ''}`);
    for (const p of [...(floors.get(c.label)?.plans ?? [])].sort((x, y) => y.ms - x.ms)) console.log(`${p.sql}\n${p.plan}\n`);
  }
}

// ---- main ----

const stack = await startBenchStack(name, { with: ['postgres', 'nats'] });
const env: Record<string, string> = {
  ...stackEnv(stack),
  ...bus,
  LOG_LEVEL: 'warn',
  CODEXK8S_STAFF_SECRET: randomBytes(32).toString('hex'),
  CODEXK8S_STAFF_LOGIN_LINKS: 'true',
};
const url = env.DATABASE_URL ?? '';
// As bus-admin: creates the streams staff-console waits for (no audit-writer here: nothing is recorded).
const admin = await connectBenchAdmin(env, bus);
const db = createDb(url, { applicationName: 'bench-staff' });
const rec = sqlRecorder(url);
let staff: ServiceProcess | undefined;
try {
  await migrateToLatest(db);
  const t0 = performance.now();
  const seeded = await seed(url, db);
  const seedS = (performance.now() - t0) / 1000;
  console.error(`   seeded in ${seedS.toFixed(1)} s`);

  const port = await freePort();
  const logFile = join(stack.dir, 'logs', `bench-staff-console-${tag}.log`);
  // The stack (and this log) is removed at the end: a failed start shows the log's tail here.
  staff = await startServiceProcess('staff-console', { env: { ...env, HTTP_HOST: '127.0.0.1', HTTP_PORT: String(port) }, logFile }).catch((err: unknown) => {
    console.error(readFileSync(logFile, 'utf8').slice(-4000));
    throw err;
  });
  const base = `http://127.0.0.1:${port}`;
  const svc = staff;
  const f = await fixture(db, base);
  const { floor, measured } = cases(f);
  const all = [floor, ...measured];
  const meter = () => cpuMeter({ console: () => [svc.process.pid ?? 0], postgres: () => (stack.postgres ? processTree(stack.postgres.pid) : []), loadgen: () => [process.pid] });

  // The SQL floor first (it also warms the caches the first HTTP requests would otherwise warm).
  const floors = new Map<string, SqlFloor>();
  for (const c of all) floors.set(c.label, await sqlFloor(rec, c.sql, sqlSamples));

  // HTTP: each repetition measures the floor and every case at each concurrency, in the same order (drift hits all).
  const results: Results = new Map();
  const once = async (c: Case, clients: number): Promise<Sample> => {
    await measure(c, { base, clients, n: warmup, meter });
    const s = await measure(c, { base, clients, n: requests, meter });
    results.set(`${c.label}|${clients}`, [...samplesOf(results, c, clients), s]);
    return s;
  };
  const repetition = async (r: number): Promise<void> => {
    for (const clients of CLIENTS) {
      const p95s: string[] = [];
      for (const c of all) p95s.push(fmt((await once(c, clients)).p95));
      console.error(`   run ${r + 1}, ${clients} client(s), p95 ms: ${p95s.join(' ')}`);
    }
  };
  for (let r = 0; r < repeats; r++) await repetition(r);

  const seeding = `${seedS.toFixed(1)} s (${Object.entries(seeded.seconds).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')}); ${JSON.stringify(seeded.counts)}`;
  console.log(`\nseeding (not measured): ${seeding}`);
  report(floor, measured, results, floors);
  printPlans(all, results, floors);
  const worst = (clients: number): number => Math.max(...measured.map((c) => medianOf(samplesOf(results, c, clients), (s) => s.p95)));
  const floorP95 = (clients: number): number => medianOf(samplesOf(results, floor, clients), (s) => s.p95);
  console.log(`RESULT worst_p95_1=${fmt(worst(1))} worst_p95_8=${fmt(worst(8))} floor_p95_1=${fmt(floorP95(1))} floor_p95_8=${fmt(floorP95(8))} target=${TARGET_MS} seed_s=${seedS.toFixed(1)}`);
} finally {
  await staff?.stop();
  await rec.db.destroy();
  await db.destroy();
  await admin.drain();
  await stopStack(name, { purge: true });
}
