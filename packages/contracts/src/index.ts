export { EventEnvelope } from './envelope.js';
export type { Envelope } from './envelope.js';
export { defineEvent } from './define.js';
export type { EventDefinition, EventData, EventRoute } from './define.js';
export { DEFAULT_STREAM, DEFAULT_SUBJECT_ROOT, allSubjects, parseSubject, subjectFor } from './subjects.js';
export { deterministicId } from './ids.js';
export { SERVICE_NAMES } from './services.js';
export type { ServiceName } from './services.js';
export {
  GithubIssueRef,
  GithubRepositoryRef,
  GithubSender,
  IgnoreReason,
  WebhookDuplicateData,
  WebhookDuplicateV1,
  WebhookIgnoredData,
  WebhookIgnoredV1,
  WebhookReceivedData,
  WebhookReceivedV1,
} from './events/webhook.js';
export { DeadLetteredData, DeadLetteredV1 } from './events/bus.js';
export {
  RunCreatedData,
  RunCreatedV1,
  RunNamespacePreparedData,
  RunNamespacePreparedV1,
  RuntimeMode,
  SlotDeployedData,
  SlotDeployedV1,
} from './events/run.js';
export { EVENT_CATALOG, findEvent } from './events/catalog.js';
