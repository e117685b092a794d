import { spawn, type SpawnOptions } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/** A free TCP port on 127.0.0.1, chosen by the kernel. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts a server process detached from this one (so `stack up` can exit), with stdout and stderr appended
 * to `logFile`. Returns its pid.
 */
export function spawnDetached(cmd: string, args: readonly string[], opts: { logFile: string; env?: NodeJS.ProcessEnv; uid?: number; gid?: number; cwd?: string }): number {
  const fd = openSync(opts.logFile, 'a');
  const spawnOpts: SpawnOptions = {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: opts.env ?? process.env,
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.gid } : {}),
  };
  const child = spawn(cmd, [...args], spawnOpts);
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  child.unref();
  return child.pid;
}

/** True when a process with this pid exists. */
export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends SIGTERM, waits up to `graceMs`, then SIGKILL. Resolves when the process is gone. */
export async function stopProcess(pid: number | undefined, graceMs = 10_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid as number, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) {
    try {
      process.kill(pid as number, 'SIGKILL');
    } catch {
      // gone already
    }
    while (isAlive(pid)) await sleep(50);
  }
}

/**
 * Kills whatever is left of a process group (spawnDetached makes each process a group leader): workers or forked
 * children that outlived their leader. Nothing when the group is empty.
 */
export function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // no such group: nothing left
  }
}

/** Whether a TCP connection to host:port is accepted within `timeoutMs` (the connection is closed at once). */
export function acceptsTcp(host: string, port: number, timeoutMs = 3_000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: timeoutMs }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
    s.on('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Polls `check` until it returns true, the process dies, or the timeout passes.
 * @throws Error naming what did not become ready and pointing at its log.
 */
export async function waitReady(what: string, check: () => Promise<boolean>, opts: { timeoutMs: number; pid?: number; logFile?: string }): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  while (Date.now() < deadline) {
    if (opts.pid !== undefined && !isAlive(opts.pid)) {
      throw new Error(`${what} exited during start${opts.logFile ? `; see ${opts.logFile}` : ''}`);
    }
    if (await check().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`${what} was not ready within ${opts.timeoutMs} ms${opts.logFile ? `; see ${opts.logFile}` : ''}`);
}
