import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureImages, readState, REPO_ROOT } from '@codex-k8s/stack';
import { buildUi } from './build-ui.js';

// npm run images [-- --stack NAME] [--only a,b]: builds the platform's images without Docker or a registry (OCI
// archives from Debian packages and this machine's binaries, cached by content under ~/.cache/codex-k8s/images) and
// imports them into the real node of a running stack (default: dev).
const args = process.argv.slice(2);
const at = (flag: string): string | undefined => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const stack = at('--stack') ?? process.env.CODEXK8S_STACK ?? 'dev';
const only = at('--only')?.split(',').filter(Boolean);

const state = readState(stack);
if (!state?.node) {
  console.error(`stack "${stack}" has no real node running; start it first: npm run stack -- up${stack === 'dev' ? '' : ` --name ${stack}`}`);
  process.exit(1);
}
const t0 = Date.now();
// The platform and agent images are made from compiled output (services, the runner): bring it up to date first (seconds when it is).
if (!only || only.includes('platform') || only.includes('agent-runner')) execFileSync(join(REPO_ROOT, 'node_modules', '.bin', 'tsc'), ['-b'], { cwd: REPO_ROOT, stdio: 'inherit' });
// The platform image ships the staff console's UI (its dist/public).
if (!only || only.includes('platform')) await buildUi(REPO_ROOT);
for (const i of ensureImages(state.node.socket, only)) {
  console.log(`${i.ref.padEnd(40)} ${i.digest.slice(0, 19)}  ${i.built ? `built in ${(i.ms / 1000).toFixed(1)} s` : 'cached'}, ${i.imported ? 'imported' : 'already imported'}`);
}
console.error(`images ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (stack "${stack}", node ${state.node.name})`);
