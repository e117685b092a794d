import { consumerName, type Envelope, type EventDefinition } from '@codex-k8s/contracts';
import type { BaseConfig } from '@codex-k8s/runtime';
import type { z } from 'zod';
import type { Bus } from './bus.js';
import { runConsumer, type MessageMeta, type RunningConsumer } from './consumer.js';
import { decodeEvent } from './envelope.js';
import { createLimiter } from './limiter.js';

/** One input of a service: a contract and its handler. */
export interface EventRoute {
  readonly def: EventDefinition;
  readonly handle: (event: Envelope<unknown>, meta: MessageMeta) => Promise<void>;
}

/** Pairs a contract with its typed handler (for `consumeEvents`). */
export function on<S extends z.ZodType>(def: EventDefinition<S>, handle: (event: Envelope<z.infer<S>>, meta: MessageMeta) => Promise<void>): EventRoute {
  return { def, handle: handle as EventRoute['handle'] };
}

/** Settings shared by `consumeEvent` and `consumeEvents`. */
export interface EventConsumerOptions {
  /** The consuming service; defaults to the bus name (the consumers are named after it). */
  readonly durable?: string;
  readonly config: Pick<BaseConfig, 'BUS_CONCURRENCY' | 'BUS_ACK_WAIT_MS' | 'BUS_MAX_DELIVER'>;
  readonly backoffMs?: readonly number[];
}

/**
 * Refuses an input the catalog does not list the service as a consumer of: bus permissions are derived from the
 * catalog, so code reading an event the catalog does not grant would be refused by the server anyway.
 * @throws Error naming the service and the event.
 */
export function checkConsumes(service: string, def: Pick<EventDefinition, 'type' | 'version' | 'consumedBy'>): void {
  if (!def.consumedBy.includes(service)) {
    throw new Error(`${service} consumes ${def.type} v${def.version}, but the event catalog does not list it in consumedBy (add it to the contract in packages/contracts)`);
  }
}

/**
 * Runs one durable consumer per input event: each is named `consumerName(service, event)` and filters on that
 * event's subject only, so bus permissions can pin what the service reads. Each message is decoded with its
 * contract (envelope, emitting service, data schema) before its handler sees it. At most BUS_CONCURRENCY
 * messages are handled at once across all inputs. Closing the result closes every input.
 * @throws Error before anything starts when an input is not in the catalog's consumedBy of the service.
 */
export async function consumeEvents(bus: Bus, opts: EventConsumerOptions & { routes: readonly EventRoute[] }): Promise<RunningConsumer> {
  const service = opts.durable ?? bus.name;
  for (const r of opts.routes) checkConsumes(service, r.def);
  const limiter = createLimiter(opts.config.BUS_CONCURRENCY);
  const running: RunningConsumer[] = [];
  try {
    for (const route of opts.routes) {
      running.push(
        await runConsumer(bus, {
          durable: consumerName(service, route.def),
          filterSubject: bus.subjectOf(route.def),
          replaces: service,
          decode: (body, subject) => decodeEvent(route.def, bus.subjectRoot, subject, body),
          handle: route.handle,
          limiter,
          concurrency: opts.config.BUS_CONCURRENCY,
          ackWaitMs: opts.config.BUS_ACK_WAIT_MS,
          maxDeliver: opts.config.BUS_MAX_DELIVER,
          ...(opts.backoffMs ? { backoffMs: opts.backoffMs } : {}),
        }),
      );
    }
  } catch (err) {
    await Promise.all(running.map((c) => c.close()));
    throw err;
  }
  return { close: async () => void (await Promise.all(running.map((c) => c.close()))) };
}

/**
 * Runs the durable consumer of exactly one event contract (`consumeEvents` with one route).
 * @throws Error when the catalog does not list the service as a consumer of the event.
 */
export function consumeEvent<S extends z.ZodType>(
  bus: Bus,
  def: EventDefinition<S>,
  opts: EventConsumerOptions & { handle: (event: Envelope<z.infer<S>>, meta: MessageMeta) => Promise<void> },
): Promise<RunningConsumer> {
  const { handle, ...rest } = opts;
  return consumeEvents(bus, { ...rest, routes: [on(def, handle)] });
}
