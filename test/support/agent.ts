import { randomUUID } from 'node:crypto';
import { AGENT_API } from '@codex-k8s/contracts';
import { finishRun, insertRunOnce, issueAgentToken, type Db } from '@codex-k8s/db';
import { newToken } from '../../services/agent-launcher/src/token.js';

/** A run of the platform's database with a token issued as agent-launcher issues it (the Secret step left out). */
export interface AgentRun {
  readonly runId: string;
  readonly correlationId: string;
  readonly token: string;
  readonly tokenId: string;
}

/** Creates a running run and issues its token (expiring in `ttlMs`). */
export async function agentRun(db: Db, projectId: string, opts: { ttlMs?: number } = {}): Promise<AgentRun> {
  const correlationId = randomUUID();
  const { run } = await insertRunOnce(db, { correlationId, projectId, runtimeMode: 'code-only', repositoryFullName: 'codex-k8s/sample', issueNumber: 42, payload: {} }, () => null);
  await db.updateTable('agent_runs').set({ status: 'running' }).where('id', '=', run.id).execute();
  const { token, hash, tokenId } = newToken();
  await issueAgentToken(db, { runId: run.id, hash, tokenId, expiresAt: new Date(Date.now() + (opts.ttlMs ?? 600_000)), jobUid: 'no-job' }, async () => undefined);
  return { runId: run.id, correlationId, token, tokenId };
}

/** Ends a run as agent-launcher would (status, and the token revoked). */
export async function endRun(db: Db, runId: string): Promise<void> {
  await finishRun(db, runId, 'succeeded', { event_type: 'run.succeeded', reason: null, error: null });
  await db.updateTable('agent_tokens').set({ revoked_at: new Date() }).where('run_id', '=', runId).execute();
}

/** One request to the gateway as an agent makes it; resolves with the status, the JSON answer and the headers. */
export async function agentRequest(
  baseUrl: string,
  o: { token?: string; runId: string; path: 'reports' | 'logs' | { artifact: string }; body: unknown; method?: string; raw?: string },
): Promise<{ status: number; body: { error?: string; duplicate?: boolean; accepted?: boolean }; headers: Headers }> {
  const path = typeof o.path === 'object' ? AGENT_API.artifact(o.runId, o.path.artifact) : o.path === 'reports' ? AGENT_API.reports(o.runId) : AGENT_API.logs(o.runId);
  const res = await fetch(`${baseUrl}${path}`, {
    method: o.method ?? (typeof o.path === 'object' ? 'PUT' : 'POST'),
    headers: { 'content-type': 'application/json', ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) },
    body: o.raw ?? JSON.stringify(o.body),
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as { error?: string }, headers: res.headers };
}
