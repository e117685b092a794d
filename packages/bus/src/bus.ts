import { allSubjects, deadLetterStreamOf, inboxPrefix, subjectFor, type Envelope, type EventDefinition } from '@codex-k8s/contracts';
import { errorMessage, injectTraceContext, type Logger } from '@codex-k8s/runtime';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type PubAck } from '@nats-io/jetstream';
import { connect, headers, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import type { z } from 'zod';
import { buildEnvelope, type PublishInput } from './envelope.js';
import { seedAuthenticator } from './credentials.js';
import { deadLetterAdvisorySubjects, ensureStream, isNotFound } from './topology.js';

/** Settings for connecting a service to the bus. */
export interface BusOptions {
  readonly url: string;
  /** The service name: NATS connection name and the `source` of every event it publishes. */
  readonly name: string;
  /** The credential's identity, which names the inbox prefix (`_INBOX_<identity>`); defaults to `name`. */
  readonly identity?: string;
  /** File with the identity's NKEY seed (NATS_NKEY_SEED_FILE); unset: connect without credentials. */
  readonly nkeySeedFile?: string;
  /**
   * Create or update the event stream and the dead-letter advisory stream (the recorder and admin tools). Without
   * it the bus only waits for the stream to exist: the other services may not create streams.
   */
  readonly manageStreams?: boolean;
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

/**
 * How long one publish may wait for JetStream's acknowledgement: each attempt's timeout and the number of attempts
 * (a timed-out attempt is retried under the same `Nats-Msg-Id`, so a retry never duplicates the event). While the
 * connection is down, each attempt waits its whole timeout.
 */
export interface PublishOptions {
  readonly timeoutMs?: number;
  readonly retries?: number;
}

/** The default publish budget: 3 attempts of 5 s (about 15 s while the server is unreachable). */
export const DEFAULT_PUBLISH: Required<PublishOptions> = { timeoutMs: 5_000, retries: 3 };

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
  publish<S extends z.ZodType>(def: EventDefinition<S>, input: PublishInput<z.input<S>>, opts?: PublishOptions): Promise<Published<z.infer<S>>>;
  subjectOf(def: Pick<EventDefinition, 'type' | 'version'>): string;
  /** Resolves once the event stream exists (at once when this bus manages the streams). */
  readonly streamReady: Promise<void>;
  /** Readiness: the connection is open and the event stream exists. */
  isConnected(): boolean;
  drain(): Promise<void>;
}

/**
 * Connects to NATS as the identity of `nkeySeedFile` (NKEY challenge/response, replies on its own inbox prefix).
 * With `manageStreams` it ensures the event stream and the dead-letter advisory stream (idempotent); otherwise
 * `streamReady` resolves once the stream exists (retried with a log line, never a crash).
 * Reconnects forever; publishes wait for a JetStream acknowledgement, so an acked event is persisted.
 * @throws Error when the seed file is unreadable or holds no user seed, or the server refuses the credentials.
 */
/**
 * The first connect, retried while the server is slow or not up yet (a dial timeout or a refused connection: a busy
 * or restarting nats-server), up to 5 attempts; a refusal of the credentials is never retried.
 */
async function firstConnect(options: ConnectionOptions, log: Logger): Promise<NatsConnection> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect(options);
    } catch (err) {
      const transient = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'ConnectionError');
      if (!transient || attempt >= 5) throw err;
      log.warn({ attempt, err: errorMessage(err) }, 'bus connect failed; retrying');
      await new Promise((r) => setTimeout(r, 1_000 * attempt));
    }
  }
}

export async function connectBus(opts: BusOptions): Promise<Bus> {
  const nc = await firstConnect({
    servers: opts.url.split(','),
    name: opts.name,
    inboxPrefix: inboxPrefix(opts.identity ?? opts.name),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    // No stack trace captured at every request/publish for a better timeout message: 7.5% of audit-writer's CPU.
    noAsyncTraces: true,
    ...(opts.nkeySeedFile ? { authenticator: seedAuthenticator(opts.nkeySeedFile) } : {}),
  }, opts.log);
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const advisoryStream = deadLetterStreamOf(opts.stream);
  let streamSeen = false;
  let streamReady: Promise<void>;
  if (opts.manageStreams) {
    await ensureStreams(jsm, opts, advisoryStream);
    streamSeen = true;
    streamReady = Promise.resolve();
  } else {
    streamReady = waitForStream(jsm, nc, opts.stream, opts.log).then(() => void (streamSeen = true));
    streamReady.catch(() => undefined); // awaited by the caller; the connection closing ends the wait
  }
  // The status iterator ends with the connection; an error from it is only logged (status is informational).
  void watchStatus(nc, opts.log).catch((err: unknown) => opts.log.warn({ err: errorMessage(err) }, 'nats status watch ended'));
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
    streamReady,
    isConnected: () => streamSeen && !nc.isClosed() && !nc.isDraining(),
    drain: () => nc.drain(),
    async publish(def, input, budget = DEFAULT_PUBLISH) {
      const envelope = buildEnvelope(def, opts.name, input);
      const h = headers();
      for (const [k, v] of Object.entries(injectTraceContext())) h.set(k, v);
      const ack: PubAck = await js.publish(subjectOf(def), JSON.stringify(envelope), {
        msgID: envelope.id,
        headers: h,
        expect: { streamName: opts.stream },
        timeout: budget.timeoutMs ?? DEFAULT_PUBLISH.timeoutMs,
        retries: budget.retries ?? DEFAULT_PUBLISH.retries,
      });
      return { envelope, seq: ack.seq, duplicate: ack.duplicate };
    },
  };
}

async function ensureStreams(jsm: JetStreamManager, opts: BusOptions, advisoryStream: string): Promise<void> {
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
}

/** Polls stream info until the stream exists; the recorder (audit-writer) creates it. */
async function waitForStream(jsm: JetStreamManager, nc: NatsConnection, stream: string, log: Logger): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await jsm.streams.info(stream);
      if (attempt > 1) log.info({ stream }, 'stream exists; starting');
      return;
    } catch (err) {
      if (nc.isClosed() || nc.isDraining()) throw new Error(`connection closed while waiting for stream ${stream}`);
      const why = isNotFound(err) ? 'stream does not exist yet; waiting for audit-writer to create it' : 'stream info failed; retrying';
      log.warn({ stream, attempt, ...(isNotFound(err) ? {} : { err: errorMessage(err) }) }, why);
      await new Promise((r) => setTimeout(r, Math.min(250 * attempt, 2_000)));
    }
  }
}

async function watchStatus(nc: NatsConnection, log: Logger): Promise<void> {
  for await (const s of nc.status()) {
    if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'error') {
      log.warn({ nats: s.type }, 'nats connection status');
    }
  }
}
