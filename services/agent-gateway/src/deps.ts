import type { Bus } from '@codex-k8s/bus';
import type { AgentIdentity, Db } from '@codex-k8s/db';
import type { Logger } from '@codex-k8s/runtime';
import type { z } from 'zod';

export const NAME = 'agent-gateway';

export interface Limits {
  readonly logChunkMaxBytes: number;
  readonly logMaxBytesPerRun: number;
  readonly artifactMaxBytes: number;
  readonly artifactMaxBytesPerRun: number;
}

/** Everything the handlers use, passed in explicitly (main.ts wires the real ones). */
export interface GatewayDeps {
  readonly db: Db;
  readonly bus: Pick<Bus, 'publish'>;
  readonly log: Logger;
  readonly limits: Limits;
}

/** What a handler answers: a status and a JSON body (AcceptedResponse or ErrorResponse of the contract). */
export interface Answer {
  readonly status: number;
  readonly body: { accepted: true; duplicate: boolean } | { error: string };
}

export const accepted = (duplicate: boolean): Answer => ({ status: duplicate ? 200 : 201, body: { accepted: true, duplicate } });
export const refused = (status: number, error: string): Answer => ({ status, body: { error } });

/** The run reference every agent event carries, from the authenticated identity (never from the request). */
export function runRefOf(a: AgentIdentity): { run_id: string; project_id: string; runtime_mode: 'full-env' | 'code-only'; namespace: string | null; token_id: string } {
  return { run_id: a.run_id, project_id: a.project_id ?? '', runtime_mode: a.runtime_mode ?? 'code-only', namespace: a.namespace, token_id: a.token_id };
}

/** A zod error as one line naming each field: `seq: required for a status report; type: ...`. Pure. */
export function reasonOf(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
    .join('; ');
}
