import { z } from 'zod';
import { defineEvent } from '../define.js';

export const DeadLetteredData = z.object({
  stream: z.string(),
  consumer: z.string(),
  stream_seq: z.number().int().nonnegative(),
  deliveries: z.number().int().nonnegative(),
  reason: z.enum(['max_deliveries', 'terminated']),
  detail: z.string().nullable(),
  original_subject: z.string().nullable(),
  original_event_id: z.string().nullable(),
  original_type: z.string().nullable(),
  original: z.unknown(),
});
export type DeadLetteredData = z.infer<typeof DeadLetteredData>;

export const DeadLetteredV1 = defineEvent({
  type: 'bus.dead_lettered',
  version: 1,
  schema: DeadLetteredData,
  description:
    'A message a consumer gave up on: it exhausted max_deliver or was terminated as poison. Captured from the ' +
    'JetStream MAX_DELIVERIES / MSG_TERMINATED advisories with the original message read back by stream sequence.',
  emittedBy: ['audit-writer'],
  consumedBy: ['audit-writer'],
});
