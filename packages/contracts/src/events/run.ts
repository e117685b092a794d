import { z } from 'zod';
import { defineEvent } from '../define.js';

export const RuntimeMode = z.enum(['full-env', 'code-only']);
export type RuntimeMode = z.infer<typeof RuntimeMode>;

export const RunCreatedData = z.object({
  run_id: z.uuid(),
  project_id: z.uuid(),
  trigger_kind: z.string(),
  trigger_label: z.string(),
  runtime_mode: RuntimeMode,
  issue_number: z.number().int().positive().nullable(),
  repository_full_name: z.string(),
});
export type RunCreatedData = z.infer<typeof RunCreatedData>;

export const RunCreatedV1 = defineEvent({
  type: 'run.created',
  version: 1,
  schema: RunCreatedData,
  description: 'The planner created an agent run for a triggering label (one per delivery).',
  emittedBy: ['planner'],
  consumedBy: ['namespace-provisioner', 'audit-writer'],
});

export const RunNamespacePreparedData = z.object({
  run_id: z.uuid(),
  project_id: z.uuid(),
  runtime_mode: RuntimeMode,
  namespace: z.string(),
  slot_no: z.number().int().nonnegative(),
});
export type RunNamespacePreparedData = z.infer<typeof RunNamespacePreparedData>;

export const RunNamespacePreparedV1 = defineEvent({
  type: 'run.namespace.prepared',
  version: 1,
  schema: RunNamespacePreparedData,
  description: 'The run namespace exists with its baseline (ServiceAccount, Role, RoleBinding, ResourceQuota, LimitRange).',
  emittedBy: ['namespace-provisioner'],
  consumedBy: ['deployer', 'agent-launcher', 'audit-writer'],
});

export const SlotDeployedData = z.object({
  run_id: z.uuid(),
  project_id: z.uuid(),
  namespace: z.string(),
  slot_no: z.number().int().positive(),
  host: z.string(),
  public_url: z.string(),
});
export type SlotDeployedData = z.infer<typeof SlotDeployedData>;

export const SlotDeployedV1 = defineEvent({
  type: 'slot.deployed',
  version: 1,
  schema: SlotDeployedData,
  description: "Every infrastructure item and service of the project's services.yaml is applied and ready in the slot.",
  emittedBy: ['deployer'],
  consumedBy: ['tls-watcher', 'audit-writer'],
});
