import { z } from 'zod';
import { defineEvent } from '../define.js';

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
