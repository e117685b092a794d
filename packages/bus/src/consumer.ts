import { errorMessage, extractTraceContext, RetryAfter, type Logger } from '@codex-k8s/runtime';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { Bus } from './bus.js';
import type { Limiter } from './limiter.js';
import { countSettled, noteDelivery, timeHandler } from './metrics.js';
import { metaOf, settle, type MessageMeta } from './settle.js';
import { ensureConsumer } from './topology.js';

export { backoffFor, isLastDelivery, type MessageMeta } from './settle.js';

/** One durable consumer: which subject, how to decode, what to do. */
export interface ConsumerOptions<T> {
  /** The durable name (`consumerName(service, event)` for a service input; the bus permissions pin it). */
  readonly durable: string;
  /** The one subject it reads (absent: the whole stream); see ConsumerSpec. */
  readonly filterSubject?: string;
  /** A former durable this one takes over from (see ConsumerSpec.replaces). */
  readonly replaces?: string;
  /** Defaults to the bus stream. */
  readonly stream?: string;
  /** Decodes the body; throw TerminalError for poison (it is terminated, not retried). */
  readonly decode: (body: Uint8Array, subject: string) => T;
  readonly handle: (value: T, meta: MessageMeta) => Promise<void>;
  readonly concurrency: number;
  readonly ackWaitMs: number;
  /** -1 for unlimited. */
  readonly maxDeliver: number;
  /** Delay before redelivery after the n-th failed attempt (last value repeats). */
  readonly backoffMs?: readonly number[];
  /** Shared with the service's other consumers: bounds its handlers running at once across all inputs. */
  readonly limiter?: Limiter;
}

/** A running consume loop. */
export interface RunningConsumer {
  /** Stops pulling, waits for in-flight handlers to finish (and ack), then resolves. */
  close(): Promise<void>;
}

/**
 * Ensures the durable consumer and runs a bounded-concurrency consume loop with explicit acks:
 * success -> ack (double-acked, so the ack is confirmed), TerminalError -> term(reason),
 * other errors -> nak(backoff). While a handler runs, `working()` keeps the delivery alive.
 */
export async function runConsumer<T>(bus: Bus, opts: ConsumerOptions<T>): Promise<RunningConsumer> {
  const stream = opts.stream ?? bus.stream;
  await ensureConsumer(bus.jsm, stream, {
    durable: opts.durable,
    ...(opts.filterSubject ? { filterSubject: opts.filterSubject } : {}),
    ...(opts.replaces ? { replaces: opts.replaces } : {}),
    ackWaitMs: opts.ackWaitMs,
    maxDeliver: opts.maxDeliver,
    maxAckPending: Math.max(opts.concurrency * 4, 16),
  });
  const consumer = await bus.js.consumers.get(stream, opts.durable);
  const log = bus.log.child({ consumer: opts.durable });
  const inflight = new Set<Promise<void>>();
  let closed = false;
  let messages: ConsumerMessages | undefined;

  const loop = (async () => {
    while (!closed) {
      try {
        messages = await consumer.consume({ max_messages: opts.concurrency });
        if (closed) break;
        for await (const m of messages) {
          const p = processMessage(m, opts, log).finally(() => inflight.delete(p));
          inflight.add(p);
          if (inflight.size >= opts.concurrency) await Promise.race(inflight);
        }
      } catch (err) {
        if (closed) break;
        log.warn({ err: errorMessage(err) }, 'consume loop interrupted; restarting');
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  })();

  return {
    async close() {
      closed = true;
      await messages?.close();
      await loop;
      await Promise.allSettled(inflight);
    },
  };
}

async function processMessage<T>(m: JsMsg, opts: ConsumerOptions<T>, log: Logger): Promise<void> {
  const meta = metaOf(m, opts.maxDeliver);
  const parent = extractTraceContext(meta.headers);
  const span = trace.getTracer('codex-k8s-bus').startSpan(
    `${m.subject} process`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'nats',
        'messaging.destination.name': m.subject,
        'messaging.consumer.group.name': opts.durable,
      },
    },
    parent,
  );
  // From receipt, not from the start of the handler: a message waiting for the shared limiter stays delivered.
  const heartbeat = setInterval(() => m.working(), Math.max(Math.floor(opts.ackWaitMs / 3), 100));
  const timer = timeHandler(opts.durable);
  noteDelivery(opts.durable, m);
  const release = opts.limiter ? await opts.limiter.acquire() : () => undefined;
  try {
    await context.with(trace.setSpan(parent, span), async () => {
      const value = opts.decode(m.data, m.subject);
      await opts.handle(value, meta);
    });
    clearInterval(heartbeat);
    timer();
    // Success is double-acked here (the ack confirmed), unlike a batch's plain acks; failures settle as in a batch.
    countSettled(opts.durable, 'ack');
    await m.ackAck().catch((err: unknown) => log.warn({ err: errorMessage(err), seq: m.seq }, 'ack not confirmed'));
  } catch (err) {
    clearInterval(heartbeat);
    timer();
    if (!(err instanceof RetryAfter)) span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(err) });
    // A handler that throws nothing in particular (`throw undefined`) failed all the same: never an ack.
    settle(m, meta, err ?? new Error('handler failed without an error'), { log, backoffMs: opts.backoffMs, consumer: opts.durable, retryLog: 'warn' });
  } finally {
    release();
    clearInterval(heartbeat);
    span.end();
  }
}
