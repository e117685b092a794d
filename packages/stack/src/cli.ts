import { readState, stackEnv, stackStatus, startStack, stopStack } from './stack.js';

// npm run stack -- up|down|status|env [--name N] [--purge] [--with postgres,nats,kube[,node]]
const args = process.argv.slice(2);
const cmd = args[0] ?? 'status';
const nameAt = args.indexOf('--name');
const name = nameAt >= 0 ? (args[nameAt + 1] ?? 'dev') : (process.env.CODEXK8S_STACK ?? 'dev');
const withAt = args.indexOf('--with');
const only = withAt >= 0 ? (args[withAt + 1] ?? '').split(',').filter((c): c is 'postgres' | 'nats' | 'kube' | 'node' => ['postgres', 'nats', 'kube', 'node'].includes(c)) : undefined;

async function main(): Promise<number> {
  switch (cmd) {
    case 'up': {
      const s = await startStack({ name, ...(only ? { with: only } : {}) });
      console.error(`stack "${name}" up in ${(s.startMs / 1000).toFixed(1)} s; state in ${s.dir}`);
      printEnv(stackEnv(s));
      return 0;
    }
    case 'down':
      await stopStack(name, { purge: args.includes('--purge') });
      console.error(`stack "${name}" stopped`);
      return 0;
    case 'status': {
      const s = readState(name);
      if (!s) {
        console.log(`stack "${name}" is not running`);
        return 1;
      }
      const st = stackStatus(s);
      for (const [k, up] of Object.entries(st)) console.log(`${k.padEnd(18)} ${up ? 'up' : 'DOWN'}`);
      return Object.values(st).every(Boolean) ? 0 : 1;
    }
    case 'env': {
      const s = readState(name);
      if (!s) return 1;
      printEnv(stackEnv(s));
      return 0;
    }
    default:
      console.error('usage: npm run stack -- up|down|status|env [--name N] [--purge] [--with postgres,nats,kube[,node]]');
      return 2;
  }
}

function printEnv(env: Record<string, string>): void {
  for (const [k, v] of Object.entries(env)) console.log(`export ${k}='${v}'`);
}

process.exitCode = await main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  return 1;
});
