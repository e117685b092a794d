import type { Envelope, EventDefinition } from '@codex-k8s/contracts';
import { TerminalError, type BaseConfig } from '@codex-k8s/runtime';
import type { z } from 'zod';
import type { Bus } from './bus.js';
import { runConsumer, type MessageMeta, type RunningConsumer } from './consumer.js';
import { decodeEvent } from './envelope.js';

/**
 * Runs a durable consumer for exactly one event contract: the filter is that event's subject and each
 * message is decoded (envelope + data schema) before `handle` sees it.
 */
export function consumeEvent<S extends z.ZodType>(
  bus: Bus,
  def: EventDefinition<S>,
  opts: {
    durable: string;
    config: Pick<BaseConfig, 'BUS_CONCURRENCY' | 'BUS_ACK_WAIT_MS' | 'BUS_MAX_DELIVER'>;
    handle: (event: Envelope<z.infer<S>>, meta: MessageMeta) => Promise<void>;
    backoffMs?: readonly number[];
  },
): Promise<RunningConsumer> {
  return runConsumer(bus, {
    durable: opts.durable,
    filterSubjects: [bus.subjectOf(def)],
    decode: (body, subject) => decodeEvent(def, bus.subjectRoot, subject, body),
    handle: opts.handle,
    concurrency: opts.config.BUS_CONCURRENCY,
    ackWaitMs: opts.config.BUS_ACK_WAIT_MS,
    maxDeliver: opts.config.BUS_MAX_DELIVER,
    ...(opts.backoffMs ? { backoffMs: opts.backoffMs } : {}),
  });
}

/** One input of a multi-event consumer: a contract and its handler. */
export interface EventRoute {
  readonly def: EventDefinition;
  readonly handle: (event: Envelope<unknown>, meta: MessageMeta) => Promise<void>;
}

/** Pairs a contract with its typed handler (for `consumeEvents`). */
export function on<S extends z.ZodType>(def: EventDefinition<S>, handle: (event: Envelope<z.infer<S>>, meta: MessageMeta) => Promise<void>): EventRoute {
  return { def, handle: handle as EventRoute['handle'] };
}

/**
 * One durable consumer over several event contracts (JetStream `filter_subjects`): each message is decoded
 * with the contract its subject names and handed to that contract's handler. A subject no route names is
 * poison (terminated).
 */
export function consumeEvents(
  bus: Bus,
  opts: {
    durable: string;
    config: Pick<BaseConfig, 'BUS_CONCURRENCY' | 'BUS_ACK_WAIT_MS' | 'BUS_MAX_DELIVER'>;
    routes: readonly EventRoute[];
    backoffMs?: readonly number[];
  },
): Promise<RunningConsumer> {
  const bySubject = new Map(opts.routes.map((r) => [bus.subjectOf(r.def), r]));
  return runConsumer(bus, {
    durable: opts.durable,
    filterSubjects: [...bySubject.keys()],
    decode: (body, subject) => {
      const route = bySubject.get(subject);
      if (!route) throw new TerminalError(`no handler for ${subject}`);
      return { route, event: decodeEvent(route.def, bus.subjectRoot, subject, body) };
    },
    handle: ({ route, event }, meta) => route.handle(event, meta),
    concurrency: opts.config.BUS_CONCURRENCY,
    ackWaitMs: opts.config.BUS_ACK_WAIT_MS,
    maxDeliver: opts.config.BUS_MAX_DELIVER,
    ...(opts.backoffMs ? { backoffMs: opts.backoffMs } : {}),
  });
}
