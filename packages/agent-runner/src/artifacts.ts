import { constants } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** One artifact as the gateway's `PUT .../artifacts/{name}` takes it. */
export interface ArtifactUpload {
  readonly name: string;
  readonly body: Record<string, unknown>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const MEDIA: Record<string, string> = {
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.json': 'application/json',
  '.html': 'text/html; charset=utf-8',
  '.diff': 'text/x-diff',
  '.patch': 'text/x-diff',
};

/** A file's artifact name: its path under the directory with `/` as `__`, or undefined when no valid name results. Pure. */
export function artifactNameOf(relPath: string): string | undefined {
  const name = relPath.split('/').join('__');
  return NAME.test(name) ? name : undefined;
}

/** The media type of a file by its extension (octet-stream otherwise). Pure. */
export function mediaTypeOf(file: string): string {
  const dot = file.lastIndexOf('.');
  return (dot >= 0 && MEDIA[file.slice(dot).toLowerCase()]) || 'application/octet-stream';
}

/**
 * What the command declared as artifacts, by the conventions of docs/agents.md. Pure over the listed files:
 * - `pull_request.json` ({url, number, branch, title?}) -> a `pull_request`; `branch.json` ({branch, title?}) -> a
 *   `branch`; `links.json` ([{name, url, title?}]) -> `link`s;
 * - `summary.txt` is the `finished` report's summary, not an artifact;
 * - files under `reports/` -> `report`s; every other regular file -> a `file`.
 * Files whose name cannot be an artifact name, or that are too big, are skipped with a reason.
 */
export function artifactsOf(files: readonly { path: string; content: Buffer }[], maxBytes: number): { uploads: ArtifactUpload[]; skipped: string[]; summary?: string } {
  const uploads: ArtifactUpload[] = [];
  const skipped: string[] = [];
  let summary: string | undefined;
  const json = (f: { path: string; content: Buffer }): unknown => {
    try {
      return JSON.parse(f.content.toString('utf8'));
    } catch {
      skipped.push(`${f.path}: not valid JSON`);
      return undefined;
    }
  };
  for (const f of files) {
    if (f.path === 'summary.txt') {
      summary = f.content.toString('utf8').slice(0, 8_000);
      continue;
    }
    if (f.path === 'pull_request.json') {
      const pr = json(f) as { url?: unknown; number?: unknown; branch?: unknown; title?: unknown } | undefined;
      if (pr) uploads.push({ name: 'pull_request', body: { kind: 'pull_request', url: pr.url, number: pr.number, branch: pr.branch, ...(pr.title ? { title: pr.title } : {}) } });
      continue;
    }
    if (f.path === 'branch.json') {
      const b = json(f) as { branch?: unknown; title?: unknown } | undefined;
      if (b) uploads.push({ name: 'branch', body: { kind: 'branch', branch: b.branch, ...(b.title ? { title: b.title } : {}) } });
      continue;
    }
    if (f.path === 'links.json') {
      const links = json(f);
      for (const l of Array.isArray(links) ? (links as { name?: unknown; url?: unknown; title?: unknown }[]) : []) {
        if (typeof l.name === 'string' && NAME.test(l.name)) uploads.push({ name: l.name, body: { kind: 'link', url: l.url, ...(l.title ? { title: l.title } : {}) } });
        else skipped.push(`links.json: a link without a valid name`);
      }
      continue;
    }
    const name = artifactNameOf(f.path);
    if (!name) {
      skipped.push(`${f.path}: not a valid artifact name`);
      continue;
    }
    if (f.content.length > maxBytes) {
      skipped.push(`${f.path}: ${f.content.length} bytes, over the limit of ${maxBytes}`);
      continue;
    }
    const kind = f.path.startsWith('reports/') ? 'report' : 'file';
    uploads.push({ name, body: { kind, content_base64: f.content.toString('base64'), content_type: mediaTypeOf(f.path) } });
  }
  return { uploads, skipped, ...(summary !== undefined ? { summary } : {}) };
}

/**
 * The regular files under `dir` (at most `maxFiles`, depth 4), read. Symbolic links are never followed: a link to
 * a file outside the directory (the token, /etc) is not an artifact.
 */
export async function readArtifactFiles(dir: string, maxFiles = 200): Promise<{ path: string; content: Buffer }[]> {
  const out: { path: string; content: Buffer }[] = [];
  const walk = async (d: string, depth: number): Promise<void> => {
    if (depth > 4) return;
    const entries = await readdir(d).catch(() => [] as string[]);
    for (const e of entries.sort()) {
      if (out.length >= maxFiles) return;
      const p = join(d, e);
      const st = await lstat(p);
      if (st.isDirectory()) await walk(p, depth + 1);
      else if (st.isFile()) out.push({ path: relative(dir, p), content: await readNoFollow(p) });
    }
  };
  await walk(dir, 0);
  return out;
}

/** A file's content, refusing a symbolic link even one swapped in after it was listed (O_NOFOLLOW). */
async function readNoFollow(p: string): Promise<Buffer> {
  const fh = await open(p, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}
