import { z } from 'zod';
import { defineEvent } from '../define.js';

const SlotRef = z.object({
  run_id: z.uuid(),
  project_id: z.uuid(),
  namespace: z.string(),
  slot_no: z.number().int().positive(),
});

export const SlotLeasedData = SlotRef.extend({
  runtime_mode: z.literal('full-env'),
  /** The slot host from the ai environment's domainTemplate (or `<namespace>.<CODEXK8S_AI_DOMAIN>`), if any. */
  host: z.string().nullable(),
  commit: z.string(),
  services_yaml_path: z.string(),
});
export type SlotLeasedData = z.infer<typeof SlotLeasedData>;

export const SlotLeasedV1 = defineEvent({
  type: 'slot.leased',
  version: 1,
  schema: SlotLeasedData,
  description: "A full-env run with a services.yaml holds a slot; its namespace comes from the project's ai environment at the fetched commit.",
  emittedBy: ['deployer'],
  consumedBy: ['namespace-provisioner', 'audit-writer', 'github-reporter'],
});

export const SlotUnitReadyData = SlotRef.extend({
  unit: z.string(),
  group: z.string(),
  kind: z.enum(['infrastructure', 'service']),
  objects: z.array(z.string()),
  started_at: z.iso.datetime({ offset: true }),
  ready_at: z.iso.datetime({ offset: true }),
});
export type SlotUnitReadyData = z.infer<typeof SlotUnitReadyData>;

export const SlotUnitReadyV1 = defineEvent({
  type: 'slot.unit.ready',
  version: 1,
  schema: SlotUnitReadyData,
  description: 'One unit of the slot deploy (infrastructure item or service) is applied and ready; units follow the deploy order.',
  emittedBy: ['deployer'],
  consumedBy: ['audit-writer'],
});

export const SlotDeployedData = SlotRef.extend({
  host: z.string().nullable(),
  public_url: z.string().nullable(),
  fingerprint: z.string(),
  /** True when the desired state equalled the slot's last deploy and nothing was applied. */
  unchanged: z.boolean(),
  tls_secret: z.string().nullable(),
});
export type SlotDeployedData = z.infer<typeof SlotDeployedData>;

export const SlotDeployedV1 = defineEvent({
  type: 'slot.deployed',
  version: 1,
  schema: SlotDeployedData,
  description: "Every infrastructure item and service of the project's services.yaml is applied and ready in the slot.",
  emittedBy: ['deployer'],
  consumedBy: ['tls-watcher', 'audit-writer', 'github-reporter'],
});

export const SlotReadyData = SlotRef.extend({ host: z.string().nullable(), public_url: z.string().nullable() });
export type SlotReadyData = z.infer<typeof SlotReadyData>;

export const SlotReadyV1 = defineEvent({
  type: 'slot.ready',
  version: 1,
  schema: SlotReadyData,
  description: 'The slot is deployed and its certificate is Ready: `public_url` is live. Subscribe to `platform.slot.>` to follow slots.',
  emittedBy: ['tls-watcher'],
  consumedBy: ['agent-launcher', 'audit-writer', 'github-reporter'],
});

export const SlotTlsFailedData = SlotRef.extend({ host: z.string(), reason: z.string(), message: z.string() });
export type SlotTlsFailedData = z.infer<typeof SlotTlsFailedData>;

export const SlotTlsFailedV1 = defineEvent({
  type: 'slot.tls.failed',
  version: 1,
  schema: SlotTlsFailedData,
  description: "The slot's certificate failed or did not become Ready in time; `reason` is cert-manager's (or `Timeout`).",
  emittedBy: ['tls-watcher'],
  consumedBy: ['audit-writer', 'github-reporter'],
});

export const SlotReleasedData = SlotRef;
export const SlotReleasedV1 = defineEvent({
  type: 'slot.released',
  version: 1,
  schema: SlotReleasedData,
  description: 'The run ended and its slot is free again; the slot namespace and its stack stay for manual QA and the next run.',
  emittedBy: ['namespace-provisioner'],
  consumedBy: ['audit-writer', 'github-reporter'],
});
