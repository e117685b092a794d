import type { AgentIdentity } from '@codex-k8s/db';

/** A refusal: the status code and the reason the agent gets. */
export interface Refusal {
  readonly status: number;
  readonly reason: string;
}

/** Tokens are 32 random bytes, base64url: 43 characters. Anything else is not one of ours. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The token of an `Authorization: Bearer <token>` header, or undefined. Pure. */
export function bearerOf(header: string | undefined): string | undefined {
  const m = /^Bearer ([^\s]+)$/.exec(header ?? '');
  return m?.[1] && TOKEN.test(m[1]) ? m[1] : undefined;
}

/**
 * Whether a token's identity may act for `runId` now. Pure. A token acts only for its own run, only while it is
 * neither revoked nor expired, and only while the run lives (pending: the Job was just created; running).
 */
export function authorize(id: AgentIdentity | undefined, runId: string, now: Date): Refusal | undefined {
  if (!id) return { status: 401, reason: 'unknown token' };
  if (id.run_id !== runId) return { status: 403, reason: 'the token belongs to another run' };
  if (id.revoked_at) return { status: 401, reason: 'token revoked (the run ended)' };
  if (new Date(id.expires_at).getTime() <= now.getTime()) return { status: 401, reason: 'token expired' };
  if (id.status !== 'pending' && id.status !== 'running') return { status: 409, reason: `the run has ended (${id.status})` };
  return undefined;
}
