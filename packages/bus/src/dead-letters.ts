import { DeadLetteredV1, deterministicId, type DeadLetteredData } from '@codex-k8s/contracts';
import { TerminalError } from '@codex-k8s/runtime';
import { z } from 'zod';
import type { Bus } from './bus.js';
import { runConsumer, type RunningConsumer } from './consumer.js';

// The two JetStream advisories (io.nats.jetstream.advisory.v1.max_deliver / .terminated) share these fields.
const Advisory = z.object({
  type: z.string(),
  stream: z.string(),
  consumer: z.string(),
  stream_seq: z.number().int(),
  deliveries: z.number().int(),
  reason: z.string().optional(),
});
type Advisory = z.infer<typeof Advisory>;

/**
 * Builds the dead-letter payload from an advisory and the original message (if it is still in the stream).
 * Pure: exported for tests.
 */
export function deadLetterFrom(adv: Advisory, original: { subject: string; data: Uint8Array } | null): DeadLetteredData {
  const text = original ? Buffer.from(original.data).toString('utf8') : null;
  let parsed: unknown = text;
  try {
    parsed = text === null ? null : JSON.parse(text);
  } catch {
    // Not JSON: keep the raw text so nothing is lost.
  }
  const env = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  return {
    stream: adv.stream,
    consumer: adv.consumer,
    stream_seq: adv.stream_seq,
    deliveries: adv.deliveries,
    reason: adv.type.endsWith('.terminated') ? 'terminated' : 'max_deliveries',
    detail: adv.reason ?? null,
    original_subject: original?.subject ?? null,
    original_event_id: typeof env.id === 'string' ? env.id : null,
    original_type: typeof env.type === 'string' ? env.type : null,
    original: parsed,
  };
}

function correlationOf(dl: DeadLetteredData): string {
  const o = dl.original;
  if (o && typeof o === 'object' && typeof (o as { correlationid?: unknown }).correlationid === 'string') {
    return (o as { correlationid: string }).correlationid;
  }
  return `dead-letter/${dl.stream}/${dl.stream_seq}`;
}

/**
 * Turns every MAX_DELIVERIES / MSG_TERMINATED advisory of the bus stream into a `bus.dead_lettered` event
 * carrying the original message (read back by stream sequence) and the reason. The advisories are captured
 * by a stream of their own, so nothing is lost while this consumer is down; that stream holds nothing else, so
 * the consumer reads all of it (no filter).
 */
export async function runDeadLetterCapture(bus: Bus, opts: { durable: string; ackWaitMs: number }): Promise<RunningConsumer> {
  return runConsumer(bus, {
    durable: opts.durable,
    stream: bus.advisoryStream,
    concurrency: 1,
    ackWaitMs: opts.ackWaitMs,
    maxDeliver: -1,
    decode: (body) => {
      const parsed = Advisory.safeParse(JSON.parse(Buffer.from(body).toString('utf8')));
      if (!parsed.success) throw new TerminalError('not a consumer advisory');
      return parsed.data;
    },
    handle: async (adv) => {
      const msg = await bus.jsm.streams.getMessage(adv.stream, { seq: adv.stream_seq }).catch(() => null);
      const dl = deadLetterFrom(adv, msg ? { subject: msg.subject, data: msg.data } : null);
      if (dl.original_type === DeadLetteredV1.type) {
        bus.log.error({ dl: { ...dl, original: undefined } }, 'a dead-letter event was itself dead-lettered; not republishing');
        return;
      }
      await bus.publish(DeadLetteredV1, {
        id: deterministicId('dead-letter', adv.stream, adv.consumer, adv.stream_seq),
        correlationId: correlationOf(dl),
        ...(dl.original_event_id ? { causationId: dl.original_event_id } : {}),
        subject: `stream/${adv.stream}/${adv.stream_seq}`,
        data: dl,
      });
      bus.log.warn({ consumer: adv.consumer, seq: adv.stream_seq, reason: dl.reason, detail: dl.detail }, 'message dead-lettered');
    },
  });
}
