import type { z } from 'zod';

/** Who emits an event and who consumes it: the source of truth for proto/asyncapi.yaml. */
export interface EventRoute {
  readonly emittedBy: readonly string[];
  readonly consumedBy: readonly string[];
}

/** A versioned event contract: its type name (as stored in `flow_events.event_type`), version and schema. */
export interface EventDefinition<S extends z.ZodType = z.ZodType> extends EventRoute {
  readonly type: string;
  readonly version: number;
  readonly schema: S;
  readonly description: string;
}

/** The payload type of an event definition. */
export type EventData<E extends EventDefinition> = z.infer<E['schema']>;

/**
 * Declares an event contract. Type names follow the original codex-k8s (`webhook.received`, `run.namespace.prepared`);
 * the version goes into the subject so a breaking change gets a new subject (CloudEvents primer).
 */
export function defineEvent<S extends z.ZodType>(def: EventDefinition<S>): EventDefinition<S> {
  if (!/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/.test(def.type)) {
    throw new Error(`event type "${def.type}" must be dot-separated lowercase tokens`);
  }
  return Object.freeze(def);
}
