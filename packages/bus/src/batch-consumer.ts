import { RetryAfter, TerminalError, errorMessage, extractTraceContext } from '@codex-k8s/runtime';
import { SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { Bus } from './bus.js';
import type { RunningConsumer } from './consumer.js';
import { noteDelivery, timeHandler } from './metrics.js';
import { backoffFor, metaOf, settle, type MessageMeta } from './settle.js';
import { ensureConsumer } from './topology.js';

/** One decoded message of a batch. */
export interface BatchItem<T> {
  readonly value: T;
  readonly meta: MessageMeta;
}

/**
 * What became of each item of a batch, by index: `undefined` = done (acked), TerminalError = terminated (the
 * server dead-letters it), RetryAfter = handed back after its delay, any other error = nak with backoff.
 */
export type BatchOutcome = readonly (Error | undefined)[];

/** One durable consumer whose handler takes many messages at once (see runBatchConsumer). */
export interface BatchConsumerOptions<T> {
  /** The durable name (the bus permissions pin it). */
  readonly durable: string;
  /** The one subject it reads (absent: the whole stream); see ConsumerSpec. */
  readonly filterSubject?: string;
  /** Defaults to the bus stream. */
  readonly stream?: string;
  /** Decodes one body; throw TerminalError for poison (it is terminated at once and never reaches the handler). */
  readonly decode: (body: Uint8Array, subject: string) => T;
  /**
   * Handles the decoded messages of one batch (in stream order). Resolving with nothing acks them all; resolving
   * with an outcome settles each item as it says; throwing settles every item with the error (a transient
   * error: all are nak'ed with backoff and come back).
   */
  readonly handle: (items: readonly BatchItem<T>[]) => Promise<BatchOutcome | void>;
  /** Largest batch handed to `handle`. */
  readonly maxBatch: number;
  /** How long a batch that is not full waits for more messages (ms, from its first message). 0: take what is there. */
  readonly maxWaitMs: number;
  /** Batches handled at once (each holds up to maxBatch messages). */
  readonly batchesInFlight: number;
  readonly ackWaitMs: number;
  /** -1 for unlimited. */
  readonly maxDeliver: number;
  /** Delay before redelivery after the n-th failed attempt (last value repeats). */
  readonly backoffMs?: readonly number[];
}

/** What the loop holds of one message while its batch is handled. */
interface Pending {
  readonly msg: JsMsg;
  readonly meta: MessageMeta;
  readonly span: Span;
}

/**
 * Ensures the durable consumer and runs a batching consume loop with explicit acks: messages are pulled ahead
 * (up to maxBatch x (batchesInFlight + 2) unacknowledged, the consumer's max_ack_pending), decoded one by one
 * (poison is terminated at once, without holding the rest), and handed to `handle` in batches of up to maxBatch,
 * taking what arrived within maxWaitMs of the first. Each message is settled only after its batch's handler
 * resolved; while it waits or is handled, `working()` keeps it delivered. Closing stops pulling, finishes the
 * batches in flight and hands the messages not yet in a batch back to the server (nak without delay).
 */
export async function runBatchConsumer<T>(bus: Bus, opts: BatchConsumerOptions<T>): Promise<RunningConsumer> {
  const stream = opts.stream ?? bus.stream;
  await ensureConsumer(bus.jsm, stream, {
    durable: opts.durable,
    ...(opts.filterSubject ? { filterSubject: opts.filterSubject } : {}),
    ackWaitMs: opts.ackWaitMs,
    maxDeliver: opts.maxDeliver,
    maxAckPending: opts.maxBatch * (opts.batchesInFlight + 2),
  });
  const consumer = await bus.js.consumers.get(stream, opts.durable);
  const log = bus.log.child({ consumer: opts.durable });
  const tracer = trace.getTracer('codex-k8s-bus');
  const how = { log, consumer: opts.durable, ...(opts.backoffMs ? { backoffMs: opts.backoffMs } : {}) };
  const queued: JsMsg[] = [];
  const handling = new Set<JsMsg>();
  const inflight = new Set<Promise<void>>();
  let closed = false;
  let messages: ConsumerMessages | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const sleepOrWake = (ms: number | undefined): Promise<void> =>
    new Promise<void>((resolve) => {
      const t = ms === undefined ? undefined : setTimeout(resolve, ms);
      wake = () => {
        if (t) clearTimeout(t);
        resolve();
      };
    });

  const enqueue = (m: JsMsg): void => {
    noteDelivery(opts.durable, m);
    queued.push(m);
    if (queued.length === 1 || queued.length >= opts.maxBatch) notify();
  };
  // Pulls ahead: the server stops delivering at max_ack_pending, which bounds `queued`.
  const pump = (async () => {
    while (!closed) {
      try {
        messages = await consumer.consume({ max_messages: opts.maxBatch });
        if (closed) break;
        for await (const m of messages) enqueue(m);
      } catch (err) {
        if (closed) break;
        log.warn({ err: errorMessage(err) }, 'consume loop interrupted; restarting');
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
    notify();
  })();

  const heartbeat = setInterval(
    () => {
      for (const m of queued) m.working();
      for (const m of handling) m.working();
    },
    Math.max(Math.floor(opts.ackWaitMs / 3), 100),
  );

  const runBatch = async (batch: readonly JsMsg[]): Promise<void> => {
    const items: BatchItem<T>[] = [];
    const pending: Pending[] = [];
    for (const msg of batch) {
      const meta = metaOf(msg, opts.maxDeliver);
      const span = tracer.startSpan(
        `${msg.subject} process`,
        { kind: SpanKind.CONSUMER, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': msg.subject, 'messaging.consumer.group.name': opts.durable } },
        extractTraceContext(meta.headers),
      );
      let value: T;
      try {
        value = opts.decode(msg.data, msg.subject);
      } catch (err) {
        // Poison never waits for (or blocks) the rest of the batch.
        const e = err instanceof Error ? err : new Error(String(err));
        span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
        span.end();
        handling.delete(msg);
        settle(msg, meta, e, how);
        continue;
      }
      items.push({ value, meta });
      pending.push({ msg, meta, span });
    }
    let outcome: BatchOutcome | undefined;
    let failure: Error | undefined;
    if (items.length > 0) {
      const timer = timeHandler(opts.durable);
      try {
        outcome = (await opts.handle(items)) ?? undefined;
        timer();
      } catch (err) {
        timer();
        failure = err instanceof Error ? err : new Error(String(err));
        if (!(failure instanceof RetryAfter) && !(failure instanceof TerminalError)) {
          log.warn({ messages: items.length, err: failure.message, delay: backoffFor(Math.max(...items.map((i) => i.meta.deliveryCount)), opts.backoffMs) }, 'batch failed; every message will be retried');
        }
      }
    }
    pending.forEach((p, i) => {
      const err = failure ?? outcome?.[i];
      if (err) p.span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      handling.delete(p.msg);
      settle(p.msg, p.meta, err, how);
      p.span.end();
    });
  };

  const loop = (async () => {
    while (!closed) {
      if (queued.length === 0) {
        await sleepOrWake(undefined);
        continue;
      }
      if (queued.length < opts.maxBatch && opts.maxWaitMs > 0) await sleepOrWake(opts.maxWaitMs);
      if (closed) break;
      const batch = queued.splice(0, opts.maxBatch);
      for (const m of batch) handling.add(m);
      const p = runBatch(batch)
        .catch((err: unknown) => log.error({ err: errorMessage(err) }, 'batch handling failed unexpectedly'))
        .finally(() => inflight.delete(p));
      inflight.add(p);
      if (inflight.size >= opts.batchesInFlight) await Promise.race(inflight);
    }
  })();

  return {
    async close() {
      closed = true;
      notify();
      await messages?.close();
      await Promise.all([pump, loop]);
      await Promise.allSettled(inflight);
      clearInterval(heartbeat);
      // Delivered but never handed to a batch: back to the server now, not after ack_wait.
      for (const m of queued.splice(0)) m.nak();
    },
  };
}
