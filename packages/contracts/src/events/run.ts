import { z } from 'zod';
import { defineEvent } from '../define.js';
import { GithubId } from './webhook.js';

export const RuntimeMode = z.enum(['full-env', 'code-only']);
export type RuntimeMode = z.infer<typeof RuntimeMode>;

/** What every run event carries, so a subscriber never needs a database lookup to place it. */
export const RunRef = z.object({
  run_id: z.uuid(),
  project_id: z.uuid(),
  runtime_mode: RuntimeMode,
  /** The run namespace (full-env) or null (code-only). */
  namespace: z.string().nullable(),
});

export const RunCreatedData = RunRef.extend({
  /** Full-env run of a project with slot deploys: it gets a slot and its stack (the deployer leases it). */
  runtime_deploy: z.boolean().default(false),
  project_slug: z.string(),
  trigger_kind: z.string(),
  trigger_label: z.string(),
  issue_number: z.number().int().positive().nullable(),
  repository_full_name: z.string(),
  sender_login: z.string(),
  /** The GitHub App installation the delivery came through (null without an App); github-reporter answers through it. */
  installation_id: GithubId.nullable().default(null),
});
export type RunCreatedData = z.infer<typeof RunCreatedData>;

export const RunCreatedV1 = defineEvent({
  type: 'run.created',
  version: 1,
  schema: RunCreatedData,
  description:
    'The planner created an agent run for a triggering label (one per delivery). `namespace` is the deterministic run ' +
    'namespace for full-env runs, null for code-only runs.',
  emittedBy: ['planner'],
  consumedBy: ['namespace-provisioner', 'deployer', 'agent-launcher', 'audit-writer', 'github-reporter'],
});

export const RunNamespacePreparedData = RunRef.extend({
  namespace: z.string(),
  slot_no: z.number().int().nonnegative(),
  /** True when this delivery created the namespace, false when it already existed (a retry). */
  created: z.boolean(),
  service_account: z.string(),
  objects: z.array(z.string()),
  /** A slot namespace whose stack the deployer installs next (the agent waits for slot.ready). */
  runtime_deploy: z.boolean().default(false),
});
export type RunNamespacePreparedData = z.infer<typeof RunNamespacePreparedData>;

export const RunNamespacePreparedV1 = defineEvent({
  type: 'run.namespace.prepared',
  version: 1,
  schema: RunNamespacePreparedData,
  description:
    'The run namespace exists with its baseline (ServiceAccount, Role, RoleBinding, ResourceQuota, LimitRange, and the ' +
    'default-deny NetworkPolicy unless disabled), all server-side applied.',
  emittedBy: ['namespace-provisioner'],
  consumedBy: ['deployer', 'agent-launcher', 'audit-writer', 'github-reporter'],
});

const JobRef = RunRef.extend({ job_name: z.string(), job_namespace: z.string() });

export const RunStartedData = JobRef.extend({ slot_no: z.number().int().nonnegative(), image: z.string() });
export type RunStartedData = z.infer<typeof RunStartedData>;

export const RunStartedV1 = defineEvent({
  type: 'run.started',
  version: 1,
  schema: RunStartedData,
  description: 'The agent Job exists (created, or adopted when it already existed) and is being followed.',
  emittedBy: ['agent-launcher'],
  consumedBy: ['audit-writer', 'github-reporter'],
});

export const RunFinishedData = JobRef.extend({
  status: z.enum(['succeeded', 'failed']),
  /** Why it failed: `kubernetes job failed`, a pod waiting reason such as `ImagePullBackOff`, `FailedCreate`, ... */
  reason: z.string().nullable(),
  error: z.string().nullable(),
  /** The agent container's exit code; null when it never ran to an end (image not pulled, pods never created, Job gone). */
  exit_code: z.number().int().min(-2147483648).max(2147483647).nullable().optional(),
});
export type RunFinishedData = z.infer<typeof RunFinishedData>;

export const RunSucceededV1 = defineEvent({
  type: 'run.succeeded',
  version: 1,
  schema: RunFinishedData,
  description: 'The agent Job completed. Exactly one of run.succeeded / run.failed* is recorded per run.',
  emittedBy: ['agent-launcher'],
  consumedBy: ['namespace-provisioner', 'audit-writer', 'github-reporter'],
});

export const RunFailedV1 = defineEvent({
  type: 'run.failed',
  version: 1,
  schema: RunFinishedData,
  description:
    'The agent Job failed (Job Failed condition, a terminal pod waiting reason such as ImagePullBackOff, or pods that ' +
    'could not be created within the deadline, e.g. quota). `reason` says which.',
  emittedBy: ['agent-launcher'],
  consumedBy: ['namespace-provisioner', 'audit-writer', 'github-reporter'],
});

export const RunJobNotFoundV1 = defineEvent({
  type: 'run.failed.job_not_found',
  version: 1,
  schema: RunFinishedData,
  description: 'A started run whose Job no longer exists (deleted by hand or lost); reason `kubernetes job not found`.',
  emittedBy: ['agent-launcher'],
  consumedBy: ['namespace-provisioner', 'audit-writer', 'github-reporter'],
});

/** Why a run could not be launched or go on; `namespace_owned_by_another_project` is a refused cross-tenant namespace. */
export const LaunchErrorReason = z.enum(['namespace_prepare_failed', 'job_create_failed', 'runtime_deploy_failed', 'namespace_owned_by_another_project', 'run_stalled']);
export type LaunchErrorReason = z.infer<typeof LaunchErrorReason>;

export const RunLaunchErrorData = RunRef.extend({ reason: LaunchErrorReason, error: z.string() });
export type RunLaunchErrorData = z.infer<typeof RunLaunchErrorData>;

export const RunLaunchErrorV1 = defineEvent({
  type: 'run.failed.launch_error',
  version: 1,
  schema: RunLaunchErrorData,
  description:
    'The run could not be launched; no Job was created. `reason`: namespace_prepare_failed, job_create_failed, runtime_deploy_failed, ' +
    'namespace_owned_by_another_project (the namespace the run would use belongs to another project, or lies outside its own prefix), ' +
    'run_stalled (no progress for the stall timeout: ended by namespace-provisioner\'s reconciler, its namespace cleaned).',
  emittedBy: ['namespace-provisioner', 'agent-launcher', 'deployer', 'tls-watcher'],
  consumedBy: ['namespace-provisioner', 'audit-writer', 'github-reporter'],
});

/** Who decided a run namespace goes: the run's end, its issue closed, the sweeper, or a staff member (staff console). */
export const CleanupTrigger = z.enum(['run_finished', 'issue_closed', 'sweeper', 'staff']);

export const NamespaceCleanupData = RunRef.extend({
  namespace: z.string(),
  trigger: CleanupTrigger,
  reason: z.string().nullable(),
  error: z.string().nullable(),
  /** For skips: the exact command an operator runs to delete it by hand. */
  cleanup_command: z.string().nullable(),
});
export type NamespaceCleanupData = z.infer<typeof NamespaceCleanupData>;

export const RunNamespaceCleanedV1 = defineEvent({
  type: 'run.namespace.cleaned',
  version: 1,
  schema: NamespaceCleanupData,
  description: 'The run namespace was deleted (or was already gone) after the run ended; `trigger` says who decided.',
  emittedBy: ['namespace-provisioner'],
  consumedBy: ['audit-writer', 'github-reporter'],
});

export const RunNamespaceCleanupFailedV1 = defineEvent({
  type: 'run.namespace.cleanup_failed',
  version: 1,
  schema: NamespaceCleanupData,
  description: 'Deleting the run namespace failed; `error` has the cause. The sweeper retries.',
  emittedBy: ['namespace-provisioner'],
  consumedBy: ['audit-writer'],
});

export const RunNamespaceCleanupSkippedV1 = defineEvent({
  type: 'run.namespace.cleanup_skipped',
  version: 1,
  schema: NamespaceCleanupData,
  description:
    'The run namespace was deliberately kept: `reason` is cleanup_disabled_by_config or namespace_not_managed; ' +
    '`cleanup_command` is the kubectl command to delete it by hand.',
  emittedBy: ['namespace-provisioner'],
  consumedBy: ['audit-writer'],
});

export const IssueClosedData = z.object({
  project_id: z.uuid(),
  repository_full_name: z.string(),
  issue_number: z.number().int().positive(),
  run_ids: z.array(z.uuid()),
});
export type IssueClosedData = z.infer<typeof IssueClosedData>;

export const IssueRunsClosedV1 = defineEvent({
  type: 'issue.runs.closed',
  version: 1,
  schema: IssueClosedData,
  description: 'An issue with runs was closed: its run namespaces are to be deleted (run.namespace.delete_by_system).',
  emittedBy: ['planner'],
  consumedBy: ['namespace-provisioner', 'audit-writer'],
});

export const NamespaceDeletedBySystemV1 = defineEvent({
  type: 'run.namespace.delete_by_system',
  version: 1,
  schema: NamespaceCleanupData,
  description: 'A run namespace was deleted because its issue was closed.',
  emittedBy: ['namespace-provisioner'],
  consumedBy: ['audit-writer', 'github-reporter'],
});
