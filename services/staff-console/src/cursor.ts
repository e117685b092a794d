import type { RunKey } from '@codex-k8s/db';

/** A keyset position as an opaque cursor (base64url of `<created>|<id>`). Pure. */
export function encodeCursor(k: RunKey): string {
  return Buffer.from(`${k.created}|${k.id}`, 'utf8').toString('base64url');
}

const CREATED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const ID = /^[A-Za-z0-9-]{1,63}$/;

/** The position in a cursor this API handed out, or undefined for anything else. Pure. */
export function decodeCursor(cursor: string): RunKey | undefined {
  const [created, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (rest.length || !created || !id || !CREATED.test(created) || !ID.test(id) || Number.isNaN(Date.parse(created))) return undefined;
  return { created, id };
}
