import { RetryAfter, TerminalError, errorMessage, type Logger } from '@codex-k8s/runtime';
import type { JsMsg } from '@nats-io/jetstream';
import { countSettled, type SettleOutcome } from './metrics.js';

// How a delivered message becomes MessageMeta and how a handler's result settles it, the same for the one-by-one
// consumer (consumer.ts) and the batching one (batch-consumer.ts).

/** What a handler learns about the message besides its decoded value. */
export interface MessageMeta {
  readonly subject: string;
  readonly streamSeq: number;
  readonly deliveryCount: number;
  /** This is the last delivery the consumer's max_deliver allows: a failure now dead-letters the message. */
  readonly lastDelivery: boolean;
  readonly headers: Record<string, string>;
  /** When the message was stored in the stream: the start of any wait it asks for (a deadline survives restarts). */
  readonly publishedAt: Date;
}

const DEFAULT_BACKOFF_MS = [250, 1_000, 2_000, 5_000, 10_000, 30_000];

/** Whether a delivery is the last one `maxDeliver` allows (-1 or 0: unlimited, never the last). Pure. */
export function isLastDelivery(deliveryCount: number, maxDeliver: number): boolean {
  return maxDeliver > 0 && deliveryCount >= maxDeliver;
}

/** Picks the redelivery delay for a failed attempt (1-based delivery count). */
export function backoffFor(deliveryCount: number, backoffMs: readonly number[] = DEFAULT_BACKOFF_MS): number {
  const i = Math.min(Math.max(deliveryCount, 1), backoffMs.length) - 1;
  return backoffMs[i] ?? 1_000;
}

/** The meta of a delivered message (headers lower-cased). */
export function metaOf(m: JsMsg, maxDeliver: number): MessageMeta {
  const headers: Record<string, string> = {};
  for (const k of m.headers?.keys() ?? []) headers[k.toLowerCase()] = m.headers?.get(k) ?? '';
  return {
    subject: m.subject,
    streamSeq: m.seq,
    deliveryCount: m.info.deliveryCount,
    lastDelivery: isLastDelivery(m.info.deliveryCount, maxDeliver),
    publishedAt: m.time,
    headers,
  };
}

/**
 * Settles one message by its handler's result: success -> ack, TerminalError -> term(reason), RetryAfter ->
 * nak(delay), other errors -> nak(backoff), counted per consumer. The ack is a plain ack: handlers behind a batch
 * consumer must be idempotent, so a lost ack only means one redelivery that changes nothing (runConsumer
 * double-acks its successes itself and settles only failures here).
 */
export function settle(
  m: Pick<JsMsg, 'ack' | 'nak' | 'term'>,
  meta: MessageMeta,
  err: unknown,
  how: { log: Logger; backoffMs?: readonly number[]; consumer?: string; retryLog?: 'warn' | 'debug' },
): SettleOutcome {
  const { log, backoffMs, consumer } = how;
  const outcome = outcomeOf(err, meta);
  if (consumer) countSettled(consumer, outcome);
  if (outcome === 'ack') {
    m.ack();
  } else if (err instanceof RetryAfter) {
    // A wait, not a failure: handed back to the server, redelivered after the delay (to any replica).
    log.debug({ seq: meta.streamSeq, subject: meta.subject, attempt: meta.deliveryCount, delay: err.delayMs, why: err.message }, 'waiting; message handed back');
    m.nak(err.delayMs);
  } else if (err instanceof TerminalError) {
    log.error({ seq: meta.streamSeq, subject: meta.subject, reason: err.message }, 'terminating poison message');
    m.term(err.message.slice(0, 256));
  } else {
    const delay = backoffFor(meta.deliveryCount, backoffMs);
    const at = { seq: meta.streamSeq, subject: meta.subject, attempt: meta.deliveryCount, err: errorMessage(err) };
    // On the last allowed delivery nothing retries: the server dead-letters it (MAX_DELIVERIES advisory).
    if (meta.lastDelivery) log.error(at, 'handler failed on the last allowed delivery; the message is dead-lettered');
    else log[how.retryLog ?? 'debug']({ ...at, delay }, 'handler failed; will retry');
    m.nak(delay);
  }
  return outcome;
}

/** What a handler's result means for its message (undefined: success). Pure. */
export function outcomeOf(err: unknown, meta: Pick<MessageMeta, 'lastDelivery'>): SettleOutcome {
  if (err === undefined) return 'ack';
  if (err instanceof RetryAfter) return 'wait';
  if (err instanceof TerminalError) return 'term';
  return meta.lastDelivery ? 'dead_letter' : 'retry';
}

