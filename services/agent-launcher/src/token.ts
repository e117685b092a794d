import { randomBytes } from 'node:crypto';
import { AgentTokenIssuedV1, AgentTokenRevokedV1 } from '@codex-k8s/contracts';
import { agentTokenHash, agentTokenOf, issueAgentToken, revokeAgentToken, type AgentRunRow } from '@codex-k8s/db';
import { publishCaused, type Cause } from '@codex-k8s/flow';
import { agentTokenSecretName, buildAgentTokenSecret } from '@codex-k8s/kube';
import type { LauncherDeps } from './deps.js';
import { NAME } from './deps.js';

type LiveRun = AgentRunRow & { project_id: string; runtime_mode: 'full-env' | 'code-only' };

/** A new run token (32 random bytes, base64url), its stored hash and its public fingerprint. */
export function newToken(): { token: string; hash: Buffer; tokenId: string } {
  const token = randomBytes(32).toString('base64url');
  const hash = agentTokenHash(token);
  return { token, hash, tokenId: hash.toString('hex').slice(0, 12) };
}

/** When a token issued now expires: the Job's whole active deadline plus the grace. Pure. */
export function tokenExpiry(now: Date, activeDeadlineSeconds: number, graceSeconds: number): Date {
  return new Date(now.getTime() + (activeDeadlineSeconds + graceSeconds) * 1000);
}

const refOf = (run: LiveRun) => ({ run_id: run.id, project_id: run.project_id, runtime_mode: run.runtime_mode, namespace: run.namespace });

/**
 * Issues the run's token and puts it, as a Secret owned by the Job, where the Job's pod mounts it: the hash is
 * stored and the Secret applied under the run's token lock (issueAgentToken), so two launches never leave the
 * Secret and the stored hash disagreeing. Then `run.agent.token.issued` (never the token; its id is deterministic
 * per token, so a retry that kept the token republishes the same event). The token value lives only in this
 * function and the Secret.
 */
export async function issueRunToken(deps: LauncherDeps, run: LiveRun, job: { name: string; namespace: string; uid: string }, cause: Cause): Promise<void> {
  // A launch retried for the same Job (a crash after the token was placed) keeps that token: its Secret is there.
  const placed = await agentTokenOf(deps.db, run.id);
  let tokenId: string;
  let expiresAt: Date;
  if (placed && placed.job_uid === job.uid && !placed.revoked_at) {
    ({ token_id: tokenId, expires_at: expiresAt } = placed);
  } else {
    const fresh = newToken();
    tokenId = fresh.tokenId;
    expiresAt = tokenExpiry(new Date(), deps.job.activeDeadlineSeconds, deps.agent.tokenGraceSeconds);
    const secret = buildAgentTokenSecret({ runId: run.id, namespace: job.namespace, token: fresh.token, job: { name: job.name, uid: job.uid } }, deps.keys);
    await issueAgentToken(deps.db, { runId: run.id, hash: fresh.hash, tokenId, expiresAt, jobUid: job.uid }, async () => {
      await deps.objects.apply(secret, NAME);
    });
  }
  await publishCaused(deps.bus, AgentTokenIssuedV1, cause, {
    runId: run.id,
    idParts: [tokenId],
    data: { ...refOf(run), token_id: tokenId, expires_at: new Date(expiresAt).toISOString(), secret_namespace: job.namespace, secret_name: agentTokenSecretName(run.id) },
  });
}

/** Revokes the run's token when it ends and says so (`run.agent.token.revoked`, once per token: a deterministic id). */
export async function revokeRunToken(deps: LauncherDeps, run: LiveRun): Promise<void> {
  const revoked = await revokeAgentToken(deps.db, run.id);
  if (!revoked) return;
  await publishCaused(deps.bus, AgentTokenRevokedV1, { correlationId: run.correlation_id }, {
    runId: run.id,
    idParts: [revoked.tokenId],
    data: { ...refOf(run), token_id: revoked.tokenId, reason: 'run_ended' },
  });
}
