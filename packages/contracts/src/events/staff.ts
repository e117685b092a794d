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
  consumedBy: ['namespace-provisioner', 'audit-writer'],
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
  consumedBy: ['audit-writer'],
});

/** The event types that record a staff member's act (their `requested_by` is the actor; audit-writer). */
export const STAFF_ACTED_EVENTS: readonly string[] = Object.freeze([
  RunCancelRequestedV1.type,
  RunCanceledV1.type,
  RunNamespaceDeleteRequestedV1.type,
  NamespaceDeletedByStaffV1.type,
]);
