import {
  AgentFinishedV1,
  AgentStartedV1,
  AgentStatusReportedV1,
  ArtifactAddedV1,
  NamespaceDeletedByStaffV1,
  NamespaceDeletedBySystemV1,
  PullRequestCreatedV1,
  RunCanceledV1,
  RunCreatedV1,
  RunFailedV1,
  RunJobNotFoundV1,
  RunLaunchErrorV1,
  RunNamespaceCleanedV1,
  RunNamespacePreparedV1,
  RunStartedV1,
  RunSucceededV1,
  SlotDeployedV1,
  SlotLeasedV1,
  SlotReadyV1,
  SlotReleasedV1,
  SlotTlsFailedV1,
  type EventDefinition,
  type RunFinishedData,
} from '@codex-k8s/contracts';
import type { z } from 'zod';
import { clip } from './markdown.js';
import { FACT_LIMITS, type StatusUpdate } from './status-facts.js';

/** A run event the status comment follows: its contract and what it says for the comment (pure). */
export interface StatusRoute<S extends z.ZodType = z.ZodType> {
  readonly def: EventDefinition<S>;
  readonly update: (data: z.infer<S>, time: string) => StatusUpdate;
}

const route = <S extends z.ZodType>(def: EventDefinition<S>, update: (data: z.infer<S>, time: string) => StatusUpdate): StatusRoute =>
  ({ def, update }) as unknown as StatusRoute;

const clipped = (text: string | null, max: number): string | null => (text === null ? null : clip(text, max));

const ended = (d: { status: RunFinishedData['status'] | 'canceled'; reason: string | null; error: string | null }, type: string, time: string): StatusUpdate => ({
  phase: 'finished',
  facts: { end: { status: d.status, event_type: type, reason: clipped(d.reason, FACT_LIMITS.reason), error: clipped(d.error, FACT_LIMITS.error), ended_at: time } },
});

/** Every input of the status comment, in the order a run meets them. */
export const STATUS_ROUTES: readonly StatusRoute[] = [
  route(RunCreatedV1, (d) => ({ phase: 'accepted', facts: { namespace: d.namespace } })),
  route(RunNamespacePreparedV1, (d) => ({ phase: 'preparing', facts: { namespace: d.namespace } })),
  route(SlotLeasedV1, (d) => ({ phase: 'preparing', facts: { namespace: d.namespace, slot_no: d.slot_no } })),
  route(SlotDeployedV1, (d) => ({ phase: 'slot_deployed', facts: { namespace: d.namespace, slot_no: d.slot_no } })),
  // A URL too long to keep is not shown (a clipped URL would point elsewhere).
  route(SlotReadyV1, (d) => ({ phase: 'slot_ready', facts: { public_url: d.public_url !== null && d.public_url.length <= FACT_LIMITS.url ? d.public_url : null } })),
  route(SlotTlsFailedV1, (d) => ({ phase: 'slot_deployed', facts: { tls_failure: clip(`${d.reason}: ${d.message}`, FACT_LIMITS.tls) } })),
  route(RunStartedV1, () => ({ phase: 'agent_started', facts: {} })),
  route(AgentStartedV1, () => ({ phase: 'agent_started', facts: {} })),
  route(AgentStatusReportedV1, (d) => ({ phase: 'agent_started', facts: { status_lines: { [String(d.seq)]: d.message } } })),
  route(ArtifactAddedV1, (d) => ({ phase: 'agent_started', facts: { artifacts: { [d.name]: { kind: d.kind, url: null } } } })),
  route(PullRequestCreatedV1, (d) => ({ phase: 'agent_started', facts: { pull_request: { url: d.url, number: d.number, title: d.title } } })),
  route(AgentFinishedV1, (d) => ({ phase: 'agent_started', facts: { agent_summary: d.summary, agent_exit_code: d.exit_code } })),
  route(RunSucceededV1, (d, t) => ended(d, RunSucceededV1.type, t)),
  route(RunFailedV1, (d, t) => ended(d, RunFailedV1.type, t)),
  route(RunJobNotFoundV1, (d, t) => ended(d, RunJobNotFoundV1.type, t)),
  route(RunLaunchErrorV1, (d, t) => ended({ status: 'failed', reason: d.reason, error: d.error }, RunLaunchErrorV1.type, t)),
  route(RunCanceledV1, (d, t) => ended({ status: 'canceled', reason: d.reason, error: d.error }, RunCanceledV1.type, t)),
  route(RunNamespaceCleanedV1, () => ({ phase: 'cleaned_up', facts: { cleanup: 'namespace_deleted' } })),
  route(NamespaceDeletedBySystemV1, () => ({ phase: 'cleaned_up', facts: { cleanup: 'namespace_deleted' } })),
  route(NamespaceDeletedByStaffV1, () => ({ phase: 'cleaned_up', facts: { cleanup: 'namespace_deleted' } })),
  route(SlotReleasedV1, () => ({ phase: 'cleaned_up', facts: { cleanup: 'slot_released' } })),
];
