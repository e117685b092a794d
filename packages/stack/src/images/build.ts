import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { candidateVersion } from '../debian.js';
import { writeOciArchive } from '../oci.js';
import { cacheDir } from '../paths.js';
import { fillRoot, type ImageRecipe } from './recipes.js';
import { nodePackageClosure } from './rootfs.js';

/** A built image: its archive in the cache and the manifest digest containerd will know it by. */
export interface BuiltImage {
  readonly name: string;
  readonly ref: string;
  readonly archive: string;
  readonly digest: string;
  /** False when the archive came from the cache. */
  readonly built: boolean;
  readonly ms: number;
}

/**
 * The cache key of an image: the recipe (name, ref, revision, command), the Debian versions apt would fetch, the
 * size and mtime of each host binary, and the content of each project file. The same inputs give the same key, so a
 * warm run finds the archive and builds nothing.
 */
export function imageKey(r: ImageRecipe): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ name: r.name, ref: r.ref, revision: r.revision, cmd: r.cmd, entrypoint: r.entrypoint, env: r.env, user: r.user, workingDir: r.workingDir }));
  for (const d of r.debs) h.update(`deb ${d} ${candidateVersion(d) ?? 'none'}\n`);
  for (const b of r.binaries) {
    const st = statSync(b);
    h.update(`bin ${b} ${st.size} ${st.mtimeMs}\n`);
  }
  for (const [from, to] of Object.entries(r.files)) h.update(`file ${to} `).update(readFileSync(from));
  for (const p of (r.nodePackages ?? []).flatMap((n) => nodePackageClosure(n))) h.update(`npm ${p.name}@${p.version}\n`);
  for (const [from, to] of Object.entries(r.trees ?? {})) h.update(`tree ${to} ${statSync(from).mtimeMs}\n`);
  for (const [from, to] of Object.entries(r.hashedTrees ?? {})) {
    if (!existsSync(from)) throw new Error(`${from} is missing: build first (npx tsc -b)`);
    for (const f of filesUnder(from)) h.update(`tree ${to}/${relative(from, f)} `).update(readFileSync(f));
  }
  return h.digest('hex').slice(0, 16);
}

/** Every file under a directory, sorted (symlinks and directories themselves are not files). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    // parentPath from Node 20.12; path before (the same value).
    .map((e) => join((e as { parentPath?: string }).parentPath ?? e.path, e.name))
    .sort();
}

/** Builds the image's archive unless the cache already holds one for the same inputs. */
export function buildImage(r: ImageRecipe): BuiltImage {
  const t0 = Date.now();
  const dir = join(cacheDir(), 'images');
  mkdirSync(dir, { recursive: true });
  const archive = join(dir, `${r.name}-${imageKey(r)}.tar`);
  if (existsSync(`${archive}.digest`) && existsSync(archive)) {
    return { name: r.name, ref: r.ref, archive, digest: readFileSync(`${archive}.digest`, 'utf8'), built: false, ms: Date.now() - t0 };
  }
  const root = mkdtempSync(join(dir, `${r.name}-rootfs-`));
  try {
    fillRoot(r, root);
    const digest = writeOciArchive({ rootfs: root, ref: r.ref, cmd: r.cmd, ...(r.entrypoint ? { entrypoint: r.entrypoint } : {}), ...(r.env ? { env: r.env } : {}), ...(r.user ? { user: r.user } : {}), ...(r.workingDir ? { workingDir: r.workingDir } : {}) }, archive);
    writeFileSync(`${archive}.digest`, digest);
    // Archives of this image from other inputs are never used again.
    for (const f of readdirSync(dir).filter((n) => n.startsWith(`${r.name}-`) && /^[0-9a-f]{16}\.tar/.test(n.slice(r.name.length + 1)) && !join(dir, n).startsWith(archive))) rmSync(join(dir, f), { force: true });
    return { name: r.name, ref: r.ref, archive, digest, built: true, ms: Date.now() - t0 };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The digest containerd has for a reference in its k8s.io namespace, or undefined. */
function importedDigest(socket: string, ref: string): string | undefined {
  const out = spawnSync('ctr', ['-a', socket, '-n', 'k8s.io', 'images', 'ls', `name==${ref}`], { encoding: 'utf8' }).stdout ?? '';
  return /\s(sha256:[0-9a-f]{64})\s/.exec(out.split('\n')[1] ?? '')?.[1];
}

/** Imports the image into a node's containerd unless it already has this digest under this reference. Returns whether it imported. */
export function importImage(socket: string, image: BuiltImage): boolean {
  if (importedDigest(socket, image.ref) === image.digest) return false;
  execFileSync('ctr', ['-a', socket, '-n', 'k8s.io', 'images', 'import', image.archive], { stdio: ['ignore', 'ignore', 'pipe'] });
  return true;
}
