import { createDb, migrateToLatest, type Db } from '@codex-k8s/db';
import { ensureDatabase } from '@codex-k8s/stack';
import pg from 'pg';
import { requireEnv, uniqueSuffix } from './env.js';

export interface TestDatabase {
  readonly url: string;
  readonly db: Db;
  drop(): Promise<void>;
}

/** A migrated database of its own on the shared Postgres; `drop()` removes it. */
export async function freshDatabase(baseUrl: string = requireEnv('DATABASE_URL')): Promise<TestDatabase> {
  const name = `t_${uniqueSuffix()}`;
  const admin = withDatabase(baseUrl, 'postgres');
  await ensureDatabase(admin, name);
  const url = withDatabase(baseUrl, name);
  const db = createDb(url, { max: 5, applicationName: 'test' });
  await migrateToLatest(db);
  return {
    url,
    db,
    async drop() {
      await db.destroy();
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
