import { EventEnvelope, findEvent, parseSubject, type Envelope, type EventDefinition } from '@codex-k8s/contracts';
import { TerminalError } from '@codex-k8s/runtime';
import type { z } from 'zod';

/** Input for publishing one event; the bus fills in specversion, type, source, time and version. */
export interface PublishInput<D> {
  /** Deterministic id (see `deterministicId`): the same cause must give the same id. */
  readonly id: string;
  readonly correlationId: string;
  readonly causationId?: string;
  /** Entity key, e.g. `run/<uuid>` or `delivery/<guid>`. */
  readonly subject: string;
  readonly data: D;
  readonly time?: Date;
}

/**
 * Builds and validates an envelope. The producer parses before publishing, so a bad event fails in the
 * sender, not three services downstream.
 * @throws ZodError when data does not match the contract.
 */
export function buildEnvelope<S extends z.ZodType>(
  def: EventDefinition<S>,
  source: string,
  input: PublishInput<z.input<S>>,
): Envelope<z.infer<S>> {
  const data = def.schema.parse(input.data) as z.infer<S>;
  const env = EventEnvelope.parse({
    specversion: '1.0',
    id: input.id,
    type: def.type,
    source,
    time: (input.time ?? new Date()).toISOString(),
    subject: input.subject,
    correlationid: input.correlationId,
    ...(input.causationId ? { causationid: input.causationId } : {}),
    dataschemaversion: def.version,
    data,
  });
  return { ...env, data };
}

/**
 * Decodes a message body as an envelope of any type (tolerant reader: unknown keys are stripped).
 * @throws TerminalError for bodies that are not JSON envelopes (poison: redelivery cannot fix them).
 */
export function decodeEnvelope(body: Uint8Array): EventEnvelope {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    throw new TerminalError('message body is not JSON');
  }
  const parsed = EventEnvelope.safeParse(json);
  if (!parsed.success) throw new TerminalError(`invalid envelope: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}

/**
 * Refuses an envelope whose `source` is not a service the catalog lets emit its type: a forged or misrouted
 * event is never obeyed, it is terminated and recorded as a dead letter with this reason. Types outside the
 * catalog are left to the caller.
 * @throws TerminalError naming the type, the claimed source and the allowed emitters.
 */
export function checkSource(env: Pick<EventEnvelope, 'type' | 'source' | 'dataschemaversion'>, def?: Pick<EventDefinition, 'type' | 'emittedBy'>): void {
  const known = def ?? findEvent(env.type, env.dataschemaversion);
  if (known && !known.emittedBy.includes(env.source)) {
    throw new TerminalError(`forged source: ${known.type} claims source "${env.source.slice(0, 64)}", only ${known.emittedBy.join(', ')} may emit it`);
  }
}

/**
 * Decodes a message as one specific event: envelope, type/version from the subject, the emitting service
 * (checkSource), and the data schema.
 * @throws TerminalError when any of them does not match.
 */
export function decodeEvent<S extends z.ZodType>(
  def: EventDefinition<S>,
  root: string,
  subject: string,
  body: Uint8Array,
): Envelope<z.infer<S>> {
  const env = decodeEnvelope(body);
  const fromSubject = parseSubject(root, subject);
  if (env.type !== def.type || fromSubject?.type !== def.type || fromSubject.version !== def.version) {
    throw new TerminalError(`expected ${def.type} v${def.version}, got ${env.type} on ${subject}`);
  }
  checkSource(env, def);
  const data = def.schema.safeParse(env.data);
  if (!data.success) {
    const issue = data.error.issues[0];
    throw new TerminalError(`invalid ${def.type} data at ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`);
  }
  return { ...env, data: data.data as z.infer<S> };
}
