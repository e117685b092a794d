import { z } from 'zod';
import { defineEvent } from '../define.js';
import { NamespaceCleanupData, RunRef } from './run.js';

/**
 * A staff member's GitHub login as the platform stores it (users.github_login: lower case). Every staff action
 * carries it as `requested_by`; audit-writer records the action with actor_type `human` and this login.
 */
export const StaffLogin = z
  .string()
  .min(1)
  .max(39)
  .regex(/^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,38}$/, 'not a GitHub login (lower case)');
export type StaffLogin = z.infer<typeof StaffLogin>;

const Requested = z.object({ requested_by: StaffLogin });

export const RunCancelRequestedData = RunRef.extend({ requested_by: StaffLogin });
export type RunCancelRequestedData = z.infer<typeof RunCancelRequestedData>;

export const RunCancelRequestedV1 = defineEvent({
  type: 'run.cancel_requested',
  version: 1,
  schema: RunCancelRequestedData,
  description:
    'A staff member asked to cancel a live run (staff console). agent-launcher claims the run\'s end, deletes its Job and ' +
    'publishes run.canceled; a run that already ended is left as it is.',
  emittedBy: ['staff-console'],
  consumedBy: ['agent-launcher', 'audit-writer'],
});

export const RunCanceledData = RunRef.extend({
  /** The Job that was deleted; null when the run was canceled before its Job existed. */
  job_name: z.string().nullable(),
  job_namespace: z.string().nullable(),
  status: z.literal('canceled'),
  reason: z.literal('canceled_by_staff'),
  error: z.string().nullable(),
  exit_code: z.null(),
  requested_by: StaffLogin,
});
export type RunCanceledData = z.infer<typeof RunCanceledData>;

export const RunCanceledV1 = defineEvent({
  type: 'run.canceled',
  version: 1,
  schema: RunCanceledData,
  description:
    'The run was canceled by a staff member: its Job was deleted and the run ended. It shares the run\'s one end id with ' +
    'run.succeeded / run.failed*, so a run ends once; its namespace is cleaned (full-env) or its slot released (slot runs).',
  emittedBy: ['agent-launcher'],
  consumedBy: ['namespace-provisioner', 'audit-writer', 'github-reporter'],
});

export const RunNamespaceDeleteRequestedData = RunRef.extend({ namespace: z.string().min(1).max(63), requested_by: StaffLogin });
export type RunNamespaceDeleteRequestedData = z.infer<typeof RunNamespaceDeleteRequestedData>;

export const RunNamespaceDeleteRequestedV1 = defineEvent({
  type: 'run.namespace.delete_requested',
  version: 1,
  schema: RunNamespaceDeleteRequestedData,
  description:
    'A staff member asked to delete the namespace of an ended full-env run (staff console). namespace-provisioner deletes ' +
    'it under the same guards as every cleanup and answers run.namespace.delete_by_staff.',
  emittedBy: ['staff-console'],
  consumedBy: ['namespace-provisioner', 'audit-writer'],
});

export const NamespaceDeletedByStaffData = NamespaceCleanupData.extend(Requested.shape);
export type NamespaceDeletedByStaffData = z.infer<typeof NamespaceDeletedByStaffData>;

export const NamespaceDeletedByStaffV1 = defineEvent({
  type: 'run.namespace.delete_by_staff',
  version: 1,
  schema: NamespaceDeletedByStaffData,
  description:
    'A run namespace was deleted at a staff member\'s request; `reason` is `already_deleted` when it was already gone ' +
    '(one event per run: a second request changes nothing).',
  emittedBy: ['namespace-provisioner'],
  consumedBy: ['audit-writer', 'github-reporter'],
});

/** A slot as a staff action names it (no run: a redeploy belongs to the slot). */
const SlotTarget = z.object({
  /** The request's own id: the redeploy's key (its progress, its events' ids). */
  redeploy_id: z.uuid(),
  project_id: z.uuid(),
  slot_no: z.number().int().positive().max(1_000),
  namespace: z.string().min(1).max(63),
  requested_by: StaffLogin,
});

export const SlotRedeployRequestedData = SlotTarget;
export type SlotRedeployRequestedData = z.infer<typeof SlotRedeployRequestedData>;

export const SlotRedeployRequestedV1 = defineEvent({
  type: 'slot.redeploy_requested',
  version: 1,
  schema: SlotRedeployRequestedData,
  description:
    'A staff member asked to redeploy a free slot (staff console): the deployer leases it, applies the stack of its last ' +
    'deploy again, every unit in order, under a new fingerprint, and frees it.',
  emittedBy: ['staff-console'],
  consumedBy: ['deployer', 'audit-writer'],
});

export const SlotRedeployedData = SlotTarget.extend({
  host: z.string().nullable(),
  commit_sha: z.string().nullable(),
  /** The new fingerprint (the desired state salted with the redeploy id, so everything was applied again). */
  fingerprint: z.string(),
  units: z.number().int().nonnegative(),
});
export type SlotRedeployedData = z.infer<typeof SlotRedeployedData>;

export const SlotRedeployedV1 = defineEvent({
  type: 'slot.redeployed',
  version: 1,
  schema: SlotRedeployedData,
  description: 'A staff redeploy applied every unit of the slot again and each became ready; the slot is free again.',
  emittedBy: ['deployer'],
  consumedBy: ['audit-writer'],
});

export const SlotRedeployFailedData = SlotTarget.extend({
  reason: z.enum(['slot_leased', 'never_deployed', 'deploy_failed']),
  error: z.string(),
});
export type SlotRedeployFailedData = z.infer<typeof SlotRedeployFailedData>;

export const SlotRedeployFailedV1 = defineEvent({
  type: 'slot.redeploy_failed',
  version: 1,
  schema: SlotRedeployFailedData,
  description:
    'A staff redeploy did not happen or did not finish: `slot_leased` (a run holds the slot), `never_deployed` (no deploy ' +
    'to repeat), `deploy_failed` (`error` names the unit and the cause). The slot is free again.',
  emittedBy: ['deployer'],
  consumedBy: ['audit-writer'],
});

export const DeadLetterRetryRequestedData = z.object({
  /** The `bus.dead_lettered` event to retry (its flow_events `event_id`). */
  dead_letter_id: z.uuid(),
  requested_by: StaffLogin,
});
export type DeadLetterRetryRequestedData = z.infer<typeof DeadLetterRetryRequestedData>;

export const DeadLetterRetryRequestedV1 = defineEvent({
  type: 'bus.dead_letter.retry_requested',
  version: 1,
  schema: DeadLetterRetryRequestedData,
  description:
    'A platform admin asked to retry a dead letter (staff console): audit-writer publishes the original message, as ' +
    'recorded, to its original subject once more, and says so with bus.dead_letter.retried.',
  emittedBy: ['staff-console'],
  consumedBy: ['audit-writer'],
});

export const DeadLetterRetriedData = DeadLetterRetryRequestedData.extend({
  original_subject: z.string(),
  original_event_id: z.string(),
  original_type: z.string(),
  /** Where the original landed again in the event stream. */
  stream_seq: z.number().int().nonnegative(),
});
export type DeadLetterRetriedData = z.infer<typeof DeadLetterRetriedData>;

export const DeadLetterRetriedV1 = defineEvent({
  type: 'bus.dead_letter.retried',
  version: 1,
  schema: DeadLetterRetriedData,
  description: 'The original message of a dead letter was published again to its subject (its consumers see it once more, with its own id).',
  emittedBy: ['audit-writer'],
  consumedBy: ['audit-writer'],
});

/** The event types that record a staff member's act (their `requested_by` is the actor; audit-writer). */
export const STAFF_ACTED_EVENTS: readonly string[] = Object.freeze([
  RunCancelRequestedV1.type,
  RunCanceledV1.type,
  RunNamespaceDeleteRequestedV1.type,
  NamespaceDeletedByStaffV1.type,
  SlotRedeployRequestedV1.type,
  SlotRedeployedV1.type,
  SlotRedeployFailedV1.type,
  DeadLetterRetryRequestedV1.type,
  DeadLetterRetriedV1.type,
]);
