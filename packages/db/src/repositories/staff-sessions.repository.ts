import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../database.js';

const hashOf = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();
const newToken = (): string => randomBytes(32).toString('base64url');

/**
 * A one-time login link's token for `login`, valid for `ttlSeconds` (only its SHA-256 is stored). The staff console
 * exchanges it once for a session; `npm run dev` prints it.
 */
export async function createLoginLink(db: Db, login: string, ttlSeconds: number): Promise<string> {
  const token = newToken();
  await db
    .insertInto('staff_login_links')
    .values({ token_hash: hashOf(token), login, expires_at: new Date(Date.now() + ttlSeconds * 1000) })
    .execute();
  return token;
}

/**
 * Uses a login link: the login it was made for, once (one conditional UPDATE, so two replicas or a double click
 * cannot both use it), or undefined when unknown, used or expired.
 */
export async function useLoginLink(db: Db, token: string): Promise<string | undefined> {
  const row = await db
    .updateTable('staff_login_links')
    .set({ used_at: sql`now()` as never })
    .where('token_hash', '=', hashOf(token))
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning('login')
    .executeTakeFirst();
  return row?.login;
}

/** Opens a session for `login`; returns the cookie value (only its SHA-256 is stored). */
export async function openStaffSession(db: Db, login: string, ttlSeconds: number): Promise<string> {
  const token = newToken();
  await db
    .insertInto('staff_sessions')
    .values({ token_hash: hashOf(token), login, expires_at: new Date(Date.now() + ttlSeconds * 1000) })
    .execute();
  return token;
}

/** The login of a live session cookie, or undefined. */
export async function staffSessionLogin(db: Db, token: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('staff_sessions')
    .select('login')
    .where('token_hash', '=', hashOf(token))
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return row?.login;
}

/** Ends a session (logout). */
export async function closeStaffSession(db: Db, token: string): Promise<void> {
  await db.deleteFrom('staff_sessions').where('token_hash', '=', hashOf(token)).execute();
}

/** Deletes expired sessions and links older than a day; returns how many rows went. */
export async function purgeStaffSessions(db: Db): Promise<number> {
  const a = await db.deleteFrom('staff_sessions').where('expires_at', '<', sql<Date>`now()`).executeTakeFirst();
  const b = await db.deleteFrom('staff_login_links').where('expires_at', '<', sql<Date>`now() - interval '1 day'`).executeTakeFirst();
  return Number(a.numDeletedRows) + Number(b.numDeletedRows);
}
