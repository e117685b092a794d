import { readFile, readdir, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { resolve, sep } from 'node:path';

/** Where services.yaml and its imports and manifests are read from: a repository checkout, or memory in tests. */
export interface ConfigSource {
  /** The text of a repository-relative file. */
  read(path: string): Promise<string>;
  /** Repository-relative files matching a pattern (`*` and `?` within a path segment), sorted. */
  glob(pattern: string): Promise<string[]>;
}

/** Normalises a repository-relative path and refuses one that leaves the repository. */
export function repoPath(path: string): string {
  const n = posix.normalize(path.replace(/\\/g, '/')).replace(/^\.\//, '');
  if (n.startsWith('../') || n === '..' || posix.isAbsolute(n)) throw new Error(`path "${path}" leaves the repository`);
  return n;
}

const segmentRegex = (seg: string): RegExp => new RegExp(`^${seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);

/** A checkout on disk. Symlinks that point outside it are not followed (reads are confined to `root`). */
export function directorySource(root: string): ConfigSource {
  const abs = (p: string): string => {
    const full = resolve(root, repoPath(p));
    if (full !== resolve(root) && !full.startsWith(resolve(root) + sep)) throw new Error(`path "${p}" leaves the repository`);
    return full;
  };
  return {
    read: (p) => readFile(abs(p), 'utf8'),
    async glob(pattern) {
      let current = [''];
      for (const seg of repoPath(pattern).split('/')) {
        const next: string[] = [];
        for (const dir of current) {
          if (!/[*?]/.test(seg)) {
            next.push(dir ? `${dir}/${seg}` : seg);
            continue;
          }
          const entries = await readdir(abs(dir || '.')).catch(() => [] as string[]);
          for (const e of entries) if (segmentRegex(seg).test(e)) next.push(dir ? `${dir}/${e}` : e);
        }
        current = next;
      }
      const files: string[] = [];
      for (const f of current) if (await stat(abs(f)).then((s) => s.isFile(), () => false)) files.push(f);
      return files.sort();
    },
  };
}

/** Files held in memory (tests, and services.yaml read from git without a checkout). */
export function memorySource(files: Readonly<Record<string, string>>): ConfigSource {
  return {
    async read(p) {
      const text = files[repoPath(p)];
      if (text === undefined) throw new Error(`file "${p}" not found`);
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
