import { Migrator, type MigrationResultSet } from 'kysely';
import type { Db } from './database.js';
import { MIGRATIONS } from './migrations/index.js';

/** Raised when a migration fails; names the migration. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

/**
 * Brings the schema to the latest version with kysely's Migrator (which takes a lock, so concurrent callers
 * are safe). Returns the names of the migrations applied by this call.
 * @throws MigrationError naming the failed migration.
 */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const res: MigrationResultSet = await migrator.migrateToLatest();
  if (res.error) {
    const failed = res.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError(`migration ${failed} failed`, { cause: res.error });
  }
  return (res.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
