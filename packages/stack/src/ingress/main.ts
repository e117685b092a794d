import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { syncClients, syncOnce } from './sync.js';

// The local TLS proxy's sync loop (a process of the stack, beside nginx): every second, the cluster's Ingresses,
// Services, EndpointSlices and TLS Secrets become nginx's configuration and certificate files; nginx reloads when
// they changed (a configuration nginx refuses is never put in place). Usage: main --kubeconfig F --dir D --address A --nginx BIN
const { values } = parseArgs({ options: { kubeconfig: { type: 'string' }, dir: { type: 'string' }, address: { type: 'string' }, nginx: { type: 'string' }, 'interval-ms': { type: 'string', default: '1000' } } });
const opts = { api: syncClients(values.kubeconfig ?? ''), dir: values.dir ?? '', address: values.address ?? '', nginx: values.nginx ?? 'nginx' };
const interval = Number(values['interval-ms']);
let stopping = false;
let timer: NodeJS.Timeout | undefined;

/** A pass never rejects (it logs its own errors); anything else is a bug: exit so the stack's status shows it. */
function fail(err: unknown): void {
  console.error(err);
  process.exit(70);
}

function reloadNginx(): void {
  const pid = Number(readFileSync(join(opts.dir, 'nginx.pid'), 'utf8'));
  if (pid > 0) process.kill(pid, 'SIGHUP');
}

async function pass(): Promise<void> {
  try {
    const { changed, routes } = await syncOnce(opts);
    if (changed) {
      reloadNginx();
      console.log(`${new Date().toISOString()} nginx reloaded: ${routes.map((r) => `${r.host}(${r.paths.map((p) => p.backends.length).join('/')})`).join(' ') || 'no routes'}`);
    }
  } catch (err) {
    console.error(`${new Date().toISOString()} sync failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!stopping) timer = setTimeout(() => pass().catch(fail), interval);
}

for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    stopping = true;
    clearTimeout(timer);
    process.exit(0);
  });
}
pass().catch(fail);
