export { createDb, openServiceDb, pingDb, waitForDb } from './database.js';
export type { Database, Db } from './database.js';
export { MigrationError, migrateToLatest } from './migrate.js';
export type { FlowEventRow, NewFlowEventRow } from './tables/flow-events.table.js';
export type { WebhookDeliveryRow } from './tables/webhook-deliveries.table.js';
export type { AgentRunRow, ProjectRow, RepositoryRow, RunStatus, SlotRow } from './tables/platform.table.js';
export { insertFlowEvent, insertFlowEvents, lastFlowEventId, listFlowEvents, listFlowEventsAfter, listFlowEventsByType } from './repositories/flow-events.repository.js';
export { findDelivery, markDeliveriesPublished, recordDelivery, type DeliveryReceipt, type DeliveryToRecord } from './repositories/webhook-deliveries.repository.js';
export type { MemberRole, RunOutcome } from './tables/platform.table.js';
export { addMember, bindRepository, findBinding, findProjectBySlug, getProject, findProjectRepository, findSender, upsertProject } from './repositories/projects.repository.js';
export { claimRunFinish, completeRunFinish, endPendingRun, finishRun, getRun, isLiveRun, insertRunOnce, listRunsByStatus, listRunsOfIssue, markRunStarted, setRunLogsTail, setRunSlot } from './repositories/runs.repository.js';
export type { NewRun } from './repositories/runs.repository.js';
export type { DeployLogLine, RuntimeDeployTaskRow } from './tables/platform.table.js';
export { leaseSlot, releaseSlot, renewSlot } from './repositories/slots.repository.js';
export { appendDeployLog, deployProgressOf, getDeployTask, lastFingerprint, saveDeployProgress, setDeployTask, upsertDeployTask } from './repositories/deploy-tasks.repository.js';
export type { DeployProgress, DesiredDeploy } from './repositories/deploy-tasks.repository.js';
export { claimNamespace, namespaceOwner } from './repositories/namespace-owners.repository.js';
export { tryAcquireLease } from './repositories/leases.repository.js';
export { listStalledRuns } from './repositories/stalled-runs.repository.js';
export {
  addArtifact,
  agentFinishOf,
  agentLogTail,
  agentTokenHash,
  agentTokenOf,
  appendLogChunk,
  findAgentByTokenHash,
  getArtifact,
  issueAgentToken,
  listArtifacts,
  listLogChunks,
  purgeLogChunks,
  recordAgentReport,
  revokeAgentToken,
} from './repositories/agent.repository.js';
export type { AgentIdentity, StoreOutcome } from './repositories/agent.repository.js';
export type { AgentArtifactRow, AgentLogChunkRow, AgentReportRow, AgentTokenRow } from './tables/agent.table.js';
export {
  NAMESPACE_GONE_EVENTS,
  agentLogLines,
  deadLetterRetries,
  getDeadLetter,
  getSlot,
  eventHeadsAfter,
  firstEventsOf,
  flowEventById,
  getRunEvent,
  getStaffRun,
  listDeadLetters,
  listRunEventHeads,
  listStaffDeployTasks,
  listStaffNamespaces,
  listStaffRuns,
  listStaffSlots,
  listStatusLines,
  namespaceDeletedFor,
  runLogsTail,
  staffAccessOf,
  staffRunsByCorrelation,
} from './repositories/staff.repository.js';
export type { EventHead, RunFilter, RunKey, StaffNamespaceRow, StaffProject, StaffRunRow } from './repositories/staff.repository.js';
export { closeStaffSession, createLoginLink, openStaffSession, purgeStaffSessions, staffSessionLogin, useLoginLink } from './repositories/staff-sessions.repository.js';
export type { RedeployFailureReason, SlotRedeployRow } from './tables/platform.table.js';
export { lastSlotDeploy, leaseSlotFor, releaseSlotOf } from './repositories/slots.repository.js';
export type { SlotLeaseResult } from './repositories/slots.repository.js';
export {
  appendRedeployLog,
  finishSlotRedeploy,
  lastSlotRedeploys,
  redeployBrokeSlot,
  redeployProgressOf,
  saveRedeployProgress,
  slotRedeployOf,
  startSlotRedeploy,
} from './repositories/slot-redeploys.repository.js';
export type { NewSlotRedeploy, RedeployEnd, SlotRedeploySummary } from './repositories/slot-redeploys.repository.js';
export { claimRedelivery, markCommentSent, rateLimitedUntil, recordRateLimit, releaseRedelivery, runCommentTarget, saveCommentState, storedDeliveryIds, withCommentRow } from './repositories/github.repository.js';
export type { CommentTarget, RunCommentTarget } from './repositories/github.repository.js';
export type { GithubCommentRow } from './tables/github.table.js';
