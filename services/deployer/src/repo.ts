import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A repository snapshot at one commit, read-only for the deploy. */
export interface Snapshot {
  readonly commit: string;
  readonly dir: string;
}

const SHA = /^[0-9a-f]{40}$/;

async function git(args: readonly string[], cwd?: string): Promise<string> {
  const { stdout } = await run('git', ['-c', 'core.hooksPath=/dev/null', '-c', 'protocol.file.allow=always', ...args], {
    ...(cwd ? { cwd } : {}),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' },
    maxBuffer: 16 * 1024 * 1024,
    timeout: 120_000,
  });
  return stdout;
}

/** Accepts https, ssh and file URLs (file for local mirrors and tests); refuses anything that looks like an option. */
export function checkCloneUrl(url: string): string {
  if (url.startsWith('-') || !/^(https:\/\/|ssh:\/\/|git@|file:\/\/)/.test(url)) throw new Error(`unsupported repository URL "${url}" (https, ssh or file)`);
  return url;
}

/**
 * The repository at `ref` (branch, tag or commit), fetched shallowly with real git into a cache keyed by URL
 * and commit: a ref that resolves to an already fetched commit costs one `ls-remote`. Never reads the platform's
 * own working copy.
 */
export async function fetchSnapshot(opts: { cloneUrl: string; ref: string; cacheDir: string }): Promise<Snapshot> {
  const url = checkCloneUrl(opts.cloneUrl);
  let commit = opts.ref;
  if (!SHA.test(commit)) {
    const out = await git(['ls-remote', '--', url, opts.ref, `refs/heads/${opts.ref}`, `refs/tags/${opts.ref}`]);
    const first = out.split('\n').find((l) => SHA.test(l.slice(0, 40)));
    if (!first) throw new Error(`ref "${opts.ref}" not found in ${url}`);
    commit = first.slice(0, 40);
  }
  const dir = join(opts.cacheDir, createHash('sha256').update(url).digest('hex').slice(0, 16), commit);
  if (existsSync(join(dir, '.codex-k8s-complete'))) return { commit, dir };
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(tmp, { recursive: true });
  try {
    await git(['init', '-q'], tmp);
    await git(['fetch', '-q', '--depth', '1', '--', url, commit], tmp);
    await git(['checkout', '-q', '--detach', 'FETCH_HEAD'], tmp);
    rmSync(join(tmp, '.git'), { recursive: true, force: true });
    writeFileSync(join(tmp, '.codex-k8s-complete'), commit);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return { commit, dir };
}
