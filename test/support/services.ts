import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, cacheDir, freePort, waitReady } from '@codex-k8s/stack';

export interface RunningService {
  readonly name: string;
  readonly healthPort: number;
  readonly httpPort?: number;
  readonly logFile: string;
  readonly process: ChildProcess;
  /** SIGTERM and wait for a clean exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: the crash case. */
  kill(): Promise<void>;
}

/**
 * Starts a real service process (`tsx services/<name>/src/main.ts`) with the given environment and waits
 * until its /readyz answers 200. Output goes to a log file under the cache dir, named in failures.
 */
export async function startService(name: string, env: Record<string, string>, opts: { http?: boolean } = {}): Promise<RunningService> {
  const healthPort = await freePort();
  const httpPort = opts.http ? await freePort() : undefined;
  const logDir = join(cacheDir(), 'test-logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${name}-${process.pid}-${healthPort}.log`);
  const out = createWriteStream(logFile, { flags: 'a' });
  // One process (no tsx CLI wrapper), so SIGKILL really kills the service.
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(REPO_ROOT, 'services', name, 'src', 'main.ts')], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env, HEALTH_PORT: String(healthPort), ...(httpPort ? { HTTP_PORT: String(httpPort) } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const readyUrl = httpPort ? `http://127.0.0.1:${httpPort}/readyz` : `http://127.0.0.1:${healthPort}/readyz`;
  await waitReady(`${name} (log: ${logFile})`, async () => (await fetch(readyUrl)).ok, { timeoutMs: 60_000, ...(child.pid ? { pid: child.pid } : {}) });
  return {
    name,
    healthPort,
    ...(httpPort ? { httpPort } : {}),
    logFile,
    process: child,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
