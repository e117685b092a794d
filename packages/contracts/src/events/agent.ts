import { z } from 'zod';
import { ArtifactKind } from '../agent-api.js';
import { defineEvent } from '../define.js';
import { RunRef } from './run.js';
import { PG_INT_MAX, StorableText } from './webhook.js';

/**
 * The agent's side of a run: its credentials (agent-launcher) and what it reports through agent-gateway. No event
 * ever carries a token or an artifact's content: `token_id` is a short fingerprint of the token's hash.
 */

const TokenRef = RunRef.extend({
  /** The first 12 hex digits of the token's SHA-256: names the token in logs and events, cannot be used as one. */
  token_id: z.string().regex(/^[0-9a-f]{12}$/),
});

export const AgentTokenIssuedData = TokenRef.extend({
  expires_at: z.iso.datetime({ offset: true }),
  /** Where the token was put for the agent: a Secret mounted into the agent's container. */
  secret_namespace: z.string(),
  secret_name: z.string(),
});
export type AgentTokenIssuedData = z.infer<typeof AgentTokenIssuedData>;

export const AgentTokenIssuedV1 = defineEvent({
  type: 'run.agent.token.issued',
  version: 1,
  schema: AgentTokenIssuedData,
  description:
    'agent-launcher issued the run\'s bearer token (stored hashed, mounted into the agent container from a Secret) before ' +
    'creating the Job. A launch retried after a crash issues a new one, which replaces the earlier.',
  emittedBy: ['agent-launcher'],
  consumedBy: ['audit-writer'],
});

export const AgentTokenRevokedData = TokenRef.extend({ reason: z.enum(['run_ended']) });
export type AgentTokenRevokedData = z.infer<typeof AgentTokenRevokedData>;

export const AgentTokenRevokedV1 = defineEvent({
  type: 'run.agent.token.revoked',
  version: 1,
  schema: AgentTokenRevokedData,
  description: 'The run ended and its token was revoked: agent-gateway refuses it from now on.',
  emittedBy: ['agent-launcher'],
  consumedBy: ['audit-writer'],
});

export const AgentPhaseData = TokenRef.extend({ message: StorableText(2_000).nullable() });
export type AgentPhaseData = z.infer<typeof AgentPhaseData>;

export const AgentStartedV1 = defineEvent({
  type: 'run.agent.started',
  version: 1,
  schema: AgentPhaseData,
  description: 'The agent reported that it started (recorded with actor_type agent).',
  emittedBy: ['agent-gateway'],
  consumedBy: ['audit-writer', 'github-reporter'],
});

export const AgentReadyV1 = defineEvent({
  type: 'run.agent.ready',
  version: 1,
  schema: AgentPhaseData,
  description: 'The agent reported that it is ready to work (its workspace and tools are set up).',
  emittedBy: ['agent-gateway'],
  consumedBy: ['audit-writer'],
});

export const AgentStatusData = TokenRef.extend({ seq: z.number().int().min(0).max(PG_INT_MAX), message: StorableText(2_000) });
export type AgentStatusData = z.infer<typeof AgentStatusData>;

export const AgentStatusReportedV1 = defineEvent({
  type: 'run.agent.status_reported',
  version: 1,
  schema: AgentStatusData,
  description: 'A free-text status line from the agent; `seq` numbers them per run (a repeated line is recorded once).',
  emittedBy: ['agent-gateway'],
  consumedBy: ['audit-writer', 'github-reporter'],
});

export const AgentFinishedData = TokenRef.extend({
  exit_code: z.number().int().min(-PG_INT_MAX - 1).max(PG_INT_MAX),
  /** `succeeded` for exit code 0. */
  status: z.enum(['succeeded', 'failed']),
  summary: StorableText(8_000).nullable(),
});
export type AgentFinishedData = z.infer<typeof AgentFinishedData>;

export const AgentFinishedV1 = defineEvent({
  type: 'run.agent.finished',
  version: 1,
  schema: AgentFinishedData,
  description:
    'The agent reported its end with the exit code of its command and a summary. agent-launcher weighs it against the ' +
    'Job when it ends the run: a Job that succeeded while the agent reported failure ends in run.failed.',
  emittedBy: ['agent-gateway'],
  consumedBy: ['audit-writer', 'github-reporter'],
});

export const ArtifactAddedData = TokenRef.extend({
  name: z.string().max(200),
  kind: ArtifactKind,
  /** Bytes of content stored (0 for a link, a branch or a pull request). */
  size_bytes: z.number().int().min(0).max(PG_INT_MAX),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  content_type: z.string().max(200).nullable(),
  url: z.string().max(2_000).nullable(),
  title: StorableText(500).nullable(),
});
export type ArtifactAddedData = z.infer<typeof ArtifactAddedData>;

export const ArtifactAddedV1 = defineEvent({
  type: 'run.artifact.added',
  version: 1,
  schema: ArtifactAddedData,
  description: 'The agent stored an artifact (its metadata here, its content only in the database).',
  emittedBy: ['agent-gateway'],
  consumedBy: ['audit-writer', 'github-reporter'],
});

export const PullRequestCreatedData = TokenRef.extend({
  name: z.string().max(200),
  url: z.string().max(2_000),
  number: z.number().int().positive().max(PG_INT_MAX),
  branch: z.string().max(255),
  title: StorableText(500).nullable(),
});
export type PullRequestCreatedData = z.infer<typeof PullRequestCreatedData>;

export const PullRequestCreatedV1 = defineEvent({
  type: 'run.pr.created',
  version: 1,
  schema: PullRequestCreatedData,
  description: 'The agent reported a pull request it opened (an artifact of kind pull_request), as the reference names it.',
  emittedBy: ['agent-gateway'],
  consumedBy: ['audit-writer', 'github-reporter'],
});

export const AgentLogAppendedData = TokenRef.extend({
  seq: z.number().int().min(0).max(PG_INT_MAX),
  stream: z.enum(['stdout', 'stderr']),
  bytes: z.number().int().min(0).max(PG_INT_MAX),
  lines: z.number().int().min(0).max(PG_INT_MAX),
});
export type AgentLogAppendedData = z.infer<typeof AgentLogAppendedData>;

export const AgentLogAppendedV1 = defineEvent({
  type: 'run.agent.log_appended',
  version: 1,
  schema: AgentLogAppendedData,
  description: 'A chunk of the agent\'s output was stored (its size here; the text only in the database).',
  emittedBy: ['agent-gateway'],
  consumedBy: ['audit-writer'],
});
