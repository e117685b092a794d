import { connectBus } from '@codex-k8s/bus';
import { openServiceDb, pingDb } from '@codex-k8s/db';
import { createLogger, initTelemetry, onShutdown, readConfigOrExit } from '@codex-k8s/runtime';
import { buildApp } from './app.js';
import { readConfig } from './config.js';

const NAME = 'webhook-ingress';
const config = readConfigOrExit(NAME, readConfig);
const telemetry = initTelemetry({ serviceName: NAME });
const log = createLogger({ name: NAME, level: config.LOG_LEVEL });
const db = await openServiceDb(NAME, config.DATABASE_URL, 10);
const bus = await connectBus({ url: config.NATS_URL, name: NAME, stream: config.BUS_STREAM, subjectRoot: config.BUS_SUBJECT_ROOT, log });
const app = buildApp({
  db,
  publish: bus.publish,
  secret: config.CODEXK8S_GITHUB_WEBHOOK_SECRET,
  maxBodyBytes: config.CODEXK8S_WEBHOOK_MAX_BODY_BYTES,
  log,
  ready: async () => bus.isConnected() && (await pingDb(db)),
});
const address = await app.listen({ port: config.HTTP_PORT, host: config.HTTP_HOST });
log.info({ address }, 'listening');
onShutdown(log, async () => {
  await app.close(); // new requests get 503 while in-flight ones finish
  await bus.drain();
  await db.destroy();
  await telemetry.shutdown();
});
