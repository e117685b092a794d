import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureDebianPackages, REPO_ROOT, stackEnv, startStack, stopStack } from '@codex-k8s/stack';

// `npm test [-- --unit] [-- <path filter>...]`: static checks, then unit tests beside the code and integration
// tests in test/ against one shared local stack (real Postgres, nats-server, Kubernetes) started for this run.
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const filters = args.filter((a) => !a.startsWith('--'));

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    if (e === 'node_modules' || e === 'dist') continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (p.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

function run(cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env): number {
  const r = spawnSync(cmd, argv, { cwd: REPO_ROOT, stdio: 'inherit', env });
  return r.status ?? 1;
}

const bin = (n: string): string => join(REPO_ROOT, 'node_modules', '.bin', n);
for (const [what, cmd, argv] of [
  ['typecheck (tsc -b)', bin('tsc'), ['-b']],
  ['typecheck tests and scripts', bin('tsc'), ['-p', 'tsconfig.tools.json']],
  ['typecheck the staff console UI', bin('tsc'), ['-p', 'services/staff-console/web']],
  // The staff console serves these files; its browser test uses them.
  ['build the staff console UI', bin('tsx'), ['scripts/build-ui.ts']],
  ['lint', bin('eslint'), ['.']],
  ['proto drift', bin('tsx'), ['--conditions=source', 'scripts/proto.ts', 'check']],
  ['route doc drift', bin('tsx'), ['--conditions=source', 'scripts/route-doc.ts', 'check']],
] as const) {
  console.error(`== ${what}`);
  if (run(cmd, [...argv]) !== 0) {
    console.error(`${what} failed`);
    process.exit(1);
  }
}

/** Test files that crash parts of the shared stack (its node's kubelet and containerd): run after the rest, alone. */
const ALONE = ['test/integration/real-node-crashes.test.ts'];

const roots = unitOnly ? ['packages', 'services'] : ['packages', 'services', 'test'];
const selected = roots
  .flatMap((r) => files(join(REPO_ROOT, r)))
  .map((f) => relative(REPO_ROOT, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
const needsStack = selected.some((f) => f.startsWith('test/'));
const name = `test-${process.pid}`;
let env: NodeJS.ProcessEnv = { ...process.env };
let child: ReturnType<typeof spawn> | undefined;
let stopping = false;
const teardown = async (code: number): Promise<never> => {
  stopping = true;
  if (needsStack) await stopStack(name, { purge: true }).catch((err: unknown) => console.error('stack teardown failed:', err));
  process.exit(code);
};
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    child?.kill('SIGTERM');
    if (!stopping) void teardown(130).catch(() => process.exit(130));
  });
}
try {
  if (needsStack) {
    // The browser test drives Debian's Chromium; its NSS tools trust the stack's CA (test/support/browser.ts).
    if (selected.some((f) => f.includes('browser'))) ensureDebianPackages(['chromium', 'libnss3-tools'], (l) => console.error(`   ${l}`));
    console.error('== starting the local stack for this run');
    const s = await startStack({ name });
    console.error(`   stack up in ${(s.startMs / 1000).toFixed(1)} s`);
    env = { ...env, ...stackEnv(s) };
  }
  const alone = selected.filter((f) => ALONE.includes(f));
  const together = selected.filter((f) => !ALONE.includes(f));
  let code = 0;
  for (const [files, concurrency] of [[together, 2], [alone, 1]] as const) {
    if (files.length === 0) continue;
    console.error(`== node --test: ${files.length} files${concurrency === 1 ? ', one at a time (they crash parts of the shared stack)' : ''}`);
    const nodeArgs = ['--conditions=source', '--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', '--test-timeout=300000', ...files];
    child = spawn(process.execPath, nodeArgs, { cwd: REPO_ROOT, stdio: 'inherit', env });
    const exit = await new Promise<number>((resolve) => child?.on('exit', (c) => resolve(c ?? 1)));
    code ||= exit;
  }
  await teardown(code);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  await teardown(1);
}
