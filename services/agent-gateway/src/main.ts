import { connectBus } from '@codex-k8s/bus';
import { openServiceDb, pingDb } from '@codex-k8s/db';
import { createLogger, errorMessage, initTelemetry, onShutdown, readConfigOrExit, startHealth, startPeriodic } from '@codex-k8s/runtime';
import { buildApp } from './app.js';
import { readConfig } from './config.js';
import { NAME } from './deps.js';
import { purgeOnce } from './purge.js';
import { createRateLimiter } from './rate-limit.js';

const config = readConfigOrExit(NAME, readConfig);
const telemetry = initTelemetry({ serviceName: NAME });
const log = createLogger({ name: NAME, level: config.LOG_LEVEL });
const db = await openServiceDb(NAME, config.DATABASE_URL, 10);
const bus = await connectBus({ url: config.NATS_URL, name: NAME, stream: config.BUS_STREAM, subjectRoot: config.BUS_SUBJECT_ROOT, log, ...(config.NATS_NKEY_SEED_FILE ? { nkeySeedFile: config.NATS_NKEY_SEED_FILE } : {}) });
const ready = async (): Promise<boolean> => bus.isConnected() && (await pingDb(db));
// Probes on their own listener: agents holding the API listener must not fail liveness.
const health = await startHealth({ port: config.HEALTH_PORT, host: config.HEALTH_HOST, ready });
const app = buildApp({
  db,
  bus,
  log,
  limits: {
    logChunkMaxBytes: config.CODEXK8S_AGENT_LOG_CHUNK_MAX_BYTES,
    logMaxBytesPerRun: config.CODEXK8S_AGENT_LOG_MAX_BYTES_PER_RUN,
    artifactMaxBytes: config.CODEXK8S_AGENT_ARTIFACT_MAX_BYTES,
    artifactMaxBytesPerRun: config.CODEXK8S_AGENT_ARTIFACT_MAX_BYTES_PER_RUN,
  },
  limiter: createRateLimiter({ ratePerSecond: config.CODEXK8S_AGENT_RATE_PER_SECOND, burst: config.CODEXK8S_AGENT_RATE_BURST }),
  edge: {
    maxConnections: config.CODEXK8S_AGENT_GATEWAY_MAX_CONNECTIONS,
    headersTimeoutMs: config.CODEXK8S_AGENT_GATEWAY_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.CODEXK8S_AGENT_GATEWAY_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: config.CODEXK8S_AGENT_GATEWAY_KEEP_ALIVE_TIMEOUT_MS,
  },
});
const address = await app.listen({ port: config.HTTP_PORT, host: config.HTTP_HOST });
log.info({ address, healthPort: health.port }, 'listening');
const purge = startPeriodic(
  3_600_000,
  async () => {
    const n = await purgeOnce(db, config.CODEXK8S_AGENT_LOG_RETENTION_DAYS);
    if (n > 0) log.info({ chunks: n, days: config.CODEXK8S_AGENT_LOG_RETENTION_DAYS }, 'old agent log chunks deleted');
  },
  (err) => log.warn({ err: errorMessage(err) }, 'log retention pass failed'),
);
onShutdown(log, async () => {
  health.markNotReady();
  await purge.close();
  await app.close(); // new requests get 503 while in-flight ones finish
  await bus.drain();
  await db.destroy();
  await health.close();
  await telemetry.shutdown();
});
