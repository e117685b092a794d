import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkCloneUrl, fetchSnapshot } from './repo.js';

// A real bare repository on disk, pushed to with real git: two commits on main, a tag on the first.
function makeRepo(): { url: string; first: string; second: string } {
  const root = mkdtempSync(join(tmpdir(), 'codex-k8s-git-'));
  const bare = join(root, 'shop.git');
  const work = join(root, 'work');
  const g = (args: string[], cwd = work) => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } }).trim();
  execFileSync('git', ['init', '-q', '--bare', bare]);
  execFileSync('git', ['init', '-q', '-b', 'main', work]);
  writeFileSync(join(work, 'services.yaml'), 'v: 1\n');
  g(['add', '.']);
  g(['commit', '-q', '-m', 'one']);
  g(['tag', 'v1']);
  const first = g(['rev-parse', 'HEAD']);
  writeFileSync(join(work, 'services.yaml'), 'v: 2\n');
  g(['commit', '-q', '-am', 'two']);
  const second = g(['rev-parse', 'HEAD']);
  g(['push', '-q', bare, 'main', 'v1']);
  return { url: `file://${bare}`, first, second };
}

test('fetches a branch, a tag and a commit into a cache keyed by commit', async () => {
  const repo = makeRepo();
  const cacheDir = mkdtempSync(join(tmpdir(), 'codex-k8s-cache-'));
  const main = await fetchSnapshot({ cloneUrl: repo.url, ref: 'main', cacheDir });
  assert.equal(main.commit, repo.second);
  assert.equal(readFileSync(join(main.dir, 'services.yaml'), 'utf8'), 'v: 2\n');
  assert.ok(!existsSync(join(main.dir, '.git')), 'a snapshot, not a checkout');
  const tag = await fetchSnapshot({ cloneUrl: repo.url, ref: 'v1', cacheDir });
  assert.equal(tag.commit, repo.first);
  assert.equal(readFileSync(join(tag.dir, 'services.yaml'), 'utf8'), 'v: 1\n');
  const again = await fetchSnapshot({ cloneUrl: repo.url, ref: repo.second, cacheDir });
  assert.equal(again.dir, main.dir, 'the same commit is served from the cache');
  await assert.rejects(fetchSnapshot({ cloneUrl: repo.url, ref: 'nope', cacheDir }), /ref "nope" not found/);
});

test('repository URLs that are options or unknown schemes are refused', () => {
  for (const bad of ['--upload-pack=touch /tmp/x', 'ext::sh -c id', '/etc', 'http://insecure.example/x.git']) assert.throws(() => checkCloneUrl(bad), /unsupported repository URL/);
  assert.equal(checkCloneUrl('https://github.com/acme/shop.git'), 'https://github.com/acme/shop.git');
});
