import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { directorySource, loadServicesYaml, ServicesConfigError } from '@codex-k8s/services-config';
import { renderUnit } from './manifests.js';
import { checkCloneUrl, fetchSnapshot } from './repo.js';
import { isPermanentDeployError } from './slot.js';

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

// A repository whose author committed symlinks to files of the machine that deploys it: a manifest pointing at
// a secret, and an import pointing at a kubeconfig. Both live outside any checkout, as on a real deployer host.
function makeRepoWithOutsideLinks(): { url: string; secretFile: string; secret: string } {
  const root = mkdtempSync(join(tmpdir(), 'codex-k8s-git-links-'));
  const secret = 'deployer-host-secret-9b3c';
  const secretFile = join(root, 'host-secret.txt');
  const kubeconfig = join(root, 'kubeconfig');
  writeFileSync(secretFile, `${secret}\n`);
  writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nusers: [ { name: admin, user: { token: ${secret} } } ]\n`);
  const bare = join(root, 'shop.git');
  const work = join(root, 'work');
  const g = (args: string[]) => execFileSync('git', args, { cwd: work, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } }).trim();
  execFileSync('git', ['init', '-q', '--bare', bare]);
  execFileSync('git', ['init', '-q', '-b', 'main', work]);
  const stack = (extra: string) => `apiVersion: codex-k8s.dev/v1alpha1
kind: ServiceStack
metadata: { name: shop }
spec:
  project: shop
${extra}  environments:
    ai: { namespaceTemplate: "{{ Project }}-dev-{{ Slot }}" }
  infrastructure:
    - { name: config, manifests: [ { path: deploy/config.yaml } ] }
`;
  writeFileSync(join(work, 'services.yaml'), stack(''));
  writeFileSync(join(work, 'imports.services.yaml'), stack('  imports: [ "deploy/shared/*.services.yaml" ]\n'));
  mkdirSync(join(work, 'deploy', 'shared'), { recursive: true });
  symlinkSync(secretFile, join(work, 'deploy', 'config.yaml'));
  symlinkSync(kubeconfig, join(work, 'deploy', 'shared', 'cluster.services.yaml'));
  g(['add', '.']);
  g(['commit', '-q', '-m', 'links']);
  g(['push', '-q', bare, 'main']);
  return { url: `file://${bare}`, secretFile, secret };
}

test('a committed symlink to a file outside the snapshot is refused for services.yaml imports and manifests, permanently', async () => {
  const repo = makeRepoWithOutsideLinks();
  const snapshot = await fetchSnapshot({ cloneUrl: repo.url, ref: 'main', cacheDir: mkdtempSync(join(tmpdir(), 'codex-k8s-cache-')) });
  assert.ok(lstatSync(join(snapshot.dir, 'deploy', 'config.yaml')).isSymbolicLink(), 'git checked the link out as a link');
  const src = directorySource(snapshot.dir);
  const refused = (re: RegExp) => (e: unknown): boolean => {
    assert.ok(e instanceof ServicesConfigError, String(e));
    assert.ok(isPermanentDeployError(e), 'the deployer ends the run instead of retrying');
    assert.match(e.message, re);
    assert.ok(!e.message.includes(repo.secret), `the secret leaked into: ${e.message}`);
    return true;
  };
  await assert.rejects(
    loadServicesYaml(src, { file: 'imports.services.yaml', env: 'ai', slot: 1 }),
    refused(/^imports\.services\.yaml at spec\.imports\[0\]: deploy\/shared\/cluster\.services\.yaml: symlink "deploy\/shared\/cluster\.services\.yaml" leads outside the repository/),
  );
  const stack = await loadServicesYaml(src, { file: 'services.yaml', env: 'ai', slot: 1 });
  const unit = stack.infrastructure[0];
  assert.ok(unit);
  await assert.rejects(renderUnit(src, stack, unit, {}), refused(/^deploy\/config\.yaml: symlink "deploy\/config\.yaml" leads outside the repository; refusing to follow it$/));
  assert.equal(readFileSync(repo.secretFile, 'utf8'), `${repo.secret}\n`);
});
