import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { test } from 'node:test';
import { ServicesConfigError } from './errors.js';
import { loadServicesYaml } from './load.js';
import { directorySource } from './source.js';

const SECRET = 'S3CRET-outside-the-checkout-4e1f';
const KUBECONFIG = `apiVersion: v1
kind: Config
users:
  - name: admin
    user: { client-key-data: ${SECRET} }
`;
const SERVICES = (imports = 'deploy/shared/*.services.yaml') => `apiVersion: codex-k8s.dev/v1alpha1
kind: ServiceStack
metadata: { name: shop }
spec:
  project: shop
  imports: [ "${imports}" ]
  environments:
    ai: { namespaceTemplate: "{{ Project }}-dev-{{ Slot }}" }
  infrastructure:
    - { name: config, manifests: [ { path: deploy/config.yaml } ] }
`;
const FRAGMENT = 'spec:\n  versions:\n    api: { value: "1.0.0" }\n';

/**
 * A checkout and, beside it, an "outside" directory holding what must never be read: a secret file, a fake
 * kubeconfig, a directory of YAML fragments, and a FIFO (opening a FIFO for reading blocks until a writer
 * comes, so a test that reaches it hangs: proof that the target was never opened).
 */
function layout(): { root: string; outside: string; write(rel: string, text: string): void; link(rel: string, target: string): void } {
  const base = mkdtempSync(join(tmpdir(), 'codex-k8s-source-'));
  const root = join(base, 'checkout');
  const outside = join(base, 'outside');
  mkdirSync(join(root, 'deploy', 'shared'), { recursive: true });
  mkdirSync(join(outside, 'fragments'), { recursive: true });
  writeFileSync(join(outside, 'secret.txt'), `${SECRET}\n`);
  writeFileSync(join(outside, 'kubeconfig'), KUBECONFIG);
  writeFileSync(join(outside, 'fragments', 'evil.services.yaml'), `spec: { project: "${SECRET}" }\n`);
  execFileSync('mkfifo', [join(outside, 'fifo')]);
  const write = (rel: string, text: string): void => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  write('services.yaml', SERVICES());
  write('deploy/shared/a.services.yaml', FRAGMENT);
  write('deploy/config.yaml', 'kind: ConfigMap\n');
  return { root, outside, write, link: (rel, target) => symlinkSync(target, join(root, rel)) };
}

/** Asserts a refusal: a ServicesConfigError whose message matches `re` and holds none of the outside content. */
async function refused(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ServicesConfigError, `expected a ServicesConfigError, got ${String(e)}`);
    assert.match(e.message, re);
    for (const leak of [SECRET, 'client-key-data', 'root:x:0', '/bin/']) assert.ok(!e.message.includes(leak), `"${leak}" leaked into: ${e.message}`);
    return true;
  });
}

const load = (root: string) => loadServicesYaml(directorySource(root), { file: 'services.yaml', env: 'ai', slot: 1 });

test('a file symlink to a secret outside the checkout is refused by read and glob, naming the path, never the content', async () => {
  const t = layout();
  t.link('deploy/x.yaml', join(t.outside, 'secret.txt'));
  const src = directorySource(t.root);
  await refused(src.read('deploy/x.yaml'), /^deploy\/x\.yaml: symlink "deploy\/x\.yaml" leads outside the repository; refusing to follow it$/);
  await refused(src.read('./deploy/../deploy/x.yaml'), /symlink "deploy\/x\.yaml" leads outside/);
  await refused(src.glob('deploy/*.yaml'), /symlink "deploy\/x\.yaml" leads outside/);
  // A relative link that climbs out is the same thing.
  t.link('deploy/rel.yaml', '../../outside/secret.txt');
  await refused(src.read('deploy/rel.yaml'), /symlink "deploy\/rel\.yaml" leads outside/);
});

// The timeout turns a regression (the FIFO opened, blocking) into a failure instead of a hang.
test('symlinks to /etc/passwd, to a kubeconfig outside and to a FIFO outside are refused without opening the target', { timeout: 10_000 }, async () => {
  const t = layout();
  t.link('passwd.yaml', '/etc/passwd');
  t.link('deploy/kubeconfig.yaml', join(t.outside, 'kubeconfig'));
  t.link('deploy/fifo.yaml', join(t.outside, 'fifo'));
  const src = directorySource(t.root);
  await refused(src.read('passwd.yaml'), /symlink "passwd\.yaml" leads outside/);
  await refused(src.read('deploy/kubeconfig.yaml'), /symlink "deploy\/kubeconfig\.yaml" leads outside/);
  await refused(src.read('deploy/fifo.yaml'), /symlink "deploy\/fifo\.yaml" leads outside/);
  // A dangling link outside answers exactly like an existing one: no probing which host files exist.
  t.link('deploy/nothing.yaml', join(t.outside, 'no-such-file'));
  await refused(src.read('deploy/nothing.yaml'), /symlink "deploy\/nothing\.yaml" leads outside/);
});

test('absolute paths and .. above the root are refused before any file system access', async () => {
  const t = layout();
  const src = directorySource(t.root);
  await refused(src.read('/etc/passwd'), /^\/etc\/passwd: the path leaves the repository$/);
  await refused(src.read('deploy/../../outside/secret.txt'), /the path leaves the repository/);
  await refused(src.glob('../outside/*.txt'), /the path leaves the repository/);
  // Out through a link and back in by name still counts as leaving: the checkout's location is not the repository's business.
  t.link('up', '..');
  await refused(src.read(`up/${basename(t.root)}/services.yaml`), /symlink "up" leads outside/);
});

test('a symlinked directory is refused for reads through it and for an import glob over it', async () => {
  const t = layout();
  t.link('deploy/ext', join(t.outside, 'fragments'));
  const src = directorySource(t.root);
  await refused(src.read('deploy/ext/evil.services.yaml'), /^deploy\/ext\/evil\.services\.yaml: symlink "deploy\/ext" leads outside/);
  await refused(src.glob('deploy/ext/*.services.yaml'), /^deploy\/ext: symlink "deploy\/ext" leads outside/);
  await refused(src.glob('deploy/*/*.services.yaml'), /symlink "deploy\/ext" leads outside/);
  t.write('services.yaml', SERVICES('deploy/ext/*.services.yaml'));
  await refused(load(t.root), /^services\.yaml at spec\.imports\[0\]: deploy\/ext: symlink "deploy\/ext" leads outside the repository/);
});

test('a chain inside -> inside -> outside is refused naming the link that leaves; a loop is an error, not a hang', async () => {
  const t = layout();
  t.link('deploy/c.yaml', join(t.outside, 'secret.txt'));
  t.link('deploy/b.yaml', 'c.yaml');
  t.link('a.yaml', 'deploy/b.yaml');
  const src = directorySource(t.root);
  await refused(src.read('a.yaml'), /^a\.yaml: symlink "deploy\/c\.yaml" leads outside/);
  // The `..` of a link's target is attributed to that link, even when it passes through another link.
  t.link('deploy/sub', 'shared');
  t.link('deploy/climb.yaml', 'sub/../../../outside/secret.txt');
  await refused(src.read('deploy/climb.yaml'), /symlink "deploy\/climb\.yaml" leads outside/);
  t.link('loop1', 'loop2');
  t.link('loop2', 'loop1');
  await refused(src.read('loop1'), /too many levels of symlinks/);
});

test('symlinks that stay inside the checkout keep working; a dangling one inside is a missing file', async () => {
  const t = layout();
  t.link('deploy/alias.yaml', 'config.yaml');
  t.link('conf', 'deploy');
  t.link('chain.yaml', 'conf/alias.yaml');
  t.link('deploy/shared/b.services.yaml', '../shared/a.services.yaml');
  t.link('deploy/gone.yaml', 'never-committed.yaml');
  const src = directorySource(t.root);
  assert.equal(await src.read('deploy/alias.yaml'), 'kind: ConfigMap\n');
  assert.equal(await src.read('conf/config.yaml'), 'kind: ConfigMap\n');
  assert.equal(await src.read('chain.yaml'), 'kind: ConfigMap\n');
  assert.deepEqual(await src.glob('conf/*.yaml'), ['conf/alias.yaml', 'conf/config.yaml'], 'the dangling link and directories are not files');
  assert.deepEqual(await src.glob('deploy/shared/*.services.yaml'), ['deploy/shared/a.services.yaml', 'deploy/shared/b.services.yaml']);
  await assert.rejects(src.read('deploy/gone.yaml'), (e: unknown) => !(e instanceof ServicesConfigError) && /file "deploy\/gone\.yaml" not found/.test(String(e)));
  await assert.rejects(src.read('deploy'), /file "deploy" not found/, 'a directory is not a file');
  await assert.rejects(src.read('deploy/config.yaml/x'), /not found/);
  // A checkout that is itself reached through a symlink (e.g. /tmp -> /private/tmp) is fine.
  const viaLink = join(dirname(t.root), 'checkout-link');
  symlinkSync(t.root, viaLink);
  assert.equal(await directorySource(viaLink).read('conf/alias.yaml'), 'kind: ConfigMap\n');
  assert.equal((await load(viaLink)).namespace, 'shop-dev-1');
});

test('loadServicesYaml: an outside symlink as services.yaml or as an import is a ServicesConfigError naming the path; a missing file stays "file not found"', async () => {
  const t = layout();
  assert.equal((await load(t.root)).versions.api, '1.0.0', 'the layout loads as it is');
  t.link('deploy/shared/z.services.yaml', join(t.outside, 'kubeconfig'));
  // The import glob meets the link first, so the message says which import of which file it came from.
  await refused(load(t.root), /^services\.yaml at spec\.imports\[0\]: deploy\/shared\/z\.services\.yaml: symlink "deploy\/shared\/z\.services\.yaml" leads outside the repository/);
  const other = layout();
  execFileSync('rm', [join(other.root, 'services.yaml')]);
  other.link('services.yaml', '/etc/passwd');
  await refused(load(other.root), /^services\.yaml: symlink "services\.yaml" leads outside the repository; refusing to follow it$/);
  const missing = layout();
  missing.write('services.yaml', SERVICES('deploy/shared/*.services.yaml').replace('imports: [ "deploy/shared/*.services.yaml" ]', 'imports: [ "deploy/none.yaml" ]'));
  await refused(load(missing.root), /import "deploy\/none\.yaml" matches no file/);
  await refused(loadServicesYaml(directorySource(missing.root), { file: 'nope.yaml', env: 'ai', slot: 1 }), /^nope\.yaml: file not found$/);
  assert.equal(readFileSync(join(t.outside, 'secret.txt'), 'utf8'), `${SECRET}\n`, 'the outside files are untouched');
});
