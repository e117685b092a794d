import { allSubjects, subjectFor, type Envelope, type EventDefinition } from '@codex-k8s/contracts';
import { injectTraceContext, type Logger } from '@codex-k8s/runtime';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type PubAck } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import type { z } from 'zod';
import { buildEnvelope, type PublishInput } from './envelope.js';
import { deadLetterAdvisorySubjects, ensureStream } from './topology.js';

/** Settings for connecting a service to the bus. */
export interface BusOptions {
  readonly url: string;
  /** The service name: NATS connection name and the `source` of every event it publishes. */
  readonly name: string;
  readonly stream: string;
  readonly subjectRoot: string;
  readonly log: Logger;
  readonly maxAgeMs?: number;
  readonly duplicateWindowMs?: number;
}

/** Result of one publish: the envelope sent and JetStream's acknowledgement. */
export interface Published<D> {
  readonly envelope: Envelope<D>;
  readonly seq: number;
  /** True when JetStream already had this `Nats-Msg-Id` (a retry or a redelivered cause). */
  readonly duplicate: boolean;
}

/** A connected bus: publish contracts, read the stream, drain on shutdown. */
export interface Bus {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly name: string;
  readonly stream: string;
  readonly advisoryStream: string;
  readonly subjectRoot: string;
  readonly log: Logger;
  publish<S extends z.ZodType>(def: EventDefinition<S>, input: PublishInput<z.input<S>>): Promise<Published<z.infer<S>>>;
  subjectOf(def: Pick<EventDefinition, 'type' | 'version'>): string;
  isConnected(): boolean;
  drain(): Promise<void>;
}

/**
 * Connects to NATS and ensures the event stream and the dead-letter advisory stream exist (idempotent).
 * Reconnects forever; publishes wait for a JetStream acknowledgement, so an acked event is persisted.
 */
export async function connectBus(opts: BusOptions): Promise<Bus> {
  const nc = await connect({
    servers: opts.url.split(','),
    name: opts.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
  });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const advisoryStream = `${opts.stream}_DEAD_LETTERS`;
  await ensureStream(jsm, {
    name: opts.stream,
    subjects: [allSubjects(opts.subjectRoot)],
    maxAgeMs: opts.maxAgeMs ?? 7 * 24 * 3600_000,
    duplicateWindowMs: opts.duplicateWindowMs ?? 2 * 60_000,
  });
  await ensureStream(jsm, {
    name: advisoryStream,
    subjects: deadLetterAdvisorySubjects(opts.stream),
    maxAgeMs: opts.maxAgeMs ?? 7 * 24 * 3600_000,
    duplicateWindowMs: 2 * 60_000,
  });
  void watchStatus(nc, opts.log);
  const subjectOf = (def: Pick<EventDefinition, 'type' | 'version'>): string => subjectFor(opts.subjectRoot, def);
  return {
    nc,
    js,
    jsm,
    name: opts.name,
    stream: opts.stream,
    advisoryStream,
    subjectRoot: opts.subjectRoot,
    log: opts.log,
    subjectOf,
    isConnected: () => !nc.isClosed() && !nc.isDraining(),
    drain: () => nc.drain(),
    async publish(def, input) {
      const envelope = buildEnvelope(def, opts.name, input);
      const h = headers();
      for (const [k, v] of Object.entries(injectTraceContext())) h.set(k, v);
      const ack: PubAck = await js.publish(subjectOf(def), JSON.stringify(envelope), {
        msgID: envelope.id,
        headers: h,
        expect: { streamName: opts.stream },
        timeout: 5_000,
        retries: 3,
      });
      return { envelope, seq: ack.seq, duplicate: ack.duplicate };
    },
  };
}

async function watchStatus(nc: NatsConnection, log: Logger): Promise<void> {
  for await (const s of nc.status()) {
    if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'error') {
      log.warn({ nats: s.type }, 'nats connection status');
    }
  }
}
