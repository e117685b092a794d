import { staffAccessOf, staffSessionLogin } from '@codex-k8s/db';
import type { BlockList } from 'node:net';
import type { Access } from './access.js';
import { identify } from './auth.js';
import type { ConsoleDeps } from './deps.js';

export interface IdentityDeps extends ConsoleDeps {
  readonly trusted: BlockList;
  readonly loginLinks: boolean;
}

/**
 * Who a request is and what they may see, or the refusal: 401 when nobody is signed in (or a forwarded user comes
 * from outside the proxy), 403 for a signed-in login the platform does not know.
 */
export async function accessOf(deps: IdentityDeps, req: { remote: string | undefined; headers: Record<string, string | string[] | undefined> }): Promise<Access | { status: 401 | 403; reason: string }> {
  const cookie = req.headers.cookie;
  const who = identify({ remote: req.remote, forwardedUser: req.headers['x-forwarded-user'], cookie: typeof cookie === 'string' ? cookie : undefined, trusted: deps.trusted, loginLinks: deps.loginLinks });
  if (who.kind === 'refused') return { status: 401, reason: who.reason };
  const login = who.kind === 'proxy' ? who.login : await staffSessionLogin(deps.db, who.token);
  if (!login) return { status: 401, reason: 'the session has ended: open a new login link' };
  const a = await staffAccessOf(deps.db, login);
  if (!a.known) return { status: 403, reason: `${login} is not a user of this platform (ask a platform admin to add them to a project)` };
  return { login, session: who.kind === 'session' ? who.token : null, platformAdmin: a.platformAdmin, projects: a.projects };
}
