import { signal } from '@preact/signals';
import { ApiError, api, messageOf } from './api.js';
import type { SessionResponse } from './types.js';

export type SessionState =
  | { kind: 'loading' }
  | { kind: 'signed-out' }
  | { kind: 'error'; message: string }
  | { kind: 'ok'; session: SessionResponse };

export const sessionState = signal<SessionState>({ kind: 'loading' });

/** Reads who the caller is; a 401 means nobody is signed in. */
export function loadSession(): void {
  void api.session().then(
    (session) => (sessionState.value = { kind: 'ok', session }),
    (err: unknown) =>
      (sessionState.value = err instanceof ApiError && err.status === 401 ? { kind: 'signed-out' } : { kind: 'error', message: messageOf(err) }),
  );
}

/** The signed-in session (pages only render once there is one). */
export function currentSession(): SessionResponse {
  const s = sessionState.value;
  if (s.kind !== 'ok') throw new Error('not signed in');
  return s.session;
}

/** Whether the caller's role in a project lets them act on its runs (a read-only member sees no action at all). */
export const canActIn = (session: SessionResponse, projectSlug: string): boolean =>
  session.platform_admin || session.projects.some((p) => p.slug === projectSlug && p.can_act);

export async function logout(): Promise<void> {
  await api.logout(currentSession().csrf_token);
  sessionState.value = { kind: 'signed-out' };
}
