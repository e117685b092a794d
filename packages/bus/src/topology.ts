import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';

// JetStream API error 10058: "stream name already in use with a different configuration" or a racing add.
const STREAM_NAME_IN_USE = 10058;

/** Settings of the one event stream (limits retention: audit-writer overlaps every step consumer). */
export interface StreamSpec {
  readonly name: string;
  readonly subjects: readonly string[];
  readonly maxAgeMs: number;
  readonly duplicateWindowMs: number;
}

/** Settings of one durable pull consumer; the durable name is the service name. */
export interface ConsumerSpec {
  readonly durable: string;
  readonly filterSubjects: readonly string[];
  readonly ackWaitMs: number;
  /** -1 = unlimited (audit-writer must outlast any Postgres outage). */
  readonly maxDeliver: number;
  readonly maxAckPending: number;
}

/** The advisory subjects that mark a message a consumer gave up on, for one stream. */
export function deadLetterAdvisorySubjects(stream: string): string[] {
  return [
    `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.*`,
    `$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.${stream}.*`,
  ];
}

/** Creates the stream, or updates it when its settings differ. Safe to call from every service at start. */
export async function ensureStream(jsm: JetStreamManager, spec: StreamSpec): Promise<void> {
  const want: Partial<StreamConfig> = {
    subjects: [...spec.subjects],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(spec.maxAgeMs),
    duplicate_window: nanos(spec.duplicateWindowMs),
  };
  try {
    const info = await jsm.streams.info(spec.name);
    const c = info.config;
    const same =
      c.subjects?.join() === want.subjects?.join() &&
      c.max_age === want.max_age &&
      c.duplicate_window === want.duplicate_window;
    if (!same) await jsm.streams.update(spec.name, want);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.streams.add({ name: spec.name, ...want }).catch(async (e: unknown) => {
      // Another service created it between our info and add: that is the state we wanted.
      if (!(e instanceof JetStreamApiError && e.code === STREAM_NAME_IN_USE)) throw e;
    });
  }
}

/** The subjects a consumer filters on, whichever of the two config fields holds them. */
function filtersOf(c: Partial<ConsumerConfig>): string[] {
  return c.filter_subjects?.length ? [...c.filter_subjects] : c.filter_subject ? [c.filter_subject] : [];
}

/**
 * Creates the durable consumer, or updates the settings that may change in place. Filters are always written as
 * `filter_subjects` (and `filter_subject` cleared), so a consumer created with one filter can grow to several.
 */
export async function ensureConsumer(jsm: JetStreamManager, stream: string, spec: ConsumerSpec): Promise<void> {
  const cfg: Partial<ConsumerConfig> = {
    durable_name: spec.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(spec.ackWaitMs),
    max_deliver: spec.maxDeliver,
    max_ack_pending: spec.maxAckPending,
    filter_subjects: [...spec.filterSubjects],
  };
  let current: Partial<ConsumerConfig>;
  try {
    current = (await jsm.consumers.info(stream, spec.durable)).config;
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.consumers.add(stream, cfg);
    return;
  }
  const same =
    current.ack_wait === cfg.ack_wait &&
    current.max_deliver === cfg.max_deliver &&
    current.max_ack_pending === cfg.max_ack_pending &&
    filtersOf(current).sort().join() === [...spec.filterSubjects].sort().join();
  if (same) return;
  const { durable_name: _d, deliver_policy: _p, ack_policy: _a, ...mutable } = cfg;
  await jsm.consumers.update(stream, spec.durable, { ...mutable, filter_subject: undefined } as Partial<ConsumerConfig>);
}

function isNotFound(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError &&
    (err.code === JetStreamApiCodes.StreamNotFound || err.code === JetStreamApiCodes.ConsumerNotFound)
  );
}
