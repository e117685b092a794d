import { deterministicId, type EventDefinition, type EventEnvelope } from '@codex-k8s/contracts';
import type { Bus, Published } from '@codex-k8s/bus';
import type { z } from 'zod';

/** Why an event is published: the chain it belongs to (correlation id) and the event that caused it (causation id). */
export interface Cause {
  readonly correlationId: string;
  /** The id of the event being handled; absent for work a timer started (resync, sweeper, stall reconciler). */
  readonly causationId?: string;
}

/** The cause an incoming event gives everything its handler publishes: its correlation id and its own id. Pure. */
export function causeOf(e: Pick<EventEnvelope, 'id' | 'correlationid'>): Cause {
  return { correlationId: e.correlationid, causationId: e.id };
}

/** One run event to publish: the run, its data and, unless given, the parts its deterministic id is made of. */
export interface RunEventOut<D> {
  readonly runId: string;
  readonly data: D;
  /** The event id; default `deterministicId(<type>, runId, ...idParts)`, the same for every retry of the step. */
  readonly id?: string;
  /** Extra parts of the default id (e.g. a unit name, when the step emits the type once per unit). */
  readonly idParts?: readonly (string | number)[];
}

/** The default id of a run event: one per event type and run (and extra parts), the same for every retry. Pure. */
export function runEventId(type: string, runId: string, idParts: readonly (string | number)[] = []): string {
  return deterministicId(type, runId, ...idParts);
}

/**
 * Publishes a run event as a consequence of `cause`: correlation and causation ids from the cause, subject
 * `run/<runId>`, and a deterministic id (runEventId unless `out.id` is given), so a redelivered cause republishes
 * the same message and JetStream and flow_events keep one.
 * @throws ZodError when the data does not match the contract; whatever the bus throws when the publish fails.
 */
export function publishCaused<S extends z.ZodType>(bus: Pick<Bus, 'publish'>, def: EventDefinition<S>, cause: Cause, out: RunEventOut<z.input<S>>): Promise<Published<z.infer<S>>> {
  return bus.publish(def, {
    id: out.id ?? runEventId(def.type, out.runId, out.idParts),
    correlationId: cause.correlationId,
    ...(cause.causationId ? { causationId: cause.causationId } : {}),
    subject: `run/${out.runId}`,
    data: out.data,
  });
}
