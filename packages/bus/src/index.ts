export { connectBus } from './bus.js';
export type { Bus, BusOptions, Published } from './bus.js';
export { buildEnvelope, decodeEnvelope, decodeEvent } from './envelope.js';
export type { PublishInput } from './envelope.js';
export { backoffFor, runConsumer } from './consumer.js';
export type { ConsumerOptions, MessageMeta, RunningConsumer } from './consumer.js';
export { deadLetterFrom, runDeadLetterCapture } from './dead-letters.js';
export { deadLetterAdvisorySubjects, ensureConsumer, ensureStream } from './topology.js';
export type { ConsumerSpec, StreamSpec } from './topology.js';
