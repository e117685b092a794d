import { closeStaffSession, openStaffSession, useLoginLink } from '@codex-k8s/db';
import { SESSION_COOKIE } from './auth.js';
import type { ConsoleDeps } from './deps.js';

const LINK_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The Set-Cookie of a session (`__Host-`: Secure, Path=/, no Domain; Chromium treats loopback HTTP as secure). Pure. */
export function sessionCookie(value: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=Strict`;
}

/** What `GET /login?t=` answers: a session and a redirect to the console, or a refusal. */
export type LoginOutcome = { ok: true; cookie: string } | { ok: false; status: 400 | 401 | 404; reason: string };

/** Exchanges a one-time login link for a session (the link works once, within its lifetime). */
export async function handleLogin(deps: ConsoleDeps & { loginLinks: boolean; sessionTtlSeconds: number }, query: unknown): Promise<LoginOutcome> {
  if (!deps.loginLinks) return { ok: false, status: 404, reason: 'login links are off: sign in through the staff proxy' };
  const t = (query as { t?: unknown } | undefined)?.t;
  if (typeof t !== 'string' || !LINK_TOKEN.test(t)) return { ok: false, status: 400, reason: 't: not a login link token' };
  const login = await useLoginLink(deps.db, t);
  if (!login) return { ok: false, status: 401, reason: 'this login link is unknown, already used or expired: ask for a new one (npm run dev prints one)' };
  const session = await openStaffSession(deps.db, login, deps.sessionTtlSeconds);
  deps.log.info({ login }, 'signed in with a login link');
  return { ok: true, cookie: sessionCookie(session, deps.sessionTtlSeconds) };
}

/** Ends the caller's session (proxy users have none: their proxy signs them out). */
export async function handleLogout(deps: ConsoleDeps, session: string | null): Promise<string> {
  if (session) await closeStaffSession(deps.db, session);
  return sessionCookie('', 0);
}
