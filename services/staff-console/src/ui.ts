import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';

/** One built file of the UI, held in memory. */
export interface UiFile {
  readonly body: Buffer;
  readonly type: string;
  /** Hashed names never change: cached for a year; index.html is looked at every time. */
  readonly immutable: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
};

/**
 * The UI's built files (`npm run build` writes them), read once at start: a map from URL path to file. Only plain
 * files directly in the directory are served (no subpaths, no symlinks), so no request can name a file outside it.
 */
export function loadUi(dir: string): Map<string, UiFile> {
  const files = new Map<string, UiFile>();
  if (!existsSync(dir)) return files;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const type = TYPES[extname(entry.name)];
    if (!type) continue;
    files.set(`/${entry.name}`, { body: readFileSync(join(dir, entry.name)), type, immutable: entry.name !== 'index.html' });
  }
  return files;
}

/** The headers every UI answer carries: same-origin scripts, styles and requests only; never framed. */
export const UI_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
});
