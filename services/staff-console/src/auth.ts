import { StaffLogin } from '@codex-k8s/contracts';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';

/** The session cookie of login links (`__Host-`: only over HTTPS or loopback, no Domain, Path=/). */
export const SESSION_COOKIE = '__Host-staff_session';
const SESSION_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The addresses whose forwarded user is believed. Pure. */
export function trustedProxies(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const c of cidrs) {
    const [addr, bits] = c.split('/') as [string, string];
    list.addSubnet(addr, Number(bits), isIP(addr) === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

/** Whether a peer address is in the trusted list (`::ffff:a.b.c.d` is the IPv4 address it carries). Pure. */
export function isTrusted(list: BlockList, remote: string | undefined): boolean {
  if (!remote) return false;
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote)?.[1];
  const addr = v4 ?? remote;
  const family = isIP(addr);
  return family !== 0 && list.check(addr, family === 6 ? 'ipv6' : 'ipv4');
}

export interface IdentifyInput {
  readonly remote: string | undefined;
  readonly forwardedUser: string | string[] | undefined;
  readonly cookie: string | undefined;
  readonly trusted: BlockList;
  readonly loginLinks: boolean;
}

/**
 * Who is asking, from the request alone (pure; the session's login is looked up by the caller). The proxy's
 * `X-Forwarded-User` counts only from a trusted address: the same header from anywhere else is refused outright
 * (never ignored and never mixed with a cookie), so a forged header cannot even fall back to another identity.
 */
export function identify(i: IdentifyInput): { kind: 'proxy'; login: string } | { kind: 'session'; token: string } | { kind: 'refused'; reason: string } {
  if (i.forwardedUser !== undefined) {
    if (!isTrusted(i.trusted, i.remote)) return { kind: 'refused', reason: `X-Forwarded-User is only accepted from the staff proxy; ${i.remote ?? 'this address'} is not a trusted proxy` };
    const raw = Array.isArray(i.forwardedUser) ? '' : i.forwardedUser;
    const login = StaffLogin.safeParse(raw.trim().toLowerCase());
    if (!login.success) return { kind: 'refused', reason: 'X-Forwarded-User is not a GitHub login' };
    return { kind: 'proxy', login: login.data };
  }
  if (!i.loginLinks) return { kind: 'refused', reason: 'not signed in: sign in through the staff proxy' };
  const token = cookieValue(i.cookie, SESSION_COOKIE);
  if (!token || !SESSION_TOKEN.test(token)) return { kind: 'refused', reason: 'not signed in: open a login link (npm run dev prints one)' };
  return { kind: 'session', token };
}

/** One cookie's value from a Cookie header. Pure. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The CSRF token of a login's session (or of the proxy's user): an HMAC of the login and the session, so it cannot
 * be made without the key and dies with the session. Pure.
 */
export function csrfTokenFor(secret: string, login: string, session: string | null): string {
  return createHmac('sha256', secret).update(`csrf\u001f${login}\u001f${session ?? 'proxy'}`).digest('base64url');
}

/** Whether a state-changing request carries the right CSRF token and comes from the console's own pages. Pure. */
export function checkCsrf(o: { secret: string; login: string; session: string | null; header: string | string[] | undefined; fetchSite: string | string[] | undefined }): string | undefined {
  if (o.fetchSite !== undefined && o.fetchSite !== 'same-origin' && o.fetchSite !== 'none') return 'cross-site request refused';
  if (typeof o.header !== 'string' || o.header === '') return 'missing X-CSRF-Token header (GET /api/v1/staff/session gives it)';
  const want = Buffer.from(csrfTokenFor(o.secret, o.login, o.session));
  const got = Buffer.from(o.header);
  if (got.length !== want.length || !timingSafeEqual(got, want)) return 'wrong X-CSRF-Token';
  return undefined;
}
