export { EventEnvelope } from './envelope.js';
export type { Envelope } from './envelope.js';
export { defineEvent } from './define.js';
export type { EventDefinition, EventData, EventRoute } from './define.js';
export { DEFAULT_STREAM, DEFAULT_SUBJECT_ROOT, allSubjects, parseSubject, subjectFor } from './subjects.js';
export { deterministicId, runEndedEventId } from './ids.js';
export { SERVICE_NAMES } from './services.js';
export type { ServiceName } from './services.js';
export {
  BUS_ADMIN,
  DEAD_LETTER_CONSUMER,
  RECORDER,
  RECORDER_CONSUMER,
  adminPermissions,
  authorizationBlock,
  checkSubscriberName,
  consumerName,
  deadLetterStreamOf,
  eventsConsumedBy,
  eventsEmittedBy,
  inboxPrefix,
  servicePermissions,
  subscriberPermissions,
} from './bus-access.js';
export type { BusIdentity, BusPermissions, BusScope } from './bus-access.js';
export {
  GithubId,
  GithubIssueRef,
  GithubName,
  GithubRepositoryRef,
  GithubSender,
  IgnoreReason,
  IssueNumber,
  PG_INT_MAX,
  PRINTABLE_NAME,
  STORABLE_TEXT,
  StorableText,
  WebhookDuplicateData,
  WebhookDuplicateV1,
  WebhookIgnoredData,
  WebhookIgnoredV1,
  WebhookReceivedData,
  WebhookReceivedV1,
} from './events/webhook.js';
export { DeadLetteredData, DeadLetteredV1 } from './events/bus.js';
export {
  CleanupTrigger,
  IssueClosedData,
  IssueRunsClosedV1,
  LaunchErrorReason,
  NamespaceCleanupData,
  NamespaceDeletedBySystemV1,
  RunCreatedData,
  RunCreatedV1,
  RunFailedV1,
  RunFinishedData,
  RunJobNotFoundV1,
  RunLaunchErrorData,
  RunLaunchErrorV1,
  RunNamespaceCleanedV1,
  RunNamespaceCleanupFailedV1,
  RunNamespaceCleanupSkippedV1,
  RunNamespacePreparedData,
  RunNamespacePreparedV1,
  RunRef,
  RunStartedData,
  RunStartedV1,
  RunSucceededV1,
  RuntimeMode,
} from './events/run.js';
export {
  SlotDeployedData,
  SlotDeployedV1,
  SlotLeasedData,
  SlotLeasedV1,
  SlotReadyData,
  SlotReadyV1,
  SlotReleasedData,
  SlotReleasedV1,
  SlotTlsFailedData,
  SlotTlsFailedV1,
  SlotUnitReadyData,
  SlotUnitReadyV1,
} from './events/slot.js';
export { EVENT_CATALOG, findEvent } from './events/catalog.js';
export {
  AgentFinishedData,
  AgentFinishedV1,
  AgentLogAppendedData,
  AgentLogAppendedV1,
  AgentPhaseData,
  AgentReadyV1,
  AgentStartedV1,
  AgentStatusData,
  AgentStatusReportedV1,
  AgentTokenIssuedData,
  AgentTokenIssuedV1,
  AgentTokenRevokedData,
  AgentTokenRevokedV1,
  ArtifactAddedData,
  ArtifactAddedV1,
  PullRequestCreatedData,
  PullRequestCreatedV1,
} from './events/agent.js';
export {
  AGENT_API,
  AcceptedResponse,
  AgentReportRequest,
  AgentReportType,
  ArtifactKind,
  ArtifactName,
  ArtifactRequest,
  ErrorResponse,
  LogChunkRequest,
} from './agent-api.js';
