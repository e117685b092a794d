import { createDb } from './database.js';
import { migrateToLatest } from './migrate.js';

// `npm run migrate`: applies migrations to DATABASE_URL and exits non-zero on failure.
const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is required');
  process.exit(2);
}
const db = createDb(url, { max: 1, applicationName: 'codex-k8s-migrate' });
try {
  const applied = await migrateToLatest(db);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  await db.destroy();
}
