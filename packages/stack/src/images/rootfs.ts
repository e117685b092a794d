import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { candidateVersion } from '../debian.js';
import { cacheDir, REPO_ROOT } from '../paths.js';

// Building blocks of an image's root filesystem, from parts this machine can reach: its own binaries with the
// libraries they load, and Debian packages fetched (not installed) through apt.

/** The libraries (and the loader) `ldd` lists for a dynamically linked binary, as absolute paths. Pure. */
export function lddLibraries(output: string): string[] {
  const libs = new Set<string>();
  for (const line of output.split('\n')) {
    const m = /=>\s*(\/\S+)\s/.exec(line) ?? /^\s*(\/\S+)\s+\(0x/.exec(line);
    if (m?.[1]) libs.add(m[1]);
  }
  return [...libs];
}

/** Copies a host file to the same path under the root (following a symlink: the image gets the file itself). */
export function addHostFile(root: string, path: string, at: string = path): void {
  const to = join(root, at);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(realpathSync(path), to);
  chmodSync(to, 0o755);
}

/** A binary and every library it loads, at their host paths. */
export function addBinaryWithLibraries(root: string, bin: string, at: string = bin): void {
  addHostFile(root, bin, at);
  const out = execFileSync('ldd', [realpathSync(bin)], { encoding: 'utf8' });
  for (const lib of lddLibraries(out)) addHostFile(root, lib);
}

/** The libraries a binary loads from the host (not those it brings along under `own`), at their host paths. */
export function addSystemLibrariesOf(root: string, bin: string, own: string): void {
  const out = execFileSync('ldd', [bin], { encoding: 'utf8' });
  for (const lib of lddLibraries(out)) if (!lib.startsWith(`${own}/`) && !realpathSync(lib).startsWith(`${realpathSync(own)}/`)) addHostFile(root, lib);
}

/**
 * An installed npm package and everything it depends on, resolved as Node resolves them (a dependency nested in a
 * package's own node_modules first, then up to the repository's hoisted node_modules), with versions. Nested
 * packages travel inside their parent's directory; only top-level ones are listed, but their dependencies are followed.
 */
export function nodePackageClosure(name: string, seen = new Map<string, { name: string; path: string; version: string }>()): { name: string; path: string; version: string }[] {
  const top = join(REPO_ROOT, 'node_modules');
  const visited = new Set<string>();
  const visit = (dep: string, from: string): void => {
    let path: string | undefined;
    for (let dir = from; dir.startsWith(top) || dir === REPO_ROOT; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', dep);
      if (existsSync(join(candidate, 'package.json'))) {
        path = candidate;
        break;
      }
      if (dir === REPO_ROOT) break;
    }
    if (!path) throw new Error(`npm package ${dep} (needed from ${from}) is not installed; run npm ci`);
    if (visited.has(path)) return;
    visited.add(path);
    const pkg = JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')) as { version: string; dependencies?: Record<string, string> };
    if (dirname(path) === top || dirname(dirname(path)) === top && dep.startsWith('@')) seen.set(dep, { name: dep, path, version: pkg.version });
    for (const d of Object.keys(pkg.dependencies ?? {})) visit(d, path);
  };
  visit(name, REPO_ROOT);
  return [...seen.values()];
}

/**
 * Unpacks a Debian package into the root: downloaded once into the cache with `apt-get download` (no install, no
 * maintainer scripts), keyed by the name and version apt would fetch.
 */
export function addDebianPackage(root: string, pkg: string): void {
  const dir = join(cacheDir(), 'debs');
  mkdirSync(dir, { recursive: true });
  const version = candidateVersion(pkg);
  if (!version) throw new Error(`Debian package ${pkg} is not available from apt here; run apt-get update`);
  // Our own file name per package and version; downloaded into a directory of this call's own, then moved there.
  const deb = join(dir, `${pkg}=${version.replace(/[^A-Za-z0-9.+~-]/g, '_')}.deb`);
  if (!existsSync(deb)) {
    const tmp = mkdtempSync(join(dir, 'download-'));
    try {
      execFileSync('apt-get', ['download', `${pkg}=${version}`], { cwd: tmp, stdio: ['ignore', 'ignore', 'pipe'] });
      const got = readdirSync(tmp).find((f) => f.endsWith('.deb'));
      if (!got) throw new Error(`apt-get download ${pkg}=${version} left no .deb`);
      renameSync(join(tmp, got), deb);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  execFileSync('dpkg-deb', ['-x', deb, root]);
}

/** Busybox's applets as symlinks next to it (sh, ls, cat, nc, ...): a shell and the usual tools, 2 MB. */
export function linkBusyboxApplets(root: string, busybox = '/bin/busybox'): void {
  // Static: it runs from the root as it is.
  const applets = execFileSync(join(root, busybox), ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const a of applets) {
    const at = join(root, 'bin', a);
    if (!existsSync(at)) symlinkSync('busybox', at);
  }
}

/** /etc/passwd and /etc/group with root and the given unprivileged user, /tmp world-writable. */
export function addUsers(root: string, user: { name: string; uid: number; home: string }): void {
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc', 'passwd'), `root:x:0:0:root:/root:/bin/sh\n${user.name}:x:${user.uid}:${user.uid}::${user.home}:/bin/sh\n`);
  writeFileSync(join(root, 'etc', 'group'), `root:x:0:\n${user.name}:x:${user.uid}:\n`);
  mkdirSync(join(root, 'tmp'), { recursive: true });
  chmodSync(join(root, 'tmp'), 0o1777);
  mkdirSync(join(root, user.home), { recursive: true });
  chmodSync(join(root, user.home), 0o1777);
}
