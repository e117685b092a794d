import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { bareRepoFrom } from '../../scripts/dev/git.js';

export { bareRepoFrom };

/**
 * The sample project (test/fixtures/sample-project) in a bare repository of its own, named `project` in its
 * services.yaml, so a test's slot namespaces and hosts are its own (`<project>-dev-<n>`, `<project>-<n>.ai...`).
 */
export function sampleProjectAs(project: string): { url: string } {
  return bareRepoFrom('test/fixtures/sample-project', (dir) => {
    const f = join(dir, 'services.yaml');
    writeFileSync(f, readFileSync(f, 'utf8').replace('project: shop', `project: ${project}`));
  });
}

/** Pushes one more commit to main of a bare repository (a file:// URL): `edit` changes a clone first. Returns the commit. */
export function pushCommit(url: string, message: string, edit: (dir: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'codex-k8s-push-'));
  const env = { ...process.env, GIT_AUTHOR_NAME: 'test', GIT_AUTHOR_EMAIL: 't@example.test', GIT_COMMITTER_NAME: 'test', GIT_COMMITTER_EMAIL: 't@example.test' };
  const g = (args: string[], cwd = dir) => execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim();
  try {
    g(['clone', '-q', '-b', 'main', url, dir], tmpdir());
    edit(dir);
    g(['commit', '-q', '-am', message]);
    g(['push', '-q', 'origin', 'main']);
    return g(['rev-parse', 'HEAD']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
