import { BUS_ADMIN, inboxPrefix } from '@codex-k8s/contracts';
import { connectBus, seedAuthenticator, type Bus } from '@codex-k8s/bus';
import { createLogger } from '@codex-k8s/runtime';
import { seedFileOf } from '@codex-k8s/stack';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { requireEnv } from './env.js';

/** The stack's credentials directory (`<identity>.nk` seeds); the test runner exports it. */
export function credsDir(): string {
  const dir = process.env.CODEXK8S_NATS_CREDS_DIR;
  if (!dir) throw new Error('CODEXK8S_NATS_CREDS_DIR is not set: run tests with `npm test` (it starts the local stack)');
  return dir;
}

/** A plain NATS connection as `identity` (default bus-admin, full permissions), on that identity's inbox prefix. */
export function connectAs(identity: string = BUS_ADMIN, seedFile: string = seedFileOf(credsDir(), identity)): Promise<NatsConnection> {
  return connect({ servers: requireEnv('NATS_URL'), name: `test-${identity}`, inboxPrefix: inboxPrefix(identity), authenticator: seedAuthenticator(seedFile) });
}

/**
 * A bus authenticated as bus-admin. `name` is what its events claim as `source`: a test standing in for a service
 * must use that service's name (consumers terminate events from a source the catalog does not allow).
 * It creates the streams, as the recorder would, so it can publish before audit-writer runs.
 */
export function adminBus(opts: { name: string; stream: string; subjectRoot: string; manageStreams?: boolean }): Promise<Bus> {
  return connectBus({
    url: requireEnv('NATS_URL'),
    name: opts.name,
    identity: BUS_ADMIN,
    nkeySeedFile: seedFileOf(credsDir(), BUS_ADMIN),
    stream: opts.stream,
    subjectRoot: opts.subjectRoot,
    manageStreams: opts.manageStreams ?? true,
    log: createLogger({ name: 'test', level: 'silent' }),
  });
}
