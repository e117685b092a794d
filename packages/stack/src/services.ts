import { spawn, type ChildProcess } from 'node:child_process';
import { SERVICE_NAMES, type ServiceName } from '@codex-k8s/contracts';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './paths.js';
import { freePort, waitReady } from './proc.js';

/** The seven platform services (contracts' SERVICE_NAMES), in start order: the webhook endpoint last, once every consumer runs. */
export const PLATFORM_SERVICES: readonly ServiceName[] = [...SERVICE_NAMES.filter((n) => n !== 'webhook-ingress'), 'webhook-ingress'];

export interface ServiceProcess {
  readonly name: string;
  readonly healthPort: number;
  readonly httpPort?: number;
  readonly logFile: string;
  readonly process: ChildProcess;
  /** SIGTERM and wait for the graceful exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: the crash case. */
  kill(): Promise<void>;
}

export interface ServiceProcessOptions {
  readonly env: Record<string, string>;
  readonly logFile: string;
  /** Give it an HTTP port (webhook-ingress) and wait on that port's /readyz. */
  readonly http?: boolean;
  readonly readyTimeoutMs?: number;
}

/**
 * Starts one service from source as a single node process (`node --import tsx`, no CLI wrapper, so a
 * signal reaches the service itself) and waits until its /readyz answers 200. Output goes to `logFile`.
 */
export async function startServiceProcess(name: string, opts: ServiceProcessOptions): Promise<ServiceProcess> {
  const healthPort = await freePort();
  const httpPort = opts.http ? await freePort() : undefined;
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const out = createWriteStream(opts.logFile, { flags: 'a' });
  const entry = join(REPO_ROOT, 'services', name, 'src', 'main.ts');
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', entry], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...opts.env, HEALTH_PORT: String(healthPort), ...(httpPort ? { HTTP_PORT: String(httpPort) } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const readyUrl = `http://127.0.0.1:${httpPort ?? healthPort}/readyz`;
  await waitReady(`${name} (log: ${opts.logFile})`, async () => (await fetch(readyUrl)).ok, {
    timeoutMs: opts.readyTimeoutMs ?? 60_000,
    ...(child.pid ? { pid: child.pid } : {}),
  });
  return {
    name,
    healthPort,
    ...(httpPort ? { httpPort } : {}),
    logFile: opts.logFile,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
