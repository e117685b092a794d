import { counter, gauge, histogram } from '@codex-k8s/runtime';

// Per consumer (its durable name: `<service>--<event>-v<n>` for a service input, so the service and the event type
// are in it), shared by the one-message and the batch consumers.

/** How a message was settled. */
export type SettleOutcome = 'ack' | 'wait' | 'retry' | 'dead_letter' | 'term';

const handled = counter('codexk8s_bus_messages_total', 'Messages handled, by consumer and outcome (ack, wait: handed back by RetryAfter, retry: failed and redelivered later, dead_letter: failed on the last delivery, term: poison).', ['consumer', 'outcome']);
const handlerSeconds = histogram('codexk8s_bus_handler_seconds', 'Time from receipt to the end of one handler call (one message, or one batch for batch consumers), by consumer.', ['consumer']);
const redeliveries = counter('codexk8s_bus_redeliveries_total', 'Deliveries after the first (waits and retries), by consumer.', ['consumer']);
const pendingAtDelivery = gauge('codexk8s_bus_consumer_pending', 'Messages waiting in the stream for this consumer, as of its latest delivery (num_pending).', ['consumer']);

/** Counts one settled message. */
export function countSettled(consumer: string, outcome: SettleOutcome): void {
  handled.inc({ consumer, outcome });
}

/** Notes a delivery: the consumer's lag as the server reported it, and whether it is a redelivery. */
export function noteDelivery(consumer: string, m: { readonly info: { readonly pending: number; readonly deliveryCount: number } }): void {
  pendingAtDelivery.set({ consumer }, m.info.pending);
  if (m.info.deliveryCount > 1) redeliveries.inc({ consumer });
}

/** Starts timing one handler call; the returned function ends it. */
export function timeHandler(consumer: string): () => void {
  const end = handlerSeconds.startTimer({ consumer });
  return () => void end();
}
