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

/** Settings of one durable pull consumer. */
export interface ConsumerSpec {
  readonly durable: string;
  /**
   * The one subject it reads; absent: the whole stream. Never several: a multi-filter consumer is created on a
   * subject that does not name its filters, so permissions could not pin what it reads.
   */
  readonly filterSubject?: string;
  readonly ackWaitMs: number;
  /** -1 = unlimited (audit-writer must outlast any Postgres outage). */
  readonly maxDeliver: number;
  readonly maxAckPending: number;
  /**
   * A consumer this one replaces (a service's former single multi-input durable): a new consumer starts after
   * that one's ack floor instead of replaying the stream. Unknown or unreadable: start at the beginning.
   */
  readonly replaces?: string;
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
 * Creates the durable consumer, or updates the settings that may change in place. The filter is always written
 * as the single `filter_subject` (and `filter_subjects` cleared): @nats-io/jetstream then creates and updates
 * it on `$JS.API.CONSUMER.CREATE.<stream>.<durable>.<filter>` (none: `...CREATE.<stream>.<durable>`), the
 * subject bus permissions pin. Several filters would send it to the legacy `$JS.API.CONSUMER.DURABLE.CREATE`.
 * @throws JetStreamApiError from the server, or PermissionViolationError when the identity may not do it.
 */
export async function ensureConsumer(jsm: JetStreamManager, stream: string, spec: ConsumerSpec): Promise<void> {
  const cfg: Partial<ConsumerConfig> = {
    durable_name: spec.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(spec.ackWaitMs),
    max_deliver: spec.maxDeliver,
    max_ack_pending: spec.maxAckPending,
    ...(spec.filterSubject ? { filter_subject: spec.filterSubject } : {}),
  };
  let current: Partial<ConsumerConfig>;
  try {
    current = (await jsm.consumers.info(stream, spec.durable)).config;
  } catch (err) {
    if (!isNotFound(err)) throw err;
    const after = spec.replaces ? await ackFloorOf(jsm, stream, spec.replaces) : 0;
    const start = after > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: after + 1 } : {};
    await jsm.consumers.add(stream, { ...cfg, ...start });
    return;
  }
  if (sameConsumer(current, cfg)) return;
  const { durable_name: _d, deliver_policy: _p, ack_policy: _a, ...mutable } = cfg;
  await jsm.consumers.update(stream, spec.durable, { ...mutable, filter_subject: spec.filterSubject, filter_subjects: undefined } as Partial<ConsumerConfig>);
}

/** Whether the settings that may change in place already are as wanted (one filter_subject, no filter list). */
function sameConsumer(current: Partial<ConsumerConfig>, want: Partial<ConsumerConfig>): boolean {
  return (
    current.ack_wait === want.ack_wait &&
    current.max_deliver === want.max_deliver &&
    current.max_ack_pending === want.max_ack_pending &&
    !current.filter_subjects?.length &&
    filtersOf(current).join() === (want.filter_subject ?? '')
  );
}

/** The stream sequence up to which a consumer has acknowledged everything; 0 when it does not exist or is unreadable. */
async function ackFloorOf(jsm: JetStreamManager, stream: string, durable: string): Promise<number> {
  try {
    return (await jsm.consumers.info(stream, durable)).ack_floor.stream_seq;
  } catch {
    return 0;
  }
}

/** The server's "no such stream / consumer" answer. */
export function isNotFound(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError &&
    (err.code === JetStreamApiCodes.StreamNotFound || err.code === JetStreamApiCodes.ConsumerNotFound)
  );
}
