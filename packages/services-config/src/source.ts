import { constants, type Stats } from 'node:fs';
import { lstat, open, readdir, readlink, realpath } from 'node:fs/promises';
import { posix } from 'node:path';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { ServicesConfigError } from './errors.js';

/** Where services.yaml and its imports and manifests are read from: a repository checkout, or memory in tests. */
export interface ConfigSource {
  /** The text of a repository-relative file. */
  read(path: string): Promise<string>;
  /** Repository-relative files matching a pattern (`*` and `?` within a path segment), sorted. */
  glob(pattern: string): Promise<string[]>;
}

/**
 * Normalises a repository-relative path and refuses one that leaves the repository (`..` above the root, or an
 * absolute path). Lexical only: symlinks are the caller's business (see directorySource).
 * @throws ServicesConfigError naming the path when it leaves the repository.
 */
export function repoPath(path: string): string {
  const n = posix.normalize(path.replace(/\\/g, '/')).replace(/^\.\//, '');
  if (n.startsWith('../') || n === '..' || posix.isAbsolute(n)) throw new ServicesConfigError(path, '', 'the path leaves the repository');
  return n;
}

const segmentRegex = (seg: string): RegExp => new RegExp(`^${seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);

// Linux's own limit (ELOOP); a committed loop `a -> b -> a` must end in an error, not a hang.
const MAX_SYMLINKS = 40;

type Resolved = { readonly kind: 'file' | 'dir' | 'other'; readonly real: string } | { readonly kind: 'missing' };

async function lstatOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch (err) {
    if (['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) return null;
    throw err;
  }
}

const kindOf = (st: Stats): 'file' | 'dir' | 'other' => (st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other');

/**
 * Resolves a normalised repository path to its physical path under `rootReal`, one component at a time,
 * following symlinks by hand: each link's target is checked before anything under it is touched, so a link
 * that leads outside is refused without the outside path ever being stat'ed, opened or read (no content, and
 * no "does this file exist" answer either). Going out and back in (`../<checkout>/x`, an absolute target that
 * happens to point into the checkout) counts as leaving.
 * @throws ServicesConfigError naming `asked` and the offending symlink, or a symlink loop.
 */
async function resolveInside(rootReal: string, asked: string): Promise<Resolved> {
  const inside = (p: string): boolean => p === rootReal || p.startsWith(rootReal.endsWith(sep) ? rootReal : rootReal + sep);
  const refuse = (link: string): never => {
    throw new ServicesConfigError(asked, '', `symlink "${link}" leads outside the repository; refusing to follow it`);
  };
  // Each pending component remembers the symlink whose target it came from, to name the right link in a chain.
  const parts = (path: string, from: string) => path.split('/').filter((seg) => seg !== '' && seg !== '.').map((seg) => ({ seg, from }));
  const pending = parts(asked, asked);
  let cur = rootReal; // always a physical path without symlinks, so `..` is plain dirname
  let kind: 'file' | 'dir' | 'other' = 'dir';
  let hops = 0;
  while (pending.length > 0) {
    const { seg, from } = pending.shift()!;
    if (seg === '..') {
      if (kind !== 'dir') return { kind: 'missing' }; // `file/..` is ENOTDIR, as the kernel would say
      cur = dirname(cur);
      if (!inside(cur)) refuse(from);
      continue;
    }
    if (kind !== 'dir') return { kind: 'missing' }; // a file used as a directory
    const next = join(cur, seg);
    const st = await lstatOrNull(next);
    if (!st) return { kind: 'missing' };
    if (!st.isSymbolicLink()) {
      cur = next;
      kind = kindOf(st);
      continue;
    }
    if (++hops > MAX_SYMLINKS) throw new ServicesConfigError(asked, '', 'too many levels of symlinks; refusing to follow them');
    const link = relative(rootReal, next).split(sep).join('/');
    const target = await readlink(next);
    if (isAbsolute(target)) {
      cur = sep;
      if (!inside(cur)) refuse(link);
    }
    pending.unshift(...parts(target, link));
  }
  return { kind, real: cur };
}

/** A missing file, with the code fs uses, so callers tell it from I/O errors without reading messages. */
function notFound(path: string): Error {
  return Object.assign(new Error(`file "${path}" not found`), { code: 'ENOENT' });
}

/**
 * A checkout on disk. Every read and every directory a glob lists is resolved component by component; a path
 * whose symlinks (a file, a directory on the way, or any link of a chain) lead outside `root` is refused with a
 * ServicesConfigError naming the repository path and the link, and the outside target is never opened. Symlinks
 * that stay inside the checkout keep working. A dangling symlink inside reads as a missing file.
 * `read` throws ServicesConfigError for a refused path and an Error `file "<path>" not found` with code
 * `ENOENT` for a missing one (or a directory); `glob` skips what is missing and throws ServicesConfigError for a refused match.
 */
export function directorySource(root: string): ConfigSource {
  let rootReal: Promise<string> | undefined;
  const resolve = async (p: string): Promise<Resolved> => resolveInside(await (rootReal ??= realpath(root)), p);
  return {
    async read(p) {
      const rel = repoPath(p);
      const r = await resolve(rel);
      if (r.kind !== 'file') throw notFound(rel);
      // The resolved path has no symlinks; O_NOFOLLOW makes a link swapped in since then fail instead of being followed.
      const fh = await open(r.real, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        return await fh.readFile('utf8');
      } finally {
        await fh.close();
      }
    },
    async glob(pattern) {
      let current = [''];
      for (const seg of repoPath(pattern).split('/')) {
        const next: string[] = [];
        for (const dir of current) {
          if (!/[*?]/.test(seg)) {
            next.push(dir ? `${dir}/${seg}` : seg);
            continue;
          }
          const r = await resolve(dir || '.');
          const entries = r.kind === 'dir' ? await readdir(r.real).catch(() => [] as string[]) : [];
          next.push(...entries.filter((e) => segmentRegex(seg).test(e)).map((e) => (dir ? `${dir}/${e}` : e)));
        }
        current = next;
      }
      const files: string[] = [];
      for (const f of current) if ((await resolve(f)).kind === 'file') files.push(f);
      return files.sort();
    },
  };
}

/** Files held in memory (tests, and services.yaml read from git without a checkout). */
export function memorySource(files: Readonly<Record<string, string>>): ConfigSource {
  return {
    async read(p) {
      const text = files[repoPath(p)];
      if (text === undefined) throw notFound(p);
      return text;
    },
    async glob(pattern) {
      const parts = repoPath(pattern).split('/').map(segmentRegex);
      return Object.keys(files)
        .filter((f) => {
          const segs = f.split('/');
          return segs.length === parts.length && segs.every((s, i) => parts[i]?.test(s));
        })
        .sort();
    },
  };
}
