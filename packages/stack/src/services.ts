import { spawn, type ChildProcess } from 'node:child_process';
import { RECORDER, SERVICE_NAMES, type ServiceName } from '@codex-k8s/contracts';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { serviceKubeconfigFile } from './kube-identities.js';
import { seedFileOf } from './nats-identities.js';
import { REPO_ROOT } from './paths.js';
import { freePort, waitReady } from './proc.js';

/**
 * The seven platform services (contracts' SERVICE_NAMES), in start order: the recorder first (only it may create the
 * streams the others wait for), the webhook endpoint last, once every consumer runs.
 */
export const PLATFORM_SERVICES: readonly ServiceName[] = [RECORDER, ...SERVICE_NAMES.filter((n) => n !== 'webhook-ingress' && n !== RECORDER), 'webhook-ingress'];

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
  /**
   * Run as this kubeconfig instead of the service's own deploy/ identity (a test's own ServiceAccount). Without it,
   * `env.KUBECONFIG` is only used when the stack has no service identities (see serviceKubeconfigFile).
   */
  readonly kubeconfig?: string;
}

/**
 * The service's own NKEY seed when the stack's bus has credentials (CODEXK8S_NATS_CREDS_DIR in `env` or in this
 * process's environment, as `stackEnv` exports it): a service never runs with the admin seed tools use.
 * @throws Error when the directory has no seed for the service.
 */
export function serviceSeedFile(name: string, env: Record<string, string>): string | undefined {
  const dir = env.CODEXK8S_NATS_CREDS_DIR ?? process.env.CODEXK8S_NATS_CREDS_DIR;
  if (!dir) return undefined;
  const file = seedFileOf(dir, name);
  if (!existsSync(file)) throw new Error(`no NATS credentials for ${name} in ${dir}`);
  return file;
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
  const seed = serviceSeedFile(name, opts.env);
  // The admin KUBECONFIG tools and tests use never reaches a service that has an identity of its own.
  const kubeconfig = serviceKubeconfigFile(name, opts.env, opts.kubeconfig);
  const { KUBECONFIG: _given, ...given } = opts.env;
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', entry], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...given, ...(kubeconfig ? { KUBECONFIG: kubeconfig } : {}), ...(seed ? { NATS_NKEY_SEED_FILE: seed } : {}), HEALTH_PORT: String(healthPort), ...(httpPort ? { HTTP_PORT: String(httpPort) } : {}) },
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
