import type { EventDefinition } from '../define.js';
import {
  AgentFinishedV1,
  AgentLogAppendedV1,
  AgentReadyV1,
  AgentStartedV1,
  AgentStatusReportedV1,
  AgentTokenIssuedV1,
  AgentTokenRevokedV1,
  ArtifactAddedV1,
  PullRequestCreatedV1,
} from './agent.js';
import { DeadLetteredV1 } from './bus.js';
import { RunStatusCommentUpsertedV1, WebhookIgnoredRepliedV1, WebhookRedeliveryRequestedV1 } from './github.js';
import {
  IssueRunsClosedV1,
  NamespaceDeletedBySystemV1,
  RunCreatedV1,
  RunFailedV1,
  RunJobNotFoundV1,
  RunLaunchErrorV1,
  RunNamespaceCleanedV1,
  RunNamespaceCleanupFailedV1,
  RunNamespaceCleanupSkippedV1,
  RunNamespacePreparedV1,
  RunStartedV1,
  RunSucceededV1,
} from './run.js';
import {
  DeadLetterRetriedV1,
  DeadLetterRetryRequestedV1,
  NamespaceDeletedByStaffV1,
  RunCancelRequestedV1,
  RunCanceledV1,
  RunNamespaceDeleteRequestedV1,
  SlotRedeployFailedV1,
  SlotRedeployRequestedV1,
  SlotRedeployedV1,
} from './staff.js';
import { SlotDeployedV1, SlotLeasedV1, SlotReadyV1, SlotReleasedV1, SlotTlsFailedV1, SlotUnitReadyV1 } from './slot.js';
import { WebhookDuplicateV1, WebhookIgnoredV1, WebhookReceivedV1 } from './webhook.js';

/** Every published event contract; proto/ is generated from this list. */
export const EVENT_CATALOG: readonly EventDefinition[] = [
  WebhookReceivedV1,
  WebhookDuplicateV1,
  WebhookIgnoredV1,
  RunCreatedV1,
  RunNamespacePreparedV1,
  AgentTokenIssuedV1,
  RunStartedV1,
  AgentStartedV1,
  AgentReadyV1,
  AgentStatusReportedV1,
  AgentLogAppendedV1,
  ArtifactAddedV1,
  PullRequestCreatedV1,
  AgentFinishedV1,
  RunSucceededV1,
  RunFailedV1,
  RunJobNotFoundV1,
  RunLaunchErrorV1,
  RunCancelRequestedV1,
  RunCanceledV1,
  AgentTokenRevokedV1,
  RunNamespaceCleanedV1,
  RunNamespaceCleanupFailedV1,
  RunNamespaceCleanupSkippedV1,
  IssueRunsClosedV1,
  NamespaceDeletedBySystemV1,
  RunNamespaceDeleteRequestedV1,
  NamespaceDeletedByStaffV1,
  SlotLeasedV1,
  SlotUnitReadyV1,
  SlotDeployedV1,
  SlotReadyV1,
  SlotTlsFailedV1,
  SlotReleasedV1,
  SlotRedeployRequestedV1,
  SlotRedeployedV1,
  SlotRedeployFailedV1,
  DeadLetteredV1,
  DeadLetterRetryRequestedV1,
  DeadLetterRetriedV1,
  RunStatusCommentUpsertedV1,
  WebhookIgnoredRepliedV1,
  WebhookRedeliveryRequestedV1,
];

/** Looks a contract up by type and version. */
export function findEvent(type: string, version: number): EventDefinition | undefined {
  return EVENT_CATALOG.find((e) => e.type === type && e.version === version);
}
