import { posix } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ServicesConfigError } from './errors.js';
import { repoPath, type ConfigSource } from './source.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge (reference 1.7): map + map merges recursively, anything else is replaced by the overlay. Pure. */
export function deepMerge(base: unknown, overlay: unknown): unknown {
  if (!isObj(base) || !isObj(overlay)) return overlay === undefined ? base : overlay;
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(overlay)) out[k] = deepMerge(base[k], v);
  return out;
}

async function decode(src: ConfigSource, file: string): Promise<Obj> {
  let text: string;
  try {
    text = await src.read(file);
  } catch (err) {
    // A refusal (a symlink leading outside the repository) keeps its own message; only a plain read failure is "not found".
    if (err instanceof ServicesConfigError) throw err;
    throw new ServicesConfigError(file, '', 'file not found');
  }
  let merged: unknown = {};
  for (const doc of parseAllDocuments(text)) {
    const err = doc.errors[0];
    if (err) throw new ServicesConfigError(file, `line ${err.linePos?.[0].line ?? '?'}`, `invalid YAML: ${err.message.split('\n')[0] ?? ''}`);
    merged = deepMerge(merged, doc.toJS());
  }
  if (!isObj(merged)) throw new ServicesConfigError(file, '', 'the document must be a mapping');
  return merged;
}

/**
 * Reads a services.yaml with its imports (reference 1.7): each file's documents are merged, `spec.imports`
 * (paths relative to the importing file, globs allowed, sorted) are merged first in order, the file itself on
 * top; an import that matches nothing or a cycle is an error naming the chain. Templates are not rendered yet.
 */
export async function loadWithImports(src: ConfigSource, file: string, chain: readonly string[] = []): Promise<Obj> {
  const path = repoPath(file);
  if (chain.includes(path)) throw new ServicesConfigError(path, 'spec.imports', `import cycle: ${[...chain, path].join(' -> ')}`);
  const doc = await decode(src, path);
  const spec = isObj(doc.spec) ? doc.spec : {};
  const imports = Array.isArray(spec.imports) ? spec.imports : [];
  let base: unknown = {};
  for (const [i, imp] of imports.entries()) {
    const pattern = typeof imp === 'string' ? imp : isObj(imp) && typeof imp.path === 'string' ? imp.path : undefined;
    if (!pattern) throw new ServicesConfigError(path, `spec.imports[${i}]`, 'an import is a path string or {path}');
    let matches: string[];
    try {
      matches = await src.glob(posix.join(posix.dirname(path), pattern));
    } catch (err) {
      throw new ServicesConfigError(path, `spec.imports[${i}]`, (err as Error).message);
    }
    if (matches.length === 0) throw new ServicesConfigError(path, `spec.imports[${i}]`, `import "${pattern}" matches no file`);
    for (const m of matches) base = deepMerge(base, await loadWithImports(src, m, [...chain, path]));
  }
  const merged = deepMerge(base, doc) as Obj;
  if (isObj(merged.spec)) delete merged.spec.imports;
  return merged;
}
