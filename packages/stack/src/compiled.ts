import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from './paths.js';

/** Every non-test TypeScript source under `dir` (recursively). */
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Whether every source of a workspace (its `src/`) has its compiled `dist/` file, written after the source. */
function builtFresh(workspace: string): boolean {
  const src = join(workspace, 'src');
  if (!existsSync(src)) return true;
  return sources(src).every((file) => {
    const js = join(workspace, 'dist', relative(src, file)).replace(/\.ts$/, '.js');
    return existsSync(js) && statSync(js).mtimeMs >= statSync(file).mtimeMs;
  });
}

/**
 * The compiled entry of a service (`services/<name>/dist/main.js`) when it and every shared package are built from
 * the current sources (`npm run build`, which `npm test` and `npm run dev` run first), else undefined: the caller
 * runs the TypeScript sources through tsx instead (correct, but several times the memory and start time).
 * `CODEXK8S_RUN_FROM_SOURCE=1` always answers undefined.
 */
export function compiledEntry(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CODEXK8S_RUN_FROM_SOURCE === '1') return undefined;
  const service = join(REPO_ROOT, 'services', name);
  const entry = join(service, 'dist', 'main.js');
  if (!existsSync(entry) || !builtFresh(service)) return undefined;
  const packages = join(REPO_ROOT, 'packages');
  return readdirSync(packages).every((p) => builtFresh(join(packages, p))) ? entry : undefined;
}
