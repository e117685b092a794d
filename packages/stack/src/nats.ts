import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { authorizationBlock, type BusScope } from '@codex-k8s/contracts';
import { ensurePlatformIdentities, readIdentities } from './nats-identities.js';
import { freePort, spawnDetached, waitReady } from './proc.js';

export interface NatsHandle {
  readonly pid: number;
  readonly port: number;
  readonly monitorPort: number;
  readonly url: string;
  readonly storeDir: string;
  readonly logFile: string;
  /** Credentials directory: `<identity>.nk` seeds (0600) and identities.json (see nats-identities.ts). */
  readonly credsDir: string;
  readonly configFile: string;
}

/**
 * The local stack's permission scope: tests give each file its own stream and subject root, so both are
 * wildcards here (`*` matches one token); a cluster pins them (`npm run bus -- authorization`).
 */
export const LOCAL_BUS_SCOPE: BusScope = { root: '*', stream: '*' };

/** The credentials directory of a stack's nats-server. */
export function natsCredsDir(stateDir: string): string {
  return join(stateDir, 'nats-creds');
}

/**
 * Writes the server config: listeners, JetStream, and `authorization.users` for every identity recorded in the
 * credentials directory (public keys and permissions only). JSON is valid NATS config syntax, so no value is
 * ever interpolated into config text.
 */
export function writeNatsConfig(h: Pick<NatsHandle, 'port' | 'monitorPort' | 'storeDir' | 'credsDir' | 'configFile'>): void {
  writeFileSync(
    h.configFile,
    JSON.stringify(
      {
        listen: `127.0.0.1:${h.port}`,
        http: `127.0.0.1:${h.monitorPort}`,
        max_payload: 8 * 1024 * 1024,
        jetstream: { store_dir: h.storeDir },
        authorization: authorizationBlock(readIdentities(h.credsDir), LOCAL_BUS_SCOPE),
      },
      null,
      2,
    ),
    { mode: 0o600 },
  );
}

/**
 * Rewrites the config of a running server (after an identity was issued) and makes it reload it (SIGHUP).
 * @throws Error when the process cannot be signalled.
 */
export function reloadNats(h: NatsHandle): void {
  writeNatsConfig(h);
  process.kill(h.pid, 'SIGHUP');
}

/**
 * Starts a real nats-server with JetStream (file storage under `stateDir`) on 127.0.0.1 that admits only the
 * NKEY identities of `<stateDir>/nats-creds` (created on first start: the seven services and bus-admin).
 */
export async function startNats(opts: { bin: string; stateDir: string; port?: number; monitorPort?: number }): Promise<NatsHandle> {
  const storeDir = join(opts.stateDir, 'nats');
  mkdirSync(storeDir, { recursive: true });
  const credsDir = natsCredsDir(opts.stateDir);
  ensurePlatformIdentities(credsDir);
  const port = opts.port ?? (await freePort());
  const monitorPort = opts.monitorPort ?? (await freePort());
  const logFile = join(opts.stateDir, 'nats.log');
  const configFile = join(opts.stateDir, 'nats.conf');
  writeNatsConfig({ port, monitorPort, storeDir, credsDir, configFile });
  const pid = spawnDetached(opts.bin, ['-c', configFile], { logFile });
  await waitReady(
    'nats-server',
    async () => (await fetch(`http://127.0.0.1:${monitorPort}/healthz?js-enabled-only=true`)).ok,
    { timeoutMs: 20_000, pid, logFile },
  );
  return { pid, port, monitorPort, url: `nats://127.0.0.1:${port}`, storeDir, logFile, credsDir, configFile };
}
