import type { Envelope, EventDefinition } from '@codex-k8s/contracts';
import type { BaseConfig } from '@codex-k8s/runtime';
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
