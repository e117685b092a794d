import { z } from 'zod';

/**
 * The envelope every event on the bus travels in (CloudEvents 1.0 attribute names, JSON body).
 * `correlationid` is the GitHub delivery id for the whole chain; `causationid` is the id of the event
 * (or delivery) that caused this one; `subject` is the entity key (`run/<id>`, `delivery/<id>`).
 */
export const EventEnvelope = z.object({
  specversion: z.literal('1.0'),
  id: z.uuid(),
  type: z.string().min(1),
  source: z.string().min(1),
  time: z.iso.datetime({ offset: true }),
  subject: z.string().min(1),
  correlationid: z.string().min(1),
  causationid: z.string().min(1).optional(),
  dataschemaversion: z.number().int().positive(),
  data: z.unknown(),
});
export type EventEnvelope = z.infer<typeof EventEnvelope>;

/** An envelope whose `data` has been parsed with the event's own schema. */
export type Envelope<D> = Omit<EventEnvelope, 'data'> & { data: D };
