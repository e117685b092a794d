#!/usr/bin/env node
// Zero-dependency entry for the README commands: installs npm dependencies when node_modules is missing or
// older than package-lock.json, then runs the given TypeScript entry point through tsx.
// Usage: node scripts/bootstrap.mjs <entry.ts> [args...]
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lock = join(root, 'package-lock.json');
const stamp = join(root, 'node_modules', '.codex-k8s-lock.sha256');
const want = createHash('sha256').update(readFileSync(lock)).digest('hex');
const have = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';
if (want !== have) {
  console.error('codex-k8s: installing npm dependencies (npm ci)...');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  writeFileSync(stamp, want);
}
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/bootstrap.mjs <entry.ts> [args...]');
  process.exit(2);
}
const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(root, entry), ...args], {
  cwd: root,
  stdio: 'inherit',
});
// Forward stop signals so the entry point can tear down what it started (stack, services).
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + 15 : 1)));
