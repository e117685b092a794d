import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { Gauge, register } from 'prom-client';
import { migrateToLatest } from './migrate.js';
import type { AgentArtifactsTable, AgentLogChunksTable, AgentReportsTable, AgentTokensTable } from './tables/agent.table.js';
import type { FlowEventsTable } from './tables/flow-events.table.js';
import type { GithubCommentsTable, GithubRateLimitsTable, GithubRedeliveriesTable } from './tables/github.table.js';
import type { AgentRunsTable, ProjectMembersTable, ProjectsTable, RepositoriesTable, RuntimeDeployTasksTable, NamespaceOwnersTable, LeasesTable, SlotRedeploysTable, SlotsTable, StaffLoginLinksTable, StaffSessionsTable, UsersTable } from './tables/platform.table.js';
import type { WebhookDeliveriesTable } from './tables/webhook-deliveries.table.js';

export interface Database {
  webhook_deliveries: WebhookDeliveriesTable;
  flow_events: FlowEventsTable;
  projects: ProjectsTable;
  repositories: RepositoriesTable;
  agent_runs: AgentRunsTable;
  slots: SlotsTable;
  users: UsersTable;
  project_members: ProjectMembersTable;
  runtime_deploy_tasks: RuntimeDeployTasksTable;
  namespace_owners: NamespaceOwnersTable;
  leases: LeasesTable;
  agent_tokens: AgentTokensTable;
  agent_reports: AgentReportsTable;
  agent_artifacts: AgentArtifactsTable;
  agent_log_chunks: AgentLogChunksTable;
  staff_login_links: StaffLoginLinksTable;
  staff_sessions: StaffSessionsTable;
  slot_redeploys: SlotRedeploysTable;
  github_comments: GithubCommentsTable;
  github_redeliveries: GithubRedeliveriesTable;
  github_rate_limits: GithubRateLimitsTable;
}

export type Db = Kysely<Database>;

/** The pools of this process's service databases, for the pool gauge (one per openServiceDb, by application name). */
const servicePools = new Map<string, pg.Pool>();

// Registered once per process (a module loaded twice must not register the name twice).
if (!register.getSingleMetric('codexk8s_db_pool_connections')) new Gauge({
  name: 'codexk8s_db_pool_connections',
  help: 'Postgres pool connections by state (total, idle, waiting: queries queued for a free connection).',
  labelNames: ['pool', 'state'],
  collect(this: Gauge) {
    for (const [name, pool] of servicePools) {
      this.set({ pool: name, state: 'total' }, pool.totalCount);
      this.set({ pool: name, state: 'idle' }, pool.idleCount);
      this.set({ pool: name, state: 'waiting' }, pool.waitingCount);
    }
  },
});

/** A Kysely instance over a pg pool. The caller owns it and must `destroy()` it on shutdown. */
export function createDb(url: string, opts: { max?: number; applicationName?: string; metrics?: boolean } = {}): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    application_name: opts.applicationName ?? 'codex-k8s',
    connectionTimeoutMillis: 5_000,
  });
  // A dropped server connection (restart, admin shutdown) must not crash the process: the query in flight
  // fails and its caller retries. pg emits 'error' on idle clients through the pool, and on checked-out
  // clients between queries on the client itself, so both need a listener.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  if (opts.metrics) servicePools.set(opts.applicationName ?? 'codex-k8s', pool);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** True when the database answers `select 1`. */
export async function pingDb(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}

/**
 * Waits until the database answers (services start before or during a Postgres outage and must not crash).
 * Calls `onWait` about every 5 s while waiting.
 */
export async function waitForDb(db: Db, opts: { timeoutMs?: number; onWait?: () => void } = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? Number.POSITIVE_INFINITY);
  let lastNote = Date.now();
  while (!(await pingDb(db))) {
    if (Date.now() > deadline) throw new Error('database did not answer in time');
    if (Date.now() - lastNote > 5_000) {
      opts.onWait?.();
      lastNote = Date.now();
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * A service's database at start: a pool named after the service, waiting (with a note every ~5 s) while
 * Postgres is not up yet, then migrated to the latest schema (the Migrator's lock makes that safe to race).
 */
export async function openServiceDb(service: string, url: string, maxConnections: number): Promise<Db> {
  const db = createDb(url, { applicationName: service, max: maxConnections, metrics: true });
  await waitForDb(db, { onWait: () => console.error(`${service}: waiting for Postgres`) });
  await migrateToLatest(db);
  return db;
}
