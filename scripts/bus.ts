import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_STREAM, DEFAULT_SUBJECT_ROOT, authorizationBlock } from '@codex-k8s/contracts';
import { LOCAL_BUS_SCOPE, ensurePlatformIdentities, issueSubscriber, readIdentities, reloadNats, stackDir, type StackState } from '@codex-k8s/stack';

// npm run bus -- <command> [options]: bus identities (NKEY users) and the nats-server authorization they get.
const USAGE = `usage: npm run bus -- <command> [options]
  issue <name> [--consumer <durable>]...  issue a read-only subscriber identity (default consumer: <name>)
  init                                   create the seven service seeds and bus-admin (cluster; needs --dir)
  authorization [--root R] [--stream S]  print the nats-server authorization block (cluster: pinned root/stream)
  list                                   list the identities and their kinds
where the identities live in:
  --dir <dir>       a credentials directory you keep (cluster)
  --stack <name>    a local stack's directory (default: $CODEXK8S_STACK_DIR, else stack "\${CODEXK8S_STACK:-dev}");
                    issue also rewrites that stack's nats-server config and reloads it (SIGHUP)`;

const { positionals, values: opt } = parseArgs({
  allowPositionals: true,
  options: {
    dir: { type: 'string' },
    stack: { type: 'string' },
    consumer: { type: 'string', multiple: true },
    root: { type: 'string', default: DEFAULT_SUBJECT_ROOT },
    stream: { type: 'string', default: DEFAULT_STREAM },
  },
});
const [cmd, name] = positionals;

/** The local stack's state (pid, ports, credentials directory of its nats-server), when no --dir is given. */
function localStack(): StackState | undefined {
  if (opt.dir) return undefined;
  const dir = opt.stack ? stackDir(opt.stack) : (process.env.CODEXK8S_STACK_DIR ?? stackDir(process.env.CODEXK8S_STACK ?? 'dev'));
  const f = join(dir, 'state.json');
  if (!existsSync(f)) throw new Error(`no running stack in ${dir} (start one with \`npm run stack -- up\`, or give --dir)`);
  const s = JSON.parse(readFileSync(f, 'utf8')) as StackState;
  if (!s.nats?.credsDir) throw new Error(`stack ${s.name} does not run its own nats-server with credentials; give --dir`);
  return s;
}

function init(): number {
  if (!opt.dir) throw new Error('init needs --dir (a local stack creates its identities itself)');
  const ids = ensurePlatformIdentities(resolve(opt.dir));
  console.error(`${ids.length} identities in ${resolve(opt.dir)} (seeds <name>.nk, mode 0600; never commit them)`);
  return 0;
}

function issue(stack: StackState | undefined, dir: string): number {
  if (!name) throw new Error('issue needs a name');
  const { identity, seedFile } = issueSubscriber(dir, name, opt.consumer ?? [name]);
  if (stack?.nats) reloadNats(stack.nats);
  console.error(`issued subscriber ${identity.name} (public key ${identity.publicKey}); consumers: ${identity.consumers?.join(', ')}`);
  console.error(stack ? `the local nats-server of stack ${stack.name} reloaded its config` : 'now print the authorization block and update the nats-auth Secret (docs/bus.md)');
  console.log(seedFile); // stdout: only the seed file's path, for scripts
  return 0;
}

function authorization(stack: StackState | undefined, dir: string): number {
  const scope = stack ? LOCAL_BUS_SCOPE : { root: opt.root, stream: opt.stream };
  // The value after `authorization:` is JSON, valid nats-server config syntax: nothing is interpolated.
  console.log(`authorization: ${JSON.stringify(authorizationBlock(readIdentities(dir), scope), null, 2)}`);
  return 0;
}

function list(dir: string): number {
  for (const i of readIdentities(dir)) console.log(`${i.name.padEnd(28)} ${i.kind.padEnd(10)} ${i.publicKey}${i.consumers ? `  consumers: ${i.consumers.join(', ')}` : ''}`);
  return 0;
}

function main(): number {
  if (cmd === 'init') return init();
  if (!['issue', 'authorization', 'list'].includes(cmd ?? '')) {
    console.error(USAGE);
    return 2;
  }
  const stack = localStack();
  const dir = opt.dir ? resolve(opt.dir) : (stack?.nats?.credsDir ?? '');
  if (cmd === 'issue') return issue(stack, dir);
  return cmd === 'authorization' ? authorization(stack, dir) : list(dir);
}

try {
  process.exitCode = main();
} catch (err) {
  console.error(`bus: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
