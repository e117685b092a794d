import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, spawnDetached, waitReady } from './proc.js';

export interface NatsHandle {
  readonly pid: number;
  readonly port: number;
  readonly monitorPort: number;
  readonly url: string;
  readonly storeDir: string;
  readonly logFile: string;
}

/** Starts a real nats-server with JetStream (file storage under `stateDir`) on 127.0.0.1. */
export async function startNats(opts: { bin: string; stateDir: string; port?: number; monitorPort?: number }): Promise<NatsHandle> {
  const storeDir = join(opts.stateDir, 'nats');
  mkdirSync(storeDir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const monitorPort = opts.monitorPort ?? (await freePort());
  const logFile = join(opts.stateDir, 'nats.log');
  const conf = join(opts.stateDir, 'nats.conf');
  // JSON is valid NATS config syntax, so no value is ever interpolated into config text.
  writeFileSync(conf, JSON.stringify({
    listen: `127.0.0.1:${port}`,
    http: `127.0.0.1:${monitorPort}`,
    max_payload: 8 * 1024 * 1024,
    jetstream: { store_dir: storeDir },
  }, null, 2));
  const pid = spawnDetached(opts.bin, ['-c', conf], { logFile });
  await waitReady(
    'nats-server',
    async () => (await fetch(`http://127.0.0.1:${monitorPort}/healthz?js-enabled-only=true`)).ok,
    { timeoutMs: 20_000, pid, logFile },
  );
  return { pid, port, monitorPort, url: `nats://127.0.0.1:${port}`, storeDir, logFile };
}
