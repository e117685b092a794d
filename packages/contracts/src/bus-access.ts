import type { EventDefinition } from './define.js';
import { EVENT_CATALOG } from './events/catalog.js';
import { DeadLetterRetryRequestedV1 } from './events/staff.js';
import { SERVICE_NAMES, type ServiceName } from './services.js';
import { subjectFor } from './subjects.js';

// Who may do what on the bus, derived from the catalog's emittedBy/consumedBy: the consumer code and the
// nats-server permissions both come from here, so they cannot drift apart.

/** The identity with full permissions: test harness, `npm run dev`'s follower, benchmarks, operator CLIs. */
export const BUS_ADMIN = 'bus-admin';

/** The recorder: it reads every subject, owns the two streams and turns advisories into dead letters. */
export const RECORDER: ServiceName = 'audit-writer';
/** The recorder's durable on the event stream (one filter: `<root>.>`). */
export const RECORDER_CONSUMER = 'audit-writer';
/** The recorder's durable on the dead-letter advisory stream. */
export const DEAD_LETTER_CONSUMER = 'audit-writer-dead-letters';

/** Which subject root and stream a set of permissions covers; `*` (local stack, tests) matches any. */
export interface BusScope {
  readonly root: string;
  readonly stream: string;
}

/** nats-server permissions of one user (allow lists; everything else is denied). */
export interface BusPermissions {
  readonly publish: { readonly allow: readonly string[] };
  readonly subscribe: { readonly allow: readonly string[] };
}

/**
 * The durable consumer a service runs for one input event: `<service>--<type with dots as dashes>-v<n>`, e.g.
 * `namespace-provisioner--run-created-v1`. NATS names may not contain `.`, `*`, `>` or whitespace; types have no
 * `-` and service names no `--`, so the name is unambiguous.
 * @throws Error when the service name is not a valid consumer name part.
 */
export function consumerName(service: string, def: Pick<EventDefinition, 'type' | 'version'>): string {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(service)) throw new Error(`"${service}" is not a valid service name for a consumer`);
  return `${service}--${def.type.replaceAll('.', '-')}-v${def.version}`;
}

/** The inbox prefix of an identity: replies and pull deliveries to it can be read by nobody else. */
export function inboxPrefix(identity: string): string {
  return `_INBOX_${identity}`;
}

/** The dead-letter advisory stream of an event stream (a wildcard scope stays a wildcard). */
export function deadLetterStreamOf(stream: string): string {
  return stream === '*' ? '*' : `${stream}_DEAD_LETTERS`;
}

/** The catalog events a service emits. */
export function eventsEmittedBy(service: string): EventDefinition[] {
  return EVENT_CATALOG.filter((d) => d.emittedBy.includes(service));
}

/** The catalog events a service consumes. */
export function eventsConsumedBy(service: string): EventDefinition[] {
  return EVENT_CATALOG.filter((d) => d.consumedBy.includes(service));
}

/**
 * Refuses a subscriber identity or consumer name that could pass for a platform one: service names (also the
 * services' former durables), the admin, the recorder's consumers, and anything shaped like `consumerName`.
 * @throws Error saying why the name is refused.
 */
export function checkSubscriberName(name: string): void {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name) || name.length > 48) {
    throw new Error(`subscriber name "${name.slice(0, 64)}" must be lowercase letters, digits and single dashes (at most 48)`);
  }
  const taken = [...SERVICE_NAMES, BUS_ADMIN, RECORDER_CONSUMER, DEAD_LETTER_CONSUMER] as readonly string[];
  if (taken.includes(name)) throw new Error(`subscriber name "${name}" is a platform identity or consumer`);
}

/** Publish rights to run one pull consumer: info, create/update with exactly `filter` (or none), pull, ack. */
function consumerRights(stream: string, name: string, filter: string | null): string[] {
  return [
    filter === null ? `$JS.API.CONSUMER.CREATE.${stream}.${name}` : `$JS.API.CONSUMER.CREATE.${stream}.${name}.${filter}`,
    `$JS.API.CONSUMER.INFO.${stream}.${name}`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.${name}`,
    `$JS.ACK.${stream}.${name}.>`,
  ];
}

/**
 * A platform service's permissions: publish the event subjects it emits, run one single-filter consumer per
 * event it consumes (the create subject pins the filter, so it cannot widen it), read stream info, and
 * receive only on its own inbox. The recorder also creates/updates the two streams, reads stored messages
 * (dead-letter originals), runs its `<root>.>` and dead-letter consumers, and may publish any catalog subject (a
 * dead letter retried by staff is its original published again).
 */
export function servicePermissions(service: ServiceName, scope: BusScope): BusPermissions {
  const { root, stream } = scope;
  const publish = [...eventsEmittedBy(service).map((d) => subjectFor(root, d)), '$JS.API.INFO', `$JS.API.STREAM.INFO.${stream}`];
  if (service === RECORDER) {
    const dl = deadLetterStreamOf(stream);
    publish.push(
      `$JS.API.STREAM.CREATE.${stream}`,
      `$JS.API.STREAM.UPDATE.${stream}`,
      `$JS.API.STREAM.MSG.GET.${stream}`,
      ...(dl === stream ? [] : [`$JS.API.STREAM.INFO.${dl}`, `$JS.API.STREAM.CREATE.${dl}`, `$JS.API.STREAM.UPDATE.${dl}`]),
      ...consumerRights(stream, RECORDER_CONSUMER, `${root}.>`),
      // The advisory consumer filters on the two advisory subjects (several filters: no filter in the subject).
      ...consumerRights(dl, DEAD_LETTER_CONSUMER, null),
      // A staff retry of a dead letter: its own consumer of the request, and the right to publish a recorded original
      // again to its subject (any catalog subject; audit-writer republishes only originals it recorded, ADR 0003).
      ...consumerRights(stream, consumerName(RECORDER, DeadLetterRetryRequestedV1), subjectFor(root, DeadLetterRetryRequestedV1)),
      ...EVENT_CATALOG.map((d) => subjectFor(root, d)).filter((x) => !publish.includes(x)),
    );
  } else {
    for (const d of eventsConsumedBy(service)) publish.push(...consumerRights(stream, consumerName(service, d), subjectFor(root, d)));
    // Read-only: its former single durable (named after the service), where the per-input ones start after.
    if (eventsConsumedBy(service).length > 0) publish.push(`$JS.API.CONSUMER.INFO.${stream}.${service}`);
  }
  return { publish: { allow: publish }, subscribe: { allow: [`${inboxPrefix(service)}.>`] } };
}

/**
 * An external subscriber's permissions: its own durable consumers (names fixed when it was issued) with one
 * filter under the root, core subscriptions to the published event subjects, its own inbox. It publishes no
 * platform subject and cannot touch the platform's consumers.
 * @throws Error when the identity or a consumer name could pass for a platform one (checkSubscriberName).
 */
export function subscriberPermissions(identity: string, consumers: readonly string[], scope: BusScope): BusPermissions {
  const { root, stream } = scope;
  for (const n of [identity, ...consumers]) checkSubscriberName(n);
  const publish = ['$JS.API.INFO', `$JS.API.STREAM.INFO.${stream}`];
  for (const c of consumers) {
    publish.push(...consumerRights(stream, c, `${root}.>`), `$JS.API.CONSUMER.DELETE.${stream}.${c}`);
  }
  return {
    publish: { allow: publish },
    subscribe: { allow: [`${inboxPrefix(identity)}.>`, ...EVENT_CATALOG.map((d) => subjectFor(root, d))] },
  };
}

/** Full permissions (the test harness and operator tools). */
export function adminPermissions(): BusPermissions {
  return { publish: { allow: ['>'] }, subscribe: { allow: ['>'] } };
}

/** One identity the server knows: its name, public NKEY and kind. */
export interface BusIdentity {
  readonly name: string;
  readonly publicKey: string;
  readonly kind: 'service' | 'admin' | 'subscriber';
  /** Subscribers only: the durable consumer names it may use. */
  readonly consumers?: readonly string[];
}

/**
 * The nats-server `authorization` block for a set of identities: NKEY users with their permissions (only
 * public keys; seeds never reach the server config).
 * @throws Error for a service identity that is not one of SERVICE_NAMES, or a subscriber name checkSubscriberName refuses.
 */
export function authorizationBlock(identities: readonly BusIdentity[], scope: BusScope): { users: { nkey: string; permissions: BusPermissions }[] } {
  return {
    users: identities.map((id) => ({ nkey: id.publicKey, permissions: permissionsOf(id, scope) })),
  };
}

function permissionsOf(id: BusIdentity, scope: BusScope): BusPermissions {
  if (id.kind === 'admin') return adminPermissions();
  if (id.kind === 'subscriber') return subscriberPermissions(id.name, id.consumers ?? [id.name], scope);
  if (!(SERVICE_NAMES as readonly string[]).includes(id.name)) throw new Error(`"${id.name}" is not a platform service`);
  return servicePermissions(id.name as ServiceName, scope);
}
