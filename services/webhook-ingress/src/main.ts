import { connectBus } from '@codex-k8s/bus';
import { openServiceDb, pingDb } from '@codex-k8s/db';
import { createLogger, initTelemetry, onShutdown, readConfigOrExit, startHealth } from '@codex-k8s/runtime';
import { buildApp } from './app.js';
import { readConfig } from './config.js';
import { createInbox } from './inbox.js';

const NAME = 'webhook-ingress';
const config = readConfigOrExit(NAME, readConfig);
const telemetry = initTelemetry({ serviceName: NAME });
const log = createLogger({ name: NAME, level: config.LOG_LEVEL });
const db = await openServiceDb(NAME, config.DATABASE_URL, 10);
const bus = await connectBus({ url: config.NATS_URL, name: NAME, stream: config.BUS_STREAM, subjectRoot: config.BUS_SUBJECT_ROOT, log, ...(config.NATS_NKEY_SEED_FILE ? { nkeySeedFile: config.NATS_NKEY_SEED_FILE } : {}) });
const ready = async (): Promise<boolean> => bus.isConnected() && (await pingDb(db));
// Probes get their own listener (HEALTH_PORT): a webhook listener full of slow clients must not fail liveness
// and get the pod restarted, which would not help against the flood anyway.
const health = await startHealth({ port: config.HEALTH_PORT, host: config.HEALTH_HOST, ready });
const app = buildApp({
  inbox: createInbox(db),
  publish: bus.publish,
  secret: config.CODEXK8S_GITHUB_WEBHOOK_SECRET,
  maxBodyBytes: config.CODEXK8S_WEBHOOK_MAX_BODY_BYTES,
  limits: {
    maxConnections: config.CODEXK8S_WEBHOOK_MAX_CONNECTIONS,
    headersTimeoutMs: config.CODEXK8S_WEBHOOK_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.CODEXK8S_WEBHOOK_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: config.CODEXK8S_WEBHOOK_KEEP_ALIVE_TIMEOUT_MS,
  },
  log,
  ready,
});
const address = await app.listen({ port: config.HTTP_PORT, host: config.HTTP_HOST });
log.info({ address, healthPort: health.port }, 'listening');
onShutdown(log, async () => {
  health.markNotReady();
  await app.close(); // new requests get 503 while in-flight ones finish
  await bus.drain();
  await db.destroy();
  await health.close();
  await telemetry.shutdown();
});
