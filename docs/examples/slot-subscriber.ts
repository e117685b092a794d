// An external subscriber of codex-k8s slot events: prints every slot event, and the public URL of `slot.ready`.
// It uses only the NATS client libraries (no platform package) and a read-only identity issued with
// `npm run bus -- issue <name>`; see docs/bus.md.
//
//   NATS_URL=nats://... NATS_NKEY_SEED_FILE=<name>.nk NATS_IDENTITY=<name> \
//     node --import tsx docs/examples/slot-subscriber.ts
//
// BUS_STREAM (PLATFORM) and BUS_SUBJECT_ROOT (platform) name the platform's stream and subjects.
import { readFileSync } from 'node:fs';
import { AckPolicy, DeliverPolicy, JetStreamApiCodes, JetStreamApiError, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, nkeyAuthenticator } from '@nats-io/transport-node';

const identity = process.env.NATS_IDENTITY ?? '';
const seedFile = process.env.NATS_NKEY_SEED_FILE ?? '';
if (!identity || !seedFile) {
  console.error('set NATS_IDENTITY (the issued name) and NATS_NKEY_SEED_FILE (its seed file)');
  process.exit(2);
}
const stream = process.env.BUS_STREAM ?? 'PLATFORM';
const filter = `${process.env.BUS_SUBJECT_ROOT ?? 'platform'}.slot.>`;

const nc = await connect({
  servers: (process.env.NATS_URL ?? 'nats://127.0.0.1:4222').split(','),
  name: identity,
  // The identity may receive only on its own inbox prefix, and its seed is re-read at every reconnect.
  inboxPrefix: `_INBOX_${identity}`,
  authenticator: nkeyAuthenticator(() => new TextEncoder().encode(readFileSync(seedFile, 'utf8').trim())),
  maxReconnectAttempts: -1,
});
const jsm = await jetstreamManager(nc);

// The durable consumer is named after the identity (the name its permissions allow), with one filter. Created on
// first run with deliver "new"; afterwards it resumes where it left off, even after being offline.
try {
  await jsm.consumers.info(stream, identity);
} catch (err) {
  if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound)) throw err;
  await jsm.consumers.add(stream, { durable_name: identity, filter_subject: filter, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.New });
}
const messages = await (await jetstream(nc).consumers.get(stream, identity)).consume();
console.log(`waiting for slot events on ${filter} as ${identity}`);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void messages.close().then(() => nc.drain()).catch((err: unknown) => console.error('drain failed:', err)));

for await (const m of messages) {
  try {
    const e = m.json<{ type: string; data: { namespace?: string; public_url?: string | null } }>();
    console.log([e.type, e.data.namespace ?? '', e.type === 'slot.ready' ? (e.data.public_url ?? '(no public URL)') : ''].join('  ').trimEnd());
  } catch {
    console.error(`skipping a message on ${m.subject} that is not a JSON event`);
  }
  m.ack();
}
