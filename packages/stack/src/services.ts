import { spawn, type ChildProcess } from 'node:child_process';
import { RECORDER, SERVICE_NAMES, type ServiceName } from '@codex-k8s/contracts';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { serviceKubeconfigFile } from './kube-identities.js';
import { seedFileOf } from './nats-identities.js';
import { compiledEntry } from './compiled.js';
import { REPO_ROOT } from './paths.js';
import { freePort, waitReady } from './proc.js';

/**
 * The platform services (contracts' SERVICE_NAMES), in start order: the recorder first (only it may create the
 * streams the others wait for), the webhook endpoint last, once every consumer runs.
 */
export const PLATFORM_SERVICES: readonly ServiceName[] = [RECORDER, ...SERVICE_NAMES.filter((n) => n !== 'webhook-ingress' && n !== RECORDER), 'webhook-ingress'];

export interface ServiceProcess {
  readonly name: string;
  readonly healthPort: number;
  readonly httpPort?: number;
  readonly logFile: string;
  /** The current process (a new one after each supervised restart). */
  readonly process: ChildProcess;
  /** Unexpected exits restarted so far. */
  readonly restarts: number;
  /** SIGTERM and wait for the graceful exit; resolves with the exit code. Ends supervision: never restarted after. */
  stop(): Promise<number | null>;
  /** SIGKILL: the crash case. Ends supervision too (the caller decides whether it comes back). */
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
  /** Restart the process when it exits without stop()/kill(), as a Deployment would (default true). */
  readonly supervise?: boolean;
  /** Told of each unexpected exit before the restart (dev prints it). */
  readonly onRestart?: (info: { name: string; code: number | null; signal: NodeJS.Signals | null; delayMs: number }) => void;
  /** Node's settings as environment (default serviceNodeEnv(name)); bench/ compares them with Node's defaults (`{}`). */
  readonly nodeEnv?: Readonly<Record<string, string>>;
}

/** Delay before the n-th restart (1-based): 1 s doubling to 30 s, like a kubelet's CrashLoopBackOff (shorter). Pure. */
export function restartDelayMs(restart: number): number {
  return Math.min(1_000 * 2 ** Math.max(restart - 1, 0), 30_000);
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
 * Starts one service as a single node process (its compiled `dist/main.js` when the build is current, else the
 * sources with `--import tsx`; no CLI wrapper, so a signal reaches the service itself) and waits until its /readyz answers 200. Output goes to `logFile`.
 */
/**
 * How a service's Node runs, here and in its Deployment (deploy/base/<service>/deployment.yaml says the same, a test
 * keeps them equal; docs/adr/0004): one V8 worker thread (single-threaded I/O loops on small nodes), at most two
 * malloc arenas, and, except on the hot paths (webhook-ingress, audit-writer, where it cost ~10% throughput in
 * bench/run.ts, and agent-gateway, ~35% in bench/agent-gateway.ts), the young generation's semi-spaces capped at 1 MB instead of growing to 16 MB each during start-up
 * and staying there (~30 MB less per process).
 */
export function serviceNodeEnv(name: string): Readonly<Record<string, string>> {
  const hot = name === 'webhook-ingress' || name === 'audit-writer' || name === 'agent-gateway';
  return { NODE_OPTIONS: hot ? '--v8-pool-size=1' : '--max-semi-space-size=1 --v8-pool-size=1', MALLOC_ARENA_MAX: '2' };
}

export async function startServiceProcess(name: string, opts: ServiceProcessOptions): Promise<ServiceProcess> {
  const healthPort = await freePort();
  const httpPort = opts.http ? await freePort() : undefined;
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const out = createWriteStream(opts.logFile, { flags: 'a' });
  // Compiled JavaScript when the build is current (a fraction of tsx's memory), the sources through tsx otherwise.
  const compiled = compiledEntry(name, { ...process.env, ...opts.env });
  const argv = compiled ? [compiled] : ['--conditions=source', '--import', 'tsx', join(REPO_ROOT, 'services', name, 'src', 'main.ts')];
  const nodeEnv = opts.nodeEnv ?? serviceNodeEnv(name);
  const seed = serviceSeedFile(name, opts.env);
  // The admin KUBECONFIG tools and tests use never reaches a service that has an identity of its own.
  const kubeconfig = serviceKubeconfigFile(name, opts.env, opts.kubeconfig);
  const { KUBECONFIG: _given, ...given } = opts.env;
  const spawnChild = (): { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } => {
    const child = spawn(process.execPath, argv, {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...given, ...(kubeconfig ? { KUBECONFIG: kubeconfig } : {}), ...(seed ? { NATS_NKEY_SEED_FILE: seed } : {}), ...nodeEnv, HEALTH_PORT: String(healthPort), ...(httpPort ? { HTTP_PORT: String(httpPort) } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    return { child, exited };
  };
  let current = spawnChild();
  const readyUrl = `http://127.0.0.1:${httpPort ?? healthPort}/readyz`;
  try {
    await waitReady(`${name} (log: ${opts.logFile})`, async () => (await fetch(readyUrl)).ok, {
      timeoutMs: opts.readyTimeoutMs ?? 60_000,
      ...(current.child.pid ? { pid: current.child.pid } : {}),
    });
  } catch (err) {
    current.child.kill('SIGKILL');
    out.end();
    throw err;
  }

  // Supervision starts once the service was ready: a process that dies during start is a startup error for the
  // caller, later exits are crashes a Deployment would restart. stop()/kill() end supervision first, so a test that
  // kills a service on purpose stays in control of it.
  let supervised = opts.supervise ?? true;
  let restarts = 0;
  let streak = 0;
  let pending: NodeJS.Timeout | undefined;
  const supervise = (): void => {
    const mine = current;
    const since = Date.now();
    mine.child.once('exit', (code, signal) => {
      if (!supervised || mine !== current) return;
      restarts++;
      // A process that ran a while before dying starts the backoff over (as the kubelet does after 10 min).
      streak = Date.now() - since > 60_000 ? 1 : streak + 1;
      const delayMs = restartDelayMs(streak);
      out.write(`[stack] ${name} exited unexpectedly (code ${code}, signal ${signal}); restart ${restarts} in ${delayMs} ms\n`);
      opts.onRestart?.({ name, code, signal, delayMs });
      pending = setTimeout(() => {
        pending = undefined;
        if (!supervised) return;
        current = spawnChild();
        supervise();
      }, delayMs);
    });
  };
  supervise();
  const alive = (): boolean => current.child.exitCode === null && current.child.signalCode === null;
  const unsupervise = (): void => {
    supervised = false;
    if (pending) clearTimeout(pending);
    pending = undefined;
  };
  return {
    name,
    healthPort,
    ...(httpPort ? { httpPort } : {}),
    logFile: opts.logFile,
    get process() {
      return current.child;
    },
    get restarts() {
      return restarts;
    },
    async stop() {
      unsupervise();
      if (alive()) current.child.kill('SIGTERM');
      const { code } = await current.exited;
      out.end();
      return code;
    },
    async kill() {
      unsupervise();
      if (alive()) current.child.kill('SIGKILL');
      await current.exited;
      out.end();
    },
  };
}
