import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@codex-k8s/stack';

/**
 * A real bare git repository holding a copy of a fixture project on branch main (what a project's GitHub
 * repository is to the platform); returns its file:// URL and the commit. `edit` may change the copy (its
 * directory is passed) before the commit.
 */
export function bareRepoFrom(fixture: string, edit?: (dir: string) => void): { url: string; commit: string } {
  const root = mkdtempSync(join(tmpdir(), 'codex-k8s-project-'));
  const work = join(root, 'work');
  const bare = join(root, 'project.git');
  cpSync(join(REPO_ROOT, fixture), work, { recursive: true });
  edit?.(work);
  const env = { ...process.env, GIT_AUTHOR_NAME: 'test', GIT_AUTHOR_EMAIL: 't@example.test', GIT_COMMITTER_NAME: 'test', GIT_COMMITTER_EMAIL: 't@example.test' };
  const g = (args: string[], cwd = work) => execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim();
  execFileSync('git', ['init', '-q', '--bare', bare]);
  g(['init', '-q', '-b', 'main']);
  g(['add', '.']);
  g(['commit', '-q', '-m', 'sample project']);
  g(['push', '-q', bare, 'main']);
  return { url: `file://${bare}`, commit: g(['rev-parse', 'HEAD']) };
}
