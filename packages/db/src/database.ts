import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { FlowEventsTable } from './tables/flow-events.table.js';
import type { AgentRunsTable, ProjectsTable, RepositoriesTable, SlotsTable } from './tables/platform.table.js';
import type { WebhookDeliveriesTable } from './tables/webhook-deliveries.table.js';

export interface Database {
  webhook_deliveries: WebhookDeliveriesTable;
  flow_events: FlowEventsTable;
  projects: ProjectsTable;
  repositories: RepositoriesTable;
  agent_runs: AgentRunsTable;
  slots: SlotsTable;
}

export type Db = Kysely<Database>;

/** A Kysely instance over a pg pool. The caller owns it and must `destroy()` it on shutdown. */
export function createDb(url: string, opts: { max?: number; applicationName?: string } = {}): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    application_name: opts.applicationName ?? 'codex-k8s',
    connectionTimeoutMillis: 5_000,
  });
  // A dropped server connection must not crash the process: queries fail and are retried by callers.
  pool.on('error', () => undefined);
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
